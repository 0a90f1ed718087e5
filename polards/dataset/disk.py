"""``save_to_disk`` / ``load_from_disk`` in ``datasets``' own folder layout, so each library reads the other's.

A dataset folder holds ``data-0000i-of-0000n.arrow`` (Arrow IPC *stream* files whose schema carries the
``huggingface`` features metadata), ``state.json`` (the shard list, split, format) and ``dataset_info.json``
(features and the rest of the info); a ``DatasetDict`` folder holds one such folder per split plus
``dataset_dict.json`` (``{"splits": [...]}``). Paths may be ``str``/``PathLike`` or fsspec URLs (``memory://``,
``file://``, ``s3://`` with ``storage_options``). A local save writes into ``<path>.tmp-<pid>`` and swaps it in,
so a failed or interrupted save leaves neither half a dataset nor the temporary folder.

>>> import tempfile, os
>>> from polards import Dataset
>>> path = os.path.join(tempfile.mkdtemp(), "ds")
>>> Dataset.from_dict({"x": [1, 2, 3]}).save_to_disk(path, num_shards=2)
>>> sorted(os.listdir(path))
['data-00000-of-00002.arrow', 'data-00001-of-00002.arrow', 'dataset_info.json', 'state.json']
>>> load_from_disk(path)["x"]
[1, 2, 3]
"""

from __future__ import annotations

import glob
import json
import os
import posixpath
import re
import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl
import pyarrow as pa

from polards._paths import remove_dead_temps
from polards.exceptions import DatasetNotFoundError, InvalidArgumentError

INFO = "dataset_info.json"
STATE = "state.json"
DICT_INFO = "dataset_dict.json"
MAX_SHARD_SIZE = 500 * 2**20  # datasets' config.MAX_SHARD_SIZE ("500MB")
WRITER_BATCH_SIZE = 1000

_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
    "KBIT": 10**3 // 8,
    "MBIT": 10**6 // 8,
    "GBIT": 10**9 // 8,
}


def file_size_to_int(size: int | str) -> int:
    """``datasets``' ``convert_file_size_to_int``: ``"500MB"`` -> 500_000_000, ``"1GiB"`` -> 2**30.

    >>> file_size_to_int("500MB"), file_size_to_int("1KiB"), file_size_to_int(10)
    (500000000, 1024, 10)
    """
    if isinstance(size, int):
        return size
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", str(size))
    unit = m.group(2).upper() if m else None
    if m is None or unit not in _UNITS:
        raise InvalidArgumentError(
            f"`size={size!r}` is not in a valid format. Use an integer followed by the unit, e.g., '5GB'."
        )
    return int(float(m.group(1)) * _UNITS[unit])


# ------------------------------------------------------------------------------------------------ filesystems
def _is_url(path: str) -> bool:
    return "://" in path


def _local(path: Any) -> str | None:
    """The local path for a plain path or a ``file://`` URL; ``None`` for another filesystem."""
    path = os.fspath(path)
    if path.startswith("file://"):
        return path[len("file://") :]
    return None if _is_url(path) else os.path.expanduser(path)


def _fs(path: str, storage_options: dict[str, Any] | None) -> tuple[Any, str]:
    from fsspec.core import url_to_fs

    return url_to_fs(path, **(storage_options or {}))


# ------------------------------------------------------------------------------------------------ saving
def _info_dict(ds: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"citation": "", "description": "", "homepage": "", "license": ""}
    extra = getattr(ds.info, "to_dict", None)
    if callable(extra):
        try:
            info.update({k: v for k, v in extra().items() if v is not None})
        except Exception:  # noqa: BLE001 - an info object we do not know: keep the defaults
            pass
    info["features"] = ds.features.to_dict()
    return {k: info[k] for k in sorted(info)}


def _state(ds: Any, num_shards: int) -> dict[str, Any]:
    fmt = getattr(ds, "_format", "python")
    return {
        "_data_files": [{"filename": f"data-{i:05d}-of-{num_shards:05d}.arrow"} for i in range(num_shards)],
        "_fingerprint": ds._fingerprint or uuid.uuid4().hex[:16],
        "_format_columns": getattr(fmt, "columns", None),
        "_format_kwargs": dict(getattr(fmt, "kwargs", {})),
        "_format_type": None if fmt == "python" else str(fmt),
        "_output_all_columns": getattr(fmt, "output_all_columns", False),
        "_split": None if ds.split is None else str(ds.split),
    }


def _num_shards(
    frame: pl.DataFrame, num_shards: int | None, max_shard_size: int | str | None, num_proc: int | None
) -> int:
    if num_shards is not None:
        if num_shards < 1:
            raise InvalidArgumentError(f"num_shards must be >= 1, got {num_shards}.")
        return num_shards
    size = file_size_to_int(max_shard_size or MAX_SHARD_SIZE)
    n = max(int(frame.estimated_size() / size) + 1, num_proc or 1)
    return max(1, min(frame.height, n))  # datasets writes 0 shards for 0 rows (and then cannot load it)


def _write_shard(frame: pl.DataFrame, features: Any, open_file: Any) -> None:
    from polards.io.write import to_hf_arrow

    schema = features.to_arrow_schema()
    with open_file() as sink, pa.ipc.new_stream(sink, schema) as writer:
        for batch in frame.iter_slices(WRITER_BATCH_SIZE):
            writer.write_table(to_hf_arrow(batch, features))


def write_arrow_stream(ds: Any, path: str) -> None:
    """``ds``'s rows as one Arrow IPC stream file in ``datasets``' layout (its map cache files), atomically."""
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        _write_shard(ds._frame(), ds.features, lambda: open(tmp, "wb"))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _save_dataset(
    ds: Any,
    path: str,
    fs: Any,
    num_shards: int | None,
    max_shard_size: int | str | None,
    num_proc: int | None,
) -> None:
    """Write one dataset folder at ``path`` (local when ``fs`` is None)."""
    frame = ds._frame()
    n = _num_shards(frame, num_shards, max_shard_size, num_proc)
    div, mod = divmod(frame.height, n)
    bounds = [(div * i + min(i, mod), div + (1 if i < mod else 0)) for i in range(n)]
    join = os.path.join if fs is None else posixpath.join
    if fs is None:
        os.makedirs(path, exist_ok=True)
    else:
        fs.makedirs(path, exist_ok=True)

    def opener(name: str) -> Any:
        target = join(path, name)
        return (lambda: open(target, "wb")) if fs is None else (lambda: fs.open(target, "wb"))

    from polards.progress import progress_bar

    bar = progress_bar(total=frame.height, desc=f"Saving the dataset (0/{n} shards)")
    done = [0]
    lock = threading.Lock()

    def one(i: int) -> None:
        start, length = bounds[i]
        _write_shard(frame.slice(start, length), ds.features, opener(f"data-{i:05d}-of-{n:05d}.arrow"))
        with lock:
            done[0] += 1
            bar.set_description(f"Saving the dataset ({done[0]}/{n} shards)", refresh=False)
            bar.update(length)

    try:
        if num_proc is not None and num_proc > 1 and n > 1:
            with ThreadPoolExecutor(num_proc) as pool:
                list(pool.map(one, range(n)))
        else:
            for i in range(n):
                one(i)
    finally:
        bar.close()
    for name, content in (
        (STATE, json.dumps(_state(ds, n), indent=2, sort_keys=True)),
        (INFO, json.dumps(_info_dict(ds), indent=2)),
    ):
        with opener(name)() as f:
            f.write(content.encode("utf-8"))


def _check_not_own_source(obj: Any, local: str) -> None:
    from polards.core import steps as st

    target = os.path.realpath(local)
    datasets = obj.values() if isinstance(obj, dict) else [obj]
    for ds in datasets:
        for step in ds._plan:
            files = step.files if isinstance(step, st.Source) else ()
            if any(os.path.realpath(f).startswith(target + os.sep) for f in files):
                raise PermissionError(f"Tried to overwrite {target} but a dataset can't overwrite itself.")


def save_to_disk(
    obj: Any,
    path: Any,
    max_shard_size: int | str | None = None,
    num_shards: int | dict[str, int | None] | None = None,
    num_proc: int | None = None,
    storage_options: dict[str, Any] | None = None,
) -> None:
    """Save a ``Dataset`` or ``DatasetDict`` in ``datasets``' layout (``num_shards`` per split for a dict)."""
    from polards.dataset.dataset_dict import DatasetDict

    is_dict = isinstance(obj, DatasetDict)
    if is_dict:
        shards = num_shards if isinstance(num_shards, dict) else dict.fromkeys(obj, num_shards)
        unknown = [k for k in shards if k not in obj]
        if unknown:
            raise InvalidArgumentError(f"num_shards names splits {unknown} that are not in {list(obj)}.")
    elif isinstance(num_shards, dict):
        raise InvalidArgumentError("num_shards must be an int for a Dataset (a dict is for a DatasetDict).")
    path = os.fspath(path)
    local = _local(path) if not storage_options else None
    if local is None:  # another filesystem: write in place (no rename on object stores)
        fs, root = _fs(path, storage_options)
        _write_all(obj, is_dict, root, fs, shards if is_dict else num_shards, max_shard_size, num_proc)
        return
    local = local.rstrip(os.sep) or local
    _check_not_own_source(obj, local)
    remove_dead_temps(glob.glob(glob.escape(local) + ".tmp-*"))  # left by killed saves
    tmp = f"{local}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _write_all(obj, is_dict, tmp, None, shards if is_dict else num_shards, max_shard_size, num_proc)
        if os.path.isdir(local):
            shutil.rmtree(local)
        elif os.path.exists(local):
            os.remove(local)
        os.replace(tmp, local)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_all(
    obj: Any, is_dict: bool, root: str, fs: Any, shards: Any, max_shard_size: Any, num_proc: int | None
) -> None:
    if not is_dict:
        _save_dataset(obj, root, fs, shards, max_shard_size, num_proc)
        return
    join = os.path.join if fs is None else posixpath.join
    for split, ds in obj.items():
        _save_dataset(ds, join(root, split), fs, shards.get(split), max_shard_size, num_proc)
    content = json.dumps({"splits": list(obj)}).encode("utf-8")
    target = join(root, DICT_INFO)
    with open(target, "wb") if fs is None else fs.open(target, "wb") as f:
        f.write(content)


# ------------------------------------------------------------------------------------------------ loading
def _read_stream(path: str, fs: Any) -> pa.Table:
    if fs is None:  # the table's buffers keep the mapping alive; nothing is read until used
        return pa.ipc.open_stream(pa.memory_map(path)).read_all()
    with fs.open(path, "rb") as f:
        return pa.ipc.open_stream(pa.py_buffer(f.read())).read_all()


def _exists(fs: Any, path: str) -> bool:
    return os.path.isfile(path) if fs is None else fs.isfile(path)


def _read_json(fs: Any, path: str) -> Any:
    if fs is None:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    with fs.open(path, "r", encoding="utf-8") as f:
        return json.load(f)


def _load_dataset(root: str, fs: Any) -> Any:
    from polards.core import steps as st
    from polards.dataset import formatting
    from polards.dataset.dataset import Dataset
    from polards.features import Features

    join = os.path.join if fs is None else posixpath.join
    state = _read_json(fs, join(root, STATE))
    info = _read_json(fs, join(root, INFO))
    files = [join(root, d["filename"]) for d in state.get("_data_files", [])]
    tables = [_read_stream(f, fs) for f in files]
    feats = info.get("features")
    features = Features.from_dict(feats) if feats is not None else None
    if tables:
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        if features is None:
            features = Features.from_arrow_schema(table.schema)
        frame = pl.from_arrow(table.replace_schema_metadata(None))
        assert isinstance(frame, pl.DataFrame)
    else:  # datasets saves an empty dataset as zero shards
        frame = pl.DataFrame(schema=features.to_polars_schema() if features is not None else None)
    label = f"arrow {files[0] if files else root}" + (f" (+{len(files) - 1} more)" if len(files) > 1 else "")
    try:
        fmt = formatting.check_format(
            state.get("_format_type"),
            state.get("_format_columns"),
            bool(state.get("_output_all_columns")),
            **(state.get("_format_kwargs") or {}),
        )
    except InvalidArgumentError:
        fmt = formatting.check_format(None)  # a format polards does not have (torch, tf, jax): python rows
    local_files = tuple(files) if fs is None else ()
    return Dataset(
        (st.Source(frame.lazy(), label, local_files, "arrow"),),
        features,
        format=fmt,
        split=state.get("_split"),
    )


def load_from_disk(
    dataset_path: Any, keep_in_memory: bool | None = None, storage_options: dict[str, Any] | None = None
) -> Any:
    """Load a folder written by ``save_to_disk`` (polards' or ``datasets``'); a ``DatasetDict`` folder gives a
    :class:`~polards.DatasetDict`. Shards are memory-mapped where the format allows."""
    from polards.dataset.dataset_dict import DatasetDict

    dataset_path = os.fspath(dataset_path)
    local = _local(dataset_path) if not storage_options else None
    fs, root = (None, local) if local is not None else _fs(dataset_path, storage_options)
    join = os.path.join if fs is None else posixpath.join
    if _exists(fs, join(root, DICT_INFO)):
        splits = _read_json(fs, join(root, DICT_INFO))["splits"]
        return DatasetDict({s: _load_folder(join(root, s), fs, dataset_path) for s in splits})
    return _load_folder(root, fs, dataset_path)


def _load_folder(root: str, fs: Any, shown: str) -> Any:
    join = os.path.join if fs is None else posixpath.join
    if _exists(fs, join(root, STATE)) and _exists(fs, join(root, INFO)):
        return _load_dataset(root, fs)
    if fs is None and _exists(fs, join(root, INFO)) and any(n.endswith(".parquet") for n in os.listdir(root)):
        return _load_legacy_parquet(root)
    raise DatasetNotFoundError(
        f"Directory {shown} is neither a `Dataset` directory nor a `DatasetDict` directory."
    )


def _load_legacy_parquet(root: str) -> Any:
    """Folders written by polards before it used ``datasets``' layout (parquet + ``dataset_info.json``)."""
    from polards.dataset.dataset import Dataset
    from polards.features import Features

    info = _read_json(None, os.path.join(root, INFO))
    return Dataset.from_parquet(
        os.path.join(root, "*.parquet"), features=Features.from_dict(info["features"])
    )
