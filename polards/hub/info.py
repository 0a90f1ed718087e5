"""Configs, splits and infos of a Hub dataset, without downloading data pages.

``get_dataset_infos`` reads features and row counts from the README ``dataset_info`` block when it has them,
else from the parquet footers, fetched with one or two range requests per file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polards.exceptions import DataFilesNotFoundError, DatasetNotFoundError, SplitNotFoundError
from polards.hub.card import parse_front_matter
from polards.hub.client import HubSettings, hub_settings
from polards.hub.download import snapshot_path
from polards.hub.remote_file import RemoteFile
from polards.hub.repo import CONVERT_REVISION, RepoSnapshot, get_snapshot, read_text_file, try_get_snapshot
from polards.hub.resolve import (
    ConfigFiles,
    convention_splits,
    convert_parquet_configs,
    infer_format,
    is_data_file,
    pick_config,
    resolve_configs,
    resolve_patterns,
)


@dataclass
class SplitInfo:
    """Name, row count and size of one split (``datasets.SplitInfo``)."""

    name: str
    num_examples: int | None = None
    num_bytes: int | None = None
    dataset_name: str | None = None


@dataclass
class DatasetInfo:
    """What ``get_dataset_infos`` returns per config (the fields of ``datasets.DatasetInfo`` polards knows)."""

    config_name: str
    dataset_name: str
    features: Any = None
    splits: dict[str, SplitInfo] = field(default_factory=dict)
    description: str = ""
    download_size: int | None = None

    @property
    def dataset_size(self) -> int | None:
        sizes = [s.num_bytes for s in self.splits.values()]
        return sum(sizes) if sizes and all(s is not None for s in sizes) else None


@dataclass
class ResolvedRepo:
    """A repo pinned to commits, with its configs (``snapshots`` maps a revision key to its snapshot)."""

    repo_id: str
    snapshot: RepoSnapshot
    configs: list[ConfigFiles]
    snapshots: dict[str | None, RepoSnapshot]

    def snapshot_of(self, config: ConfigFiles) -> RepoSnapshot:
        return self.snapshots[config.revision]


def user_configs(
    files: list[str], data_files: Any = None, data_dir: str | None = None, name: str | None = None
) -> list[ConfigFiles]:
    """The single config described by ``data_files=`` / ``data_dir=`` arguments over ``files``."""
    base = (data_dir or "").strip("/")
    if data_files is not None:
        if isinstance(data_files, str | Path):
            patterns = {"train": [str(data_files)]}
        elif isinstance(data_files, dict):
            patterns = {
                str(k): [str(x) for x in (v if isinstance(v, list | tuple) else [v])]
                for k, v in data_files.items()
            }
        else:
            patterns = {"train": [str(x) for x in data_files]}
        splits = resolve_patterns(files, patterns, base)
    else:
        inside = [f[len(base) + 1 :] for f in files if f.startswith(base + "/")] if base else files
        splits = {
            s: [f"{base}/{f}" if base else f for f in fs] for s, fs in convention_splits(inside).items()
        }
        if not splits:
            raise DataFilesNotFoundError(f"No (supported) data files found in data_dir {data_dir!r}.")
    fmt = infer_format([f for fs in splits.values() for f in fs])
    return [ConfigFiles(name or "default", splits, fmt, default=True)]


def resolve_repo(
    settings: HubSettings,
    repo_id: str,
    revision: str | None = None,
    *,
    data_files: Any = None,
    data_dir: str | None = None,
    name: str | None = None,
) -> ResolvedRepo:
    """Pin ``repo_id`` and work out its configs (README ``configs:``, conventions, then convert/parquet)."""
    snap = get_snapshot(settings, repo_id, revision)
    snapshots: dict[str | None, RepoSnapshot] = {None: snap}
    paths = snap.paths()
    script = repo_id.rstrip("/").split("/")[-1] + ".py"
    if script in snap.files:
        # datasets refuses a script repo outright; polards reads the Hub's parquet export of it when there is
        # one (README: deliberate differences), never the raw files beside the script (the script would have
        # made other rows from them)
        conv = (
            None
            if data_files is not None or data_dir is not None
            else try_get_snapshot(settings, repo_id, CONVERT_REVISION)
        )
        configs = convert_parquet_configs(conv.paths(), CONVERT_REVISION) if conv is not None else []
        if not configs:
            from polards.exceptions import DatasetScriptError

            raise DatasetScriptError.found(script, f"{repo_id}@{snap.revision}")
        snapshots[CONVERT_REVISION] = conv
        return ResolvedRepo(repo_id, snap, configs, snapshots)
    if data_files is not None or data_dir is not None:
        return ResolvedRepo(repo_id, snap, user_configs(paths, data_files, data_dir, name), snapshots)
    card = (
        parse_front_matter(
            read_text_file(settings, snap, "README.md"), source=f"{repo_id}@{snap.revision}/README.md"
        )
        if "README.md" in snap.files
        else {}
    )
    configs = resolve_configs(paths, card, partial=snap.partial)
    if not configs:
        conv = try_get_snapshot(settings, repo_id, CONVERT_REVISION)
        if conv is not None:
            snapshots[CONVERT_REVISION] = conv
            configs = convert_parquet_configs(conv.paths(), CONVERT_REVISION)
    if not configs:
        raise DataFilesNotFoundError(
            f"Dataset {repo_id!r} at {snap.revision!r} has no loadable data files (parquet, json, csv, txt, "
            f"images) and no refs/convert/parquet revision. Files: {paths[:10]}"
        )
    return ResolvedRepo(repo_id, snap, configs, snapshots)


# --------------------------------------------------------------------------------------------------- public API
def get_dataset_config_names(
    path: str, revision: str | None = None, *, token: str | bool | None = None, **kwargs: Any
) -> list[str]:
    """Config names of a Hub dataset, in README order (``["default"]`` without a ``configs:`` block)."""
    settings = hub_settings(token=token, cache_dir=kwargs.get("cache_dir"))
    repo = resolve_repo(
        settings, path, revision, data_files=kwargs.get("data_files"), data_dir=kwargs.get("data_dir")
    )
    return [c.name for c in repo.configs]


def get_dataset_split_names(
    path: str,
    config_name: str | None = None,
    *,
    revision: str | None = None,
    token: str | bool | None = None,
    **kwargs: Any,
) -> list[str]:
    """Split names of one config (the default config when ``config_name`` is None)."""
    settings = hub_settings(token=token, cache_dir=kwargs.get("cache_dir"))
    repo = resolve_repo(
        settings, path, revision, data_files=kwargs.get("data_files"), data_dir=kwargs.get("data_dir")
    )
    return list(pick_config(repo.configs, config_name, path, repo.snapshot.paths()).splits)


_FOOTERS: dict[tuple[str, str, str, str], Any] = {}


def _parquet_footer(settings: HubSettings, snap: RepoSnapshot, path: str) -> Any:
    """The parquet ``FileMetaData`` of one file: local if cached, else 1-2 range requests (memoized per sha)."""
    import pyarrow.parquet as pq

    key = (snap.repo_id, snap.sha, path, settings.token or "")
    if key in _FOOTERS:
        return _FOOTERS[key]
    local = snapshot_path(settings.cache_dir, snap.repo_id, snap.sha, path)
    if local.exists():
        meta = pq.read_metadata(local)
    elif settings.offline:
        return None
    else:
        entry = snap.files[path]
        url = settings.resolve_url(snap.repo_id, snap.sha, path)
        remote = RemoteFile(settings, snap.repo_id, url, entry.size, block_size=64 << 10)
        remote.read_tail(min(entry.size, 64 << 10))
        meta = pq.ParquetFile(remote).metadata
    if len(_FOOTERS) > 4096:
        _FOOTERS.clear()
    _FOOTERS[key] = meta
    return meta


def _yaml_feature(obj: Any) -> Any:
    if isinstance(obj, str):
        return {"_type": obj.capitalize()} if obj in ("image", "audio") else {"dtype": obj, "_type": "Value"}
    if isinstance(obj, list):
        return {f["name"]: _yaml_field(f) for f in obj}
    if isinstance(obj, dict):
        if "class_label" in obj:
            names = obj["class_label"].get("names", {})
            names = [names[k] for k in sorted(names, key=int)] if isinstance(names, dict) else list(names)
            return {"names": names, "_type": "ClassLabel"}
        return _yaml_field(obj)
    raise ValueError(f"unsupported YAML feature {obj!r}")


def _yaml_field(f: dict[str, Any]) -> Any:
    for key in ("list", "sequence", "large_list"):
        if key in f:
            return {"feature": _yaml_feature(f[key]), "_type": "List"}
    if "struct" in f:
        return _yaml_feature(f["struct"])
    return _yaml_feature(f["dtype"])


def features_from_yaml(items: Any) -> Any:
    """``Features`` from the README ``dataset_info.features`` list (``None`` if it cannot be read).

    >>> f = features_from_yaml([{"name": "q", "dtype": "string"}])
    >>> f.to_dict()
    {'q': {'dtype': 'string', '_type': 'Value'}}
    """
    from polards.features import Features

    try:
        return Features.from_dict(_yaml_feature(list(items)))
    except Exception:  # noqa: BLE001 - a malformed card falls back to the parquet footers
        return None


def config_info(settings: HubSettings, repo: ResolvedRepo, cfg: ConfigFiles) -> DatasetInfo:
    """Features and per-split row counts of one config."""
    from polards.features import Features

    card = cfg.features or {}
    info = DatasetInfo(cfg.name, repo.repo_id.split("/")[-1])
    if card.get("features") is not None:
        info.features = features_from_yaml(card["features"])
    card_splits = {s.get("name"): s for s in card.get("splits") or [] if isinstance(s, dict)}
    snap = repo.snapshot_of(cfg)
    for split, files in cfg.splits.items():
        known = card_splits.get(split)
        si = SplitInfo(split, dataset_name=info.dataset_name)
        if known is not None:
            si.num_examples, si.num_bytes = known.get("num_examples"), known.get("num_bytes")
        elif cfg.format == "parquet":
            metas = [_parquet_footer(settings, snap, f) for f in files]
            if all(m is not None for m in metas):
                si.num_examples = sum(m.num_rows for m in metas)
                si.num_bytes = sum(
                    m.row_group(i).total_byte_size for m in metas for i in range(m.num_row_groups)
                )
                if info.features is None and metas:
                    info.features = Features.from_arrow_schema(metas[0].schema.to_arrow_schema())
        info.splits[split] = si
    info.download_size = sum(snap.files[f].size for fs in cfg.splits.values() for f in fs if f in snap.files)
    return info


def get_dataset_infos(
    path: str, revision: str | None = None, *, token: str | bool | None = None, **kwargs: Any
) -> dict[str, DatasetInfo]:
    """config name -> :class:`DatasetInfo` (features, splits with ``num_examples``), no data pages read."""
    settings = hub_settings(token=token, cache_dir=kwargs.get("cache_dir"))
    repo = resolve_repo(
        settings, path, revision, data_files=kwargs.get("data_files"), data_dir=kwargs.get("data_dir")
    )
    return {cfg.name: config_info(settings, repo, cfg) for cfg in repo.configs}


def pick_splits(cfg: ConfigFiles, names: list[str], repo: str) -> None:
    """Raise :class:`SplitNotFoundError` for a split name the config lacks."""
    for n in names:
        if n not in cfg.splits:
            err = SplitNotFoundError.from_names(n, list(cfg.splits))
            err.args = (f"{err.args[0]} (dataset {repo!r}, config {cfg.name!r})",)
            raise err


__all__ = [
    "DatasetInfo",
    "DatasetNotFoundError",
    "SplitInfo",
    "get_dataset_config_names",
    "get_dataset_infos",
    "get_dataset_split_names",
    "is_data_file",
    "resolve_repo",
]
