"""Keyword checks for ``load_dataset``: every ``datasets`` keyword is either honoured or refused by name.

``datasets.load_dataset`` passes unknown keywords to the builder config (``sep=`` for csv, ``field=`` for json
...). polards does not swallow them: a keyword no ``datasets`` builder knows is a ``TypeError`` (a typo such as
``splt=`` must not be ignored), and a keyword ``datasets`` accepts but polards cannot honour is a
:class:`~polards.exceptions.NotHonouredError` (a ``NotImplementedError``) naming it -- unless its value is the
default, or it only tunes speed (``chunksize``, ``batch_size`` ...), in which case it is accepted.

>>> builder_options("csv", {"sep": ";"})
{'sep': ';'}
>>> builder_options("csv", {"chunksize": 100})
{}
>>> try:
...     check_known({"splt": "train"})
... except TypeError as err:
...     print(err)
load_dataset() got an unexpected keyword argument 'splt'. Hint: did you mean 'split'?
"""

from __future__ import annotations

import difflib
from typing import Any

from polards.exceptions import InvalidArgumentError, NotHonouredError

_ANY = object()  # any value is accepted (the option only tunes speed or memory)

# datasets 5.2 builder-config fields -> the value polards reproduces (``_ANY``: any value, no effect on rows)
_CONFIG_DEFAULTS: dict[str, dict[str, Any]] = {
    "csv": {
        "header": ("infer", 0),
        "names": (None,),
        "column_names": (None,),
        "index_col": (None,),
        "usecols": (None,),
        "prefix": (None,),
        "mangle_dupe_cols": (True,),
        "engine": _ANY,
        "converters": (None,),
        "true_values": (None,),
        "false_values": (None,),
        "skipinitialspace": (False,),
        "skiprows": (None, 0),
        "nrows": (None,),
        "na_values": (None,),
        "keep_default_na": (True,),
        "na_filter": (True,),
        "verbose": _ANY,
        "skip_blank_lines": (True,),
        "thousands": (None,),
        "decimal": (".",),
        "lineterminator": (None,),
        "quotechar": ('"',),
        "quoting": (0,),
        "escapechar": (None,),
        "comment": (None,),
        "encoding": (None, "utf-8", "utf8"),
        "dialect": (None,),
        "error_bad_lines": (True,),
        "warn_bad_lines": _ANY,
        "skipfooter": (0,),
        "doublequote": (True,),
        "memory_map": _ANY,
        "float_precision": _ANY,
        "chunksize": _ANY,
        "encoding_errors": (None, "strict"),
        "on_bad_lines": ("error",),
        "date_format": (None,),
    },
    "json": {
        "encoding": (None, "utf-8", "utf8"),
        "encoding_errors": (None, "strict"),
        "use_threads": _ANY,
        "block_size": _ANY,
        "chunksize": _ANY,
        "newlines_in_values": _ANY,
        "on_mixed_types": ("use_json", None),
        "parse_agent_traces": _ANY,
    },
    "parquet": {
        "batch_size": _ANY,
        "filters": (None,),
        "fragment_scan_options": _ANY,
        "on_bad_files": ("error",),
    },
    "text": {
        "encoding": (None, "utf-8", "utf8"),
        "encoding_errors": (None, "strict"),
        "chunksize": _ANY,
        "keep_linebreaks": (False,),
        "sample_by": ("line",),
    },
    "imagefolder": {
        "drop_labels": (None, False),
        "drop_metadata": (None, False),
        "metadata_filenames": (None,),
        "filters": (None,),
        "decode_num_threads": _ANY,
    },
    "arrow": {},
}
# the builder-config keywords polards honours, per format (``features``/``columns`` are load_dataset's own)
_HONOURED = {"csv": {"sep", "delimiter"}, "json": {"field", "on_mixed_types"}}
_LOAD_KEYWORDS = [
    "path", "name", "data_dir", "data_files", "split", "cache_dir", "features", "download_config",
    "download_mode", "verification_mode", "keep_in_memory", "save_infos", "revision", "token", "streaming",
    "num_proc", "storage_options", "columns",
]  # fmt: skip
_ALL_KEYS = set().union(*_CONFIG_DEFAULTS.values(), *_HONOURED.values(), {"use_auth_token"})


def check_known(kwargs: dict[str, Any]) -> None:
    """Raise ``TypeError`` for a keyword that neither ``load_dataset`` nor any ``datasets`` builder accepts."""
    for key in kwargs:
        if key not in _ALL_KEYS:
            close = difflib.get_close_matches(key, [*_LOAD_KEYWORDS, *sorted(_ALL_KEYS)], n=1)
            hint = f". Hint: did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"load_dataset() got an unexpected keyword argument {key!r}{hint}")


def builder_options(fmt: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The builder options polards applies for ``fmt``; raises for the ones it cannot honour."""
    check_known(kwargs)
    defaults = _CONFIG_DEFAULTS.get(fmt, {})
    honoured = _HONOURED.get(fmt, set())
    out = {}
    for key, value in kwargs.items():
        if key in honoured:
            out[key] = value
            continue
        if key not in defaults:
            raise TypeError(
                f"load_dataset() got the keyword argument {key!r}, which the {fmt!r} builder does not take "
                f"(it takes {sorted(set(defaults) | honoured)})."
            )
        allowed = defaults[key]
        if allowed is _ANY or any(value is a or (type(value) is type(a) and value == a) for a in allowed):
            continue
        raise NotHonouredError(
            f"load_dataset(..., {key}={value!r}): polards cannot honour the {fmt} option {key!r} yet "
            f"(accepted value(s): {list(allowed)})."
        )
    return out


def check_load_options(
    *,
    download_config: Any,
    verification_mode: Any,
    save_infos: bool,
    num_proc: int | None,
    storage_options: dict[str, Any] | None,
) -> None:
    """``load_dataset``'s own keywords that polards accepts only in the form it can honour."""
    if download_config is not None:
        raise NotHonouredError(
            "load_dataset(..., download_config=...): polards cannot honour a DownloadConfig; its downloads are "
            "configured by POLARDS_HUB_* environment variables (retries, timeouts, deadline) and cache_dir=."
        )
    mode = getattr(verification_mode, "value", verification_mode)
    if mode not in (None, "no_checks", "basic_checks", "all_checks"):
        raise InvalidArgumentError(
            f"Unknown verification_mode {mode!r}: use 'no_checks', 'basic_checks' or 'all_checks' (polards "
            "verifies every file's checksum in any mode)."
        )
    if save_infos:
        raise NotHonouredError("load_dataset(..., save_infos=True): polards does not write dataset infos.")
    if num_proc is not None and (not isinstance(num_proc, int) or isinstance(num_proc, bool) or num_proc < 1):
        raise InvalidArgumentError(f"num_proc must be a positive integer or None, got {num_proc!r}.")
    if storage_options:
        raise NotHonouredError(
            f"load_dataset(..., storage_options={storage_options!r}): polards cannot honour storage_options yet."
        )
