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
from typing import TYPE_CHECKING, Any, Union

from polards.exceptions import (
    CastError,
    InvalidArgumentError,
    MalformedFileError,
    PolardsError,
    SplitNotFoundError,
)
from polards.hub.resolve import ConfigFiles, pick_config
from polards.loading.builders import build_dataset
from polards.loading.options import builder_options, check_known, check_load_options
from polards.loading.sources import BUILDERS, Source, find_source
from polards.loading.split_spec import SplitSlice, parse_split

if TYPE_CHECKING:
    from polards.dataset.dataset import Dataset
    from polards.dataset.dataset_dict import DatasetDict, IterableDatasetDict
    from polards.dataset.iterable import IterableDataset

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
            err.add_note(f"(dataset {label!r}, config {cfg.name!r})")
            raise err


def _progress_bar(source: Source, total: int) -> Any:
    if not source.is_hub or not source.settings.progress or total == 0:
        return None
    from polards.progress import progress_bar

    return progress_bar(total=total, unit="B", unit_scale=True, desc=f"Downloading {source.label}")


def _build_checked(source: Source, cfg: ConfigFiles, files: list[str], paths: list[str], build: Any) -> Any:
    """``build(paths)``; a cached Hub file that fails to decode is re-hashed and, if corrupt, fetched once more."""
    try:
        return build(paths)
    except CastError as err:  # shard schema drift: name the repo, revision and repo path, not the cache path
        if not source.is_hub:
            raise
        snap = source.repo.snapshot_of(cfg)
        msg = str(err)
        for local, f in zip(paths, files, strict=False):
            msg = msg.replace(local, f"{snap.repo_id}@{snap.sha[:12]}/{f}")
        raise type(err)(
            f"Dataset {snap.repo_id!r} at revision {snap.sha}, split files {files[:3]}...: {msg}"
        ) from err
    except Exception as err:  # noqa: BLE001 - decode errors of any reader; re-raised as polards errors below
        if isinstance(err, PolardsError) and not isinstance(err, MalformedFileError):
            raise
        if not source.is_hub:
            if isinstance(err, PolardsError):
                raise
            raise MalformedFileError(
                f"Cannot read {paths[:3]} as {cfg.format}: {type(err).__name__}: {err}"
            ) from err
        from polards.hub.download import recheck_cached_blob

        snap = source.repo.snapshot_of(cfg)
        replaced = [
            f for f in files if recheck_cached_blob(source.settings, snap.repo_id, snap.sha, snap.files[f])
        ]
        if replaced:
            return build(paths)
        if isinstance(err, MalformedFileError):
            raise
        raise MalformedFileError(
            f"Cannot read {cfg.format} files of dataset {snap.repo_id!r} at revision {snap.sha} ({files[:3]}): "
            f"{type(err).__name__}: {err}. Their checksums match the Hub's, so the files themselves are malformed."
        ) from err


def _apply_features(ds: Any, features: Any, fmt: str) -> Any:
    """Cast a loaded split to ``features=`` or the card's features, as ``datasets``' ``table_cast`` does."""
    if features is None:
        return ds
    from polards.loading.card_features import apply_features

    return apply_features(ds, features, fmt)


def _json_fields(
    source: Source, cfg: ConfigFiles, names: list[str], features: Any, opts: dict[str, Any]
) -> None:
    """JSON: the fields read as ``Json`` (``opts["json_paths"]``), see :func:`_json_paths`."""
    if cfg.format == "json":
        opts["json_paths"] = _json_paths(source, cfg, names, features, opts)[0]


def _map_style(
    source: Source,
    cfg: ConfigFiles,
    names: list[str],
    columns: list[str] | None,
    force: bool,
    opts: dict[str, Any],
    features: Any = None,
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
            ds = _build_checked(
                source, cfg, fs, paths, lambda ps: build_dataset(ps, cfg.format, columns=columns, **opts)
            )
            ds = _apply_features(ds, features, cfg.format)
            try:
                ds.split = n
            except AttributeError:
                pass
            out[n] = ds
        return out
    finally:
        if bar is not None:
            bar.close()


def _dataset_name(path: Any) -> str:
    """``datasets``' ``dataset_name`` of a load: the repo name, the folder name, or the builder name."""
    return os.path.basename(os.path.normpath(str(path))) or str(path)


def _slice(ds: Any, part: SplitSlice) -> Any:
    if part.is_full:
        return ds
    start, stop = part.bounds(len(ds))
    return ds.skip(start).take(max(stop - start, 0))


class _CastTo:
    """A ``map_schema`` mapper casting every column to ``features`` (``features=`` with ``streaming=True``)."""

    def __init__(self, features: Any) -> None:
        self.features = features
        self.__name__ = "cast_to_features"

    def __call__(self, lf: Any) -> Any:
        import polars as pl

        schema = self.features.to_polars_schema()
        have = lf.collect_schema().names()
        if sorted(have) != sorted(schema):
            msg = f"The columns in features ({list(schema)}) must be identical as the columns in the dataset: {have}"
            raise InvalidArgumentError(msg)
        return lf.select(pl.col(c).cast(schema[c]) for c in have)


def _streaming(
    source: Source,
    cfg: ConfigFiles,
    names: list[str],
    columns: list[str] | None,
    features: Any = None,
    card: bool = False,
    opts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    from polards import IterableDataset

    json_paths, rows = _json_paths(source, cfg, names, features, {**(opts or {}), "_streaming": True})
    out = {}
    for n in names:
        shards = source.stream_shards(cfg, cfg.splits[n], columns, f"{source.label} {n}", json_paths)
        feats = _stream_features(source, cfg, n, columns)
        if json_paths and features is None and rows:
            from polards.loading.json_stream import features_of_rows

            feats = features_of_rows(rows, json_paths)
            if feats is not None and columns:
                feats = type(feats)({c: f for c, f in feats.items() if c in columns})
        ds = IterableDataset.from_shards(shards, features=feats)
        if features is not None and card:
            from polards.loading.card_features import Restructure

            ds = ds.map_schema(Restructure(features, fill_missing=cfg.format == "json"))
        out[n] = ds.map_schema(_CastTo(features)) if features is not None else ds
    return out


def _json_paths(
    source: Source, cfg: ConfigFiles, names: list[str], features: Any, opts: dict[str, Any]
) -> tuple[list[list[Any]], list[Any] | None]:
    """The fields of a JSON config read as ``Json``, and the records they were found in.

    The ``Json`` fields of the features; else (no features, ``on_mixed_types="use_json"``) the mixed-type fields
    of the first 10 MB of the config's first split's first file, as ``datasets`` infers the features once from
    its first split (read by byte ranges from the Hub when streaming or when that split is not downloaded).
    """
    if cfg.format != "json":
        return [], None
    if features is not None:
        from polards.features.json_type import json_paths_of

        return json_paths_of(dict(features)), None
    if opts.get("field") is not None or opts.get("on_mixed_types", "use_json") != "use_json":
        return [], None
    from polards.features.json_type import mixed_type_paths
    from polards.loading import json_stream

    order = [n for n in cfg.splits if cfg.splits[n]]
    if not order:
        return [], None
    first = order[0]
    if source.is_hub and source.streams_locally(cfg) and first not in names:
        first = next((n for n in order if n in names), first)  # offline: the first split may not be cached
    path = cfg.splits[first][0]
    if source.is_hub and not source.streams_locally(cfg) and (opts.get("_streaming") or first not in names):
        rows = json_stream.hub_first_rows(source, cfg, path)
    else:
        from polards.io.read import expand_archives, is_url

        local = expand_archives(source.local_paths(cfg, [path]))[:1]
        rows = json_stream.local_first_rows(local[0]) if local and not is_url(local[0]) else None
    return ([], None) if rows is None else (mixed_type_paths(rows, allow_root=False), rows)


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


def _card_features(
    path: str, data_files: Any, data_dir: str | None, cfg: ConfigFiles, columns: list[str] | None
) -> Any:
    """The features of ``cfg``'s README ``dataset_info``, when ``datasets`` would use them (``None`` otherwise)."""
    from polards.loading.card_features import CARD_FORMATS, features_from_card

    if path in BUILDERS or data_files is not None or data_dir is not None or cfg.format not in CARD_FORMATS:
        return None
    card = features_from_card(cfg.features)
    if card is not None and columns is not None:
        card = type(card)({c: f for c, f in card.items() if c in columns})
    return card


def load_dataset(
    path: str,
    name: str | None = None,
    data_dir: str | None = None,
    data_files: Any = None,
    split: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    features: Any = None,
    download_config: Any = None,
    download_mode: Any = None,
    verification_mode: Any = None,
    keep_in_memory: bool | None = None,
    save_infos: bool = False,
    revision: str | None = None,
    token: str | bool | None = None,
    streaming: bool = False,
    num_proc: int | None = None,
    storage_options: dict[str, Any] | None = None,
    *,
    columns: list[str] | None = None,
    **config_kwargs: Any,
) -> Union[DatasetDict, Dataset, IterableDatasetDict, IterableDataset]:  # noqa: UP007 - datasets' annotation
    """Load a dataset the way ``datasets.load_dataset`` does, as lazy Polars plans.

    Parameters
    ----------
    path
        A Hub repo id (``"openai/gsm8k"``), a local folder, or a builder name (``"parquet"``, ``"json"``,
        ``"csv"``, ``"text"``, ``"imagefolder"``) used with ``data_files``/``data_dir``.
    name
        Config name (README ``configs:``); default: the ``default: true`` config or the only one.
    data_dir, data_files
        Override the repo's layout: patterns (str, list, or split -> patterns) relative to the repo/folder.
        ``.zip`` archives are extracted once and their data files read.
    split
        ``None`` for every split (a DatasetDict), or a spec such as ``"train"``, ``"train[:1024]"``,
        ``"train[10%:20%]"``, ``"train[:10%]+test[5:]"``.
    cache_dir
        The Hugging Face hub cache folder (default ``HF_HUB_CACHE`` / ``$HF_HOME/hub``).
    features
        Cast every split to these features (csv columns are read with their dtypes, so ``Value("string")``
        keeps ``"007"``).
    download_config, save_infos
        Accepted only at their defaults (``NotImplementedError`` naming them otherwise).
    storage_options
        fsspec options for ``data_files`` given as fsspec URLs (``s3://``, ``memory://``, a registered
        protocol...): the files are listed and copied once into the polards cache with them, as ``datasets``
        downloads them. Refused (``NotImplementedError``) for a local folder or a Hub repo.
    download_mode
        ``"force_redownload"`` refetches every file; other modes reuse the verified cache.
    verification_mode
        Accepted; polards verifies every file's checksum whatever the mode.
    keep_in_memory
        Materialize the result in memory instead of keeping a lazy scan of the cached files.
    revision
        Branch, tag or commit sha of a Hub repo.
    token
        Hub token (default ``HF_TOKEN`` / ``$HF_HOME/token``); ``False`` sends none.
    streaming
        Return an IterableDataset(Dict) reading shards remotely instead of downloading them.
    num_proc
        Accepted for compatibility (a positive int); loading itself is lazy and multi-threaded by Polars.
    columns
        Columns to read (projected at the scan).
    **config_kwargs
        Builder options of ``datasets`` (``sep=``, ``field=``...): the ones polards honours are applied, a
        speed-only one is accepted, one polards cannot honour raises ``NotImplementedError`` naming it, and
        an unknown keyword raises ``TypeError``.

    Raises
    ------
    DatasetNotFoundError, ConfigNotFoundError, SplitNotFoundError, DataFilesNotFoundError
        Naming what was not found.
    GatedRepoError
        A gated or private repo without a valid token (a ``PermissionError``).
    OfflineCacheMissError
        Offline mode with a cold cache, saying what is missing.
    HubConnectionError
        The Hub kept failing past the retry budget, or the load spent its fault budget (``POLARDS_HUB_DEADLINE``
        seconds of failed attempts and retry waits in total).
    IntegrityError, MalformedFileError, MalformedMetadataError, CastError
        Bytes that do not match the Hub's checksum, files or README YAML that do not parse, shards of a split
        whose schemas cannot be reconciled -- each naming repo, revision and file.
    """
    if "use_auth_token" in config_kwargs:
        legacy = config_kwargs.pop("use_auth_token")
        token = legacy if token is None else token
    check_known(config_kwargs)
    check_load_options(
        download_config=download_config,
        verification_mode=verification_mode,
        save_infos=save_infos,
        num_proc=num_proc,
        storage_options=None,  # honoured for fsspec data_files URLs (find_source), refused elsewhere there
    )
    from polards.hub.client import RetryPolicy
    from polards.hub.retry import fault_budget

    with fault_budget(RetryPolicy.from_env().deadline):
        return _load(
            path, name, data_dir, data_files, split, cache_dir, features, download_mode, keep_in_memory,
            revision, token, streaming, columns, config_kwargs, storage_options=storage_options,
        )  # fmt: skip


def _load(
    path: str,
    name: str | None,
    data_dir: str | None,
    data_files: Any,
    split: str | None,
    cache_dir: Any,
    features: Any,
    download_mode: Any,
    keep_in_memory: bool | None,
    revision: str | None,
    token: Any,
    streaming: bool,
    columns: list[str] | None,
    config_kwargs: dict[str, Any],
    *,
    storage_options: dict[str, Any] | None = None,
) -> Any:
    force = _mode(download_mode) == "force_redownload"
    columns = list(columns) if columns is not None else None
    if columns is not None and features is not None and set(columns) != set(features):
        if any(c not in features for c in columns):  # as datasets' parquet builder
            raise InvalidArgumentError(
                f"The columns and features argument must match, but got {columns} and {features}"
            )
        features = type(features)({c: features[c] for c in columns})
    source = find_source(
        str(path),
        name,
        data_files=data_files,
        data_dir=data_dir,
        revision=revision,
        token=token,
        cache_dir=cache_dir,
        storage_options=storage_options,
    )
    cfg = pick_config(source.configs, None if path in BUILDERS else name, str(path), source.files)
    opts = builder_options(cfg.format, config_kwargs)
    if features is not None and cfg.format == "csv":
        opts["schema_overrides"] = dict(features.to_polars_schema())
    card = _card_features(str(path), data_files, data_dir, cfg, columns) if features is None else None
    if (
        card
    ):  # datasets: the config's README dataset_info is the builder's info (not with data_files/data_dir)
        features = card
    parts = parse_split(split) if split is not None else None
    names = list(dict.fromkeys(p.split for p in parts)) if parts else list(cfg.splits)
    _check_splits(cfg, names, str(path))
    if streaming:
        if parts and any(not p.is_full for p in parts):
            raise InvalidArgumentError(
                f"Split slicing {split!r} is not supported with streaming=True; use take/skip."
            )
        datasets = _streaming(source, cfg, names, columns, features, card=card is not None, opts=opts)
    else:
        _json_fields(source, cfg, names, features, opts)
        datasets = _map_style(source, cfg, names, columns, force, opts, features)
        if cache_dir is not None:  # map results are cached there too, as datasets keeps them beside its files
            from polards.core.map_cache import with_cache_dir

            datasets = {
                n: ds._with(plan=with_cache_dir(ds._plan, cache_dir), features=ds.features)
                for n, ds in datasets.items()
            }
        from polards.loading.sizes import attach_infos, is_small_dataset

        attach_infos(datasets, cfg.name, _dataset_name(path))
        if keep_in_memory is None:  # datasets' default: in memory when smaller than IN_MEMORY_MAX_SIZE
            keep_in_memory = bool(datasets) and is_small_dataset(next(iter(datasets.values())).info)
        if keep_in_memory:
            from polards.dataset.cache import load_into_memory

            datasets = {n: load_into_memory(ds) for n, ds in datasets.items()}
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
