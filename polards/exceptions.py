"""Every exception polards raises, in one place.

Each class subclasses :class:`PolardsError` *and* the builtin exception that Hugging Face ``datasets`` raises
in the same situation, so ``except ValueError`` / ``except KeyError`` code written for ``datasets`` keeps
working. Messages name the culprit and, where useful, end with a ``Hint:`` line.

Examples
--------
>>> from polards.exceptions import ColumnNotFoundError
>>> err = ColumnNotFoundError.from_names(["qestion"], ["question", "answer"])
>>> isinstance(err, ValueError)
True
>>> print(err)
Column 'qestion' not in the dataset. Current columns in the dataset: ['question', 'answer'].
Hint: did you mean 'question'?
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PolardsError(Exception):
    """Base class of every polards error."""


def _hint(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f"\nHint: did you mean {close[0]!r}?" if close else ""


# --------------------------------------------------------------------------------------------------- plan/schema
class ColumnNotFoundError(PolardsError, ValueError):
    """A column named by the caller does not exist (``datasets`` raises ``ValueError``)."""

    @classmethod
    def from_names(cls, missing: Iterable[str], available: Iterable[str]) -> ColumnNotFoundError:
        missing = list(missing)
        available = list(available)
        names = ", ".join(repr(m) for m in missing)
        noun = "Column" if len(missing) == 1 else "Columns"
        msg = f"{noun} {names} not in the dataset. Current columns in the dataset: {available}."
        return cls(msg + _hint(missing[0], available))

    @classmethod
    def with_hint(cls, msg: str, missing: str, available: Iterable[str]) -> ColumnNotFoundError:
        """``msg`` (worded like ``datasets``' own) plus a did-you-mean hint."""
        return cls(msg + _hint(missing, list(available)))


class ColumnExistsError(PolardsError, ValueError):
    """A column that would be created already exists."""


class DatasetIndexError(PolardsError, IndexError):
    """A row index is out of range."""


class InvalidArgumentError(PolardsError, ValueError):
    """An argument has a valid type but an invalid value."""


class FeatureTypeError(PolardsError, TypeError):
    """A value or feature has the wrong type."""


class FeatureNotFoundError(PolardsError, KeyError):
    """A column has no entry in the given features (``datasets`` raises ``KeyError``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class CastError(PolardsError, ValueError):
    """A cast between features is not possible."""


class ValueOverflowError(PolardsError, OverflowError):
    """A value does not fit the column's type (``OverflowError``, as pyarrow raises through ``datasets``)."""


class UDFError(PolardsError, RuntimeError):
    """A user function passed to ``map``/``filter`` failed or returned an unusable value."""


class UDFOutputError(UDFError, ValueError):
    """A ``map`` function's output has columns of different lengths or values that do not fit the first
    batch's types (``datasets`` raises ``pyarrow.ArrowInvalid``, a ``ValueError``)."""


class UDFOutputTypeError(UDFError, TypeError):
    """A ``map`` function returned a value of an unusable type (``datasets`` raises ``TypeError``)."""


class MalformedFileError(PolardsError, ValueError):
    """A data file could not be parsed."""


class MalformedMetadataError(MalformedFileError):
    """A repo's metadata (README YAML ``configs:`` / ``dataset_info``) is malformed; names the file and line.

    ``datasets`` raises ``ValueError`` for a well-formed YAML of the wrong shape; a YAML syntax error raises
    :class:`MalformedYAMLError`, which is also a ``yaml.YAMLError`` (what ``datasets`` lets through).
    """


class NotDistributableError(PolardsError, NotImplementedError):
    """A plan step has no distributed equivalent (e.g. ``select(indices)`` when handing a plan to Ray)."""


class NotHonouredError(PolardsError, NotImplementedError):
    """A keyword ``datasets`` accepts but polards cannot honour (named in the message) was given."""


class MissingDependencyError(PolardsError, ImportError):
    """An optional dependency (an extra such as ``polards[ray]``) is not installed."""


# --------------------------------------------------------------------------------------------------- loading/hub
class DatasetNotFoundError(PolardsError, FileNotFoundError):
    """The dataset (repo or local path) does not exist (``datasets.exceptions.DatasetNotFoundError``)."""


class ConfigNotFoundError(PolardsError, ValueError):
    """The config name is not one of the dataset's configs."""

    @classmethod
    def from_names(cls, repo: str, name: str, available: Iterable[str]) -> ConfigNotFoundError:
        available = list(available)
        msg = f"BuilderConfig {name!r} not found for dataset {repo!r}. Available: {available}."
        return cls(msg + _hint(name, available))


class SplitNotFoundError(PolardsError, ValueError):
    """The split is not one of the config's splits."""

    @classmethod
    def from_names(cls, split: str, available: Iterable[str]) -> SplitNotFoundError:
        available = list(available)
        # the message is datasets' own, word for word (clients log it); the hint goes in a note
        err = cls(f'Unknown split "{split}". Should be one of {available}.')
        if hint := _hint(split, available).strip():
            err.add_note(hint)
        return err


class DatasetScriptError(PolardsError, RuntimeError):
    """The folder or repo holds a loading script (``<name>.py``), which ``datasets`` 4+ no longer runs."""

    @classmethod
    def found(cls, filename: str, where: str) -> DatasetScriptError:
        err = cls(f"Dataset scripts are no longer supported, but found {filename}")  # datasets' words
        err.add_note(
            f"(in {where}; load its data files with data_files=, e.g. load_dataset('json', data_files=...))"
        )
        return err


class DataFilesNotFoundError(PolardsError, FileNotFoundError):
    """No data file matched the given patterns."""


class GatedRepoError(PolardsError, PermissionError):
    """A gated or private repo was asked for without a valid token."""


class HubConnectionError(PolardsError, ConnectionError):
    """The Hub could not be reached, or kept failing after the retry budget was spent."""


class OfflineCacheMissError(PolardsError, FileNotFoundError):
    """Offline mode is on and the cache does not hold what was asked for."""


class ForkedAfterPolarsError(PolardsError, RuntimeError):
    """A query in a process forked after Polars had run one in its parent (it would hang: use 'spawn')."""


class CacheBusyError(PolardsError, RuntimeError):
    """A cache entry is locked by another process (e.g. a download in progress) and was left alone."""


class IntegrityError(PolardsError, OSError):
    """A downloaded file's checksum does not match the one the Hub reports."""


# --------------------------------------------------------------------------------------------------- eval/sandbox
class GradingError(PolardsError, RuntimeError):
    """Grading failed for a reason other than a wrong answer."""


class ExtractionError(PolardsError, ValueError):
    """No answer could be extracted from a text."""


class SandboxError(PolardsError, RuntimeError):
    """The sandbox could not run a program."""


class IsolationError(SandboxError):
    """The requested isolation could not be set up (raised with ``strict=True``)."""


class IsolationWarning(UserWarning):
    """The sandbox runs with weaker isolation than requested (warned once; ``strict=True`` raises instead)."""


class ResultStoreError(PolardsError, RuntimeError):
    """The result store could not read or write a run."""


# --------------------------------------------------------------------------------------------------- arrow-typed
# Errors that ``datasets`` lets through from pyarrow (``pa.ArrowInvalid``, ``pa.ArrowTypeError``). Subclassing the
# pyarrow classes needs pyarrow imported, so these are built on first use (PEP 562) to keep ``import polards`` light.
_ARROW_ERRORS = {
    "ArrowValueError": (
        "ArrowInvalid",
        "A value cannot be converted to the column's Arrow type (``pa.ArrowInvalid``).",
    ),
    "ArrowTypeMismatchError": (
        "ArrowTypeError",
        "Values of different types in one column (``pa.ArrowTypeError``, a ``TypeError``).",
    ),
    "ArrowCastError": (
        "ArrowInvalid",
        "A cast would lose or overflow values (``pa.ArrowInvalid``, a ``ValueError``).",
    ),
}


def __getattr__(name: str) -> type:
    if name == "MalformedYAMLError":  # subclasses yaml.YAMLError: built on first use like the Arrow errors
        import yaml

        doc = "README YAML front matter that does not parse (``yaml.YAMLError``, as ``datasets`` raises)."
        yaml_cls = type(
            name, (MalformedMetadataError, yaml.YAMLError), {"__doc__": doc, "__module__": __name__}
        )
        globals()[name] = yaml_cls
        return yaml_cls
    if name not in _ARROW_ERRORS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import pyarrow as pa

    base_name, doc = _ARROW_ERRORS[name]
    bases = (
        (CastError, getattr(pa, base_name))
        if name == "ArrowCastError"
        else (PolardsError, getattr(pa, base_name))
    )
    cls = type(name, bases, {"__doc__": doc, "__module__": __name__})
    globals()[name] = cls
    return cls
