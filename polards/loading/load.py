"""``load_dataset``: a Hub repo, a local folder or data files -> Dataset / DatasetDict / IterableDataset(Dict).

Map-style: the split's shards are downloaded once into the HF cache (verified, see :mod:`polards.hub.download`)
and scanned lazily in place, so column projections and filters reach the parquet reader. Streaming: one shard
per file, read remotely (see :mod:`polards.hub.streaming`).

>>> import tempfile, os, polars as pl
>>> d = tempfile.mkdtemp(); pl.DataFrame({"x": list(range(10))}).write_parquet(os.path.join(d, "train.parquet"))
>>> ds = load_dataset("parquet", data_files=os.path.join(d, "*.parquet"), split="train[:30%]")
>>> ds["x"]
[0, 1, 2]
"""

from __future__ import annotations

import os
from typing import Any

from polards.exceptions import InvalidArgumentError, SplitNotFoundError
from polards.hub.resolve import ConfigFiles, pick_config
from polards.loading.builders import build_dataset
from polards.loading.sources import BUILDERS, Source, find_source
from polards.loading.split_spec import SplitSlice, parse_split

_MODES = {"reuse_dataset_if_exists", "reuse_cache_if_exists", "force_redownload"}


def _mode(download_mode: Any) -> str:
    mode = getattr(download_mode, "value", download_mode) or "reuse_dataset_if_exists"
    if mode not in _MODES:
        raise InvalidArgumentError(f"Unknown download_mode {mode!r}: use one of {sorted(_MODES)}.")
    return str(mode)


def _check_splits(cfg: ConfigFiles, names: list[str], label: str) -> None:
    for n in names:
        if n not in cfg.splits:
            err = SplitNotFoundError.from_names(n, list(cfg.splits))
            raise SplitNotFoundError(f"{err} (dataset {label!r}, config {cfg.name!r})")


def _progress_bar(source: Source, total: int) -> Any:
    if not source.is_hub or not source.settings.progress or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=f"Downloading {source.label}", leave=False)


def _map_style(
    source: Source,
    cfg: ConfigFiles,
    names: list[str],
    columns: list[str] | None,
    force: bool,
    opts: dict[str, Any],
) -> dict[str, Any]:
    files = {n: cfg.splits[n] for n in names}
    offline = source.is_hub and source.settings.offline
    bar = (
        None
        if offline
        else _progress_bar(source, sum(source.download_size(cfg, fs) for fs in files.values()))
    )
    try:
        out = {}
        for n, fs in files.items():
            paths = source.local_paths(cfg, fs, force=force, bar=bar)
            ds = build_dataset(paths, cfg.format, columns=columns, **opts)
            try:
                ds.split = n
            except AttributeError:
                pass
            out[n] = ds
        return out
    finally:
        if bar is not None:
            bar.close()


def _slice(ds: Any, part: SplitSlice) -> Any:
    if part.is_full:
        return ds
    start, stop = part.bounds(len(ds))
    return ds.skip(start).take(max(stop - start, 0))


def _streaming(
    source: Source, cfg: ConfigFiles, names: list[str], columns: list[str] | None
) -> dict[str, Any]:
    from polards import IterableDataset

    out = {}
    for n in names:
        shards = source.stream_shards(cfg, cfg.splits[n], columns, desc=f"{source.label} {n}")
        out[n] = IterableDataset.from_shards(shards, features=_stream_features(source, cfg, n, columns))
    return out


def _stream_features(source: Source, cfg: ConfigFiles, split: str, columns: list[str] | None) -> Any:
    """Parquet shards: features from the first footer (keeps ClassLabel etc.); others: from the first batch."""
    if cfg.format != "parquet" or not source.is_hub:
        return None
    from polards.features import Features
    from polards.hub.info import _parquet_footer

    meta = _parquet_footer(source.settings, source.repo.snapshot_of(cfg), cfg.splits[split][0])
    if meta is None:
        return None
    feats = Features.from_arrow_schema(meta.schema.to_arrow_schema())
    return Features({k: v for k, v in feats.items() if k in columns}) if columns else feats


def load_dataset(
    path: str,
    name: str | None = None,
    split: str | None = None,
    *,
    data_files: Any = None,
    data_dir: str | None = None,
    revision: str | None = None,
    token: str | bool | None = None,
    streaming: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    columns: list[str] | None = None,
    download_mode: Any = None,
    keep_in_memory: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Load a dataset the way ``datasets.load_dataset`` does, as lazy Polars plans.

    Parameters
    ----------
    path
        A Hub repo id (``"openai/gsm8k"``), a local folder, or a builder name (``"parquet"``, ``"json"``,
        ``"csv"``, ``"text"``, ``"imagefolder"``) used with ``data_files``/``data_dir``.
    name
        Config name (README ``configs:``); default: the ``default: true`` config or the only one.
    split
        ``None`` for every split (a DatasetDict), or a spec such as ``"train"``, ``"train[:1024]"``,
        ``"train[10%:20%]"``, ``"train[:10%]+test[5:]"``.
    data_files, data_dir
        Override the repo's layout: patterns (str, list, or split -> patterns) relative to the repo/folder.
    revision
        Branch, tag or commit sha of a Hub repo.
    token
        Hub token (default ``HF_TOKEN`` / ``$HF_HOME/token``); ``False`` sends none.
    streaming
        Return an IterableDataset(Dict) reading shards remotely instead of downloading them.
    cache_dir
        The Hugging Face hub cache folder (default ``HF_HUB_CACHE`` / ``$HF_HOME/hub``).
    columns
        Columns to read (projected at the scan).
    download_mode
        ``"force_redownload"`` refetches every file; other modes reuse the verified cache.
    keep_in_memory
        Materialize the result in memory instead of keeping a lazy scan of the cached files.

    Raises
    ------
    DatasetNotFoundError, ConfigNotFoundError, SplitNotFoundError, DataFilesNotFoundError
        Naming what was not found.
    GatedRepoError
        A gated or private repo without a valid token (a ``PermissionError``).
    OfflineCacheMissError
        Offline mode with a cold cache, saying what is missing.
    HubConnectionError
        The Hub kept failing past the retry budget.
    """
    if "use_auth_token" in kwargs and token is None:
        token = kwargs.pop("use_auth_token")
    force = _mode(download_mode) == "force_redownload"
    columns = list(columns) if columns is not None else None
    source = find_source(
        str(path),
        name,
        data_files=data_files,
        data_dir=data_dir,
        revision=revision,
        token=token,
        cache_dir=cache_dir,
    )
    cfg = pick_config(source.configs, None if path in BUILDERS else name, str(path), source.files)
    parts = parse_split(split) if split is not None else None
    names = list(dict.fromkeys(p.split for p in parts)) if parts else list(cfg.splits)
    _check_splits(cfg, names, str(path))
    opts = {k: v for k, v in kwargs.items() if k in ("field", "sep", "delimiter")}
    if streaming:
        if parts and any(not p.is_full for p in parts):
            raise InvalidArgumentError(
                f"Split slicing {split!r} is not supported with streaming=True; use take/skip."
            )
        datasets = _streaming(source, cfg, names, columns)
    else:
        datasets = _map_style(source, cfg, names, columns, force, opts)
        if keep_in_memory:
            from polards import Dataset

            datasets = {
                n: Dataset.from_polars(ds.to_polars(), features=ds.features) for n, ds in datasets.items()
            }
    if parts is None:
        if streaming:
            from polards import IterableDatasetDict

            return IterableDatasetDict(datasets)
        from polards import DatasetDict

        return DatasetDict(datasets)
    pieces = [_slice(datasets[p.split], p) for p in parts]
    if len(pieces) == 1:
        return pieces[0]
    if streaming:
        from polards import IterableDataset

        return IterableDataset.from_shards(
            [s for p in pieces for s in p._shards], features=pieces[0].features
        )
    from polards import concatenate_datasets

    return concatenate_datasets(pieces)
