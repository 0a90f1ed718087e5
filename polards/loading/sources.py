"""Where ``load_dataset`` finds files: a builder with ``data_files``, a local folder, or a Hub repo.

Each source exposes the same three things: its configs (split -> files), the local paths of a config's files
(downloaded into the HF cache first for a Hub repo), and remote shard readers for streaming.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polards.exceptions import DataFilesNotFoundError, DatasetNotFoundError, InvalidArgumentError
from polards.hub.resolve import ConfigFiles, infer_format, resolve_configs

BUILDERS = {
    "parquet": "parquet",
    "json": "json",
    "csv": "csv",
    "text": "text",
    "imagefolder": "imagefolder",
    "arrow": "arrow",
}


@dataclass
class Source:
    """The resolved origin of a dataset."""

    label: str
    configs: list[ConfigFiles]
    root: Path | None = None  # local folder the config paths are relative to (None: absolute paths)
    repo: Any = None  # polards.hub.info.ResolvedRepo for Hub datasets
    settings: Any = None  # polards.hub.client.HubSettings for Hub datasets
    files: list[str] | None = None  # every path of the folder / repo (for folder-named configs)

    @property
    def is_hub(self) -> bool:
        return self.repo is not None

    def local_paths(
        self, cfg: ConfigFiles, files: list[str], *, force: bool = False, bar: Any = None
    ) -> list[str]:
        """Local paths of ``files``: joined to the folder, or verified snapshot paths in the HF cache."""
        if not self.is_hub:
            return [str(self.root / f) if self.root is not None else f for f in files]
        from polards.hub.download import download_file

        snap = self.repo.snapshot_of(cfg)
        out = []
        for f in files:
            out.append(
                str(download_file(self.settings, snap.repo_id, snap.sha, snap.files[f], force=force, bar=bar))
            )
        return out

    def download_size(self, cfg: ConfigFiles, files: list[str]) -> int:
        if not self.is_hub:
            return 0
        from polards.hub.download import snapshot_path

        snap = self.repo.snapshot_of(cfg)
        cache = self.settings.cache_dir
        return sum(
            snap.files[f].size for f in files if not snapshot_path(cache, snap.repo_id, snap.sha, f).exists()
        )

    def streams_locally(self, cfg: ConfigFiles) -> bool:
        """Streaming reads local files: a folder / data files, or the verified cache (offline or Hub down)."""
        return not self.is_hub or self.settings.offline or self.repo.snapshot_of(cfg).from_cache

    def stream_shards(
        self,
        cfg: ConfigFiles,
        files: list[str],
        columns: list[str] | None,
        desc: str,
        json_paths: list[list[Any]] | None = None,
    ) -> list[Any]:
        """One streaming shard per file; JSON fields at ``json_paths`` are read as JSON text."""
        local = self.streams_locally(cfg)
        if json_paths and cfg.format == "json":
            from polards.loading import json_stream

            if local:
                return json_stream.local_json_shards(self.local_paths(cfg, files), json_paths, columns)
            return json_stream.hub_json_shards(self, cfg, files, json_paths, columns)
        if local:  # offline or Hub down: stream the verified cached files (or raise)
            import polars as pl

            from polards.io import scan_files
            from polards.io.read import scan_conformed

            paths = self.local_paths(cfg, files)
            fmt = None if cfg.format == "imagefolder" else cfg.format
            frames = scan_conformed(paths, cfg.format) or [scan_files([p], fmt) for p in paths]
            return [lf.select(columns or pl.all()) for lf in frames]
        from polards.hub.streaming import stream_shards

        return stream_shards(self.settings, self.repo.snapshot_of(cfg), files, cfg.format, columns, desc)


def _as_patterns(data_files: Any) -> dict[str, list[str]]:
    if isinstance(data_files, str | os.PathLike):
        return {"train": [os.fspath(data_files)]}
    if isinstance(data_files, dict):
        return {
            str(k): [os.fspath(x) for x in (v if isinstance(v, list | tuple) else [v])]
            for k, v in data_files.items()
        }
    return {"train": [os.fspath(x) for x in data_files]}


def _expand_local(pattern: str, base: str | None, storage_options: dict[str, Any] | None = None) -> list[str]:
    full = pattern if os.path.isabs(pattern) or not base else os.path.join(base, pattern)
    if "://" in full and storage_options:
        from polards.io.read import expand_url, fetch_url

        return [fetch_url(url, storage_options) for url in expand_url(full, storage_options)]
    if "://" in full:
        return [full]
    if any(c in full for c in "*?["):
        return sorted(p for p in glob.glob(full, recursive=True) if os.path.isfile(p))
    return (
        [full]
        if os.path.isfile(full)
        else sorted(str(p) for p in Path(full).rglob("*") if p.is_file())
        if os.path.isdir(full)
        else []
    )


def builder_source(
    builder: str,
    data_files: Any,
    data_dir: str | None,
    name: str | None,
    storage_options: dict[str, Any] | None = None,
) -> Source:
    """``load_dataset("parquet", data_files=...)``: local paths or globs, a split -> patterns dict; fsspec
    URLs with ``storage_options`` are listed and fetched with them."""
    if data_files is None:
        if data_dir is None:
            msg = f"load_dataset({builder!r}) needs data_files= (paths or globs) or data_dir=."
            raise InvalidArgumentError(msg)
        return folder_source(data_dir, None, None, builder=builder)
    splits: dict[str, list[str]] = {}
    for split, pats in _as_patterns(data_files).items():
        files = [f for p in pats for f in _expand_local(p, data_dir, storage_options)]
        if not files:
            raise DataFilesNotFoundError(f"Unable to find data files for split {split!r} matching {pats}.")
        splits[split] = files
    fmt = BUILDERS[builder]
    return Source(builder, [ConfigFiles(name or "default", splits, fmt, default=True)])


_EXTENSION_OF = {"parquet": "parquet", "json": "jsonl", "csv": "csv", "text": "txt"}


def _zip_configs(root: Path, files: list[str]) -> list[ConfigFiles]:
    """A folder whose data files are ``.zip`` archives (of one format): split by the same naming conventions,
    read through the archives (``datasets`` infers the builder from the files inside)."""
    from polards.hub.resolve import convention_splits
    from polards.io.read import _zip_format

    zips = [f for f in files if f.lower().endswith(".zip") and not f.split("/")[-1].startswith(".")]
    formats = {f: _zip_format(str(root / f)) for f in zips}
    kinds = {k for k in formats.values() if k in _EXTENSION_OF}
    if len(kinds) != 1:
        return []
    fmt = kinds.pop()
    alias = {f"{f}.{_EXTENSION_OF[fmt]}": f for f, k in formats.items() if k == fmt}  # named like a data file
    splits = {s: [alias[a] for a in fs] for s, fs in convention_splits(list(alias)).items()}
    return [ConfigFiles("default", splits, fmt, True, conventional=True)] if splits else []


def folder_source(path: str, data_files: Any, data_dir: str | None, builder: str | None = None) -> Source:
    """A local folder laid out like a Hub repo (README ``configs:`` and naming conventions apply)."""
    from polards.hub.card import parse_front_matter
    from polards.hub.info import user_configs

    root = Path(path)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    if data_files is not None or data_dir is not None:
        configs = user_configs(files, data_files, data_dir)
    else:
        readme = root / "README.md"
        card = (
            parse_front_matter(readme.read_text(encoding="utf-8"), source=str(readme))
            if readme.is_file()
            else {}
        )
        configs = resolve_configs(files, card) or _zip_configs(root, files)
    if not configs:
        raise DataFilesNotFoundError(f"No (supported) data files found in {path!r}.")
    if builder is not None:
        for c in configs:
            c.format = BUILDERS[builder] if builder != "imagefolder" else "imagefolder"
    return Source(path, configs, root=root, files=files)


def hub_source(
    path: str,
    name: str | None,
    data_files: Any,
    data_dir: str | None,
    revision: str | None,
    token: Any,
    cache_dir: Any,
) -> Source:
    """A Hub dataset repo, pinned to a commit (from the cache when offline)."""
    from polards.hub.client import hub_settings
    from polards.hub.info import resolve_repo

    settings = hub_settings(token=token, cache_dir=cache_dir)
    repo = resolve_repo(settings, path, revision, data_files=data_files, data_dir=data_dir, name=name)
    return Source(path, repo.configs, repo=repo, settings=settings, files=repo.snapshot.paths())


def find_source(
    path: str,
    name: str | None,
    *,
    data_files: Any,
    data_dir: str | None,
    revision: str | None,
    token: Any,
    cache_dir: Any,
    storage_options: dict[str, Any] | None = None,
) -> Source:
    """Dispatch on ``path``: builder name, local folder, or Hub repo id."""
    if path in BUILDERS and data_files is not None:
        return builder_source(path, data_files, data_dir, name, storage_options)
    if storage_options:
        from polards.exceptions import NotHonouredError

        raise NotHonouredError(
            f"load_dataset({path!r}, storage_options={storage_options!r}): polards honours storage_options only "
            "for data_files given as fsspec URLs."
        )
    if path in BUILDERS:
        return builder_source(path, data_files, data_dir, name)
    parts = [p for p in path.replace(os.sep, "/").split("/") if p]
    script = (parts[-1] if parts else "") + ".py"
    if os.path.isfile(os.path.join(path, script)):  # datasets' check, before the folder is read
        from polards.exceptions import DatasetScriptError

        raise DatasetScriptError.found(script, path)
    if os.path.isdir(path):
        return folder_source(path, data_files, data_dir)
    if os.path.isfile(path):
        fmt = infer_format([path])
        msg = f"{path!r} is a file, not a dataset folder. Hint: load_dataset({fmt!r}, data_files={path!r})."
        raise DatasetNotFoundError(msg)
    if path.count("/") > 1 or path.startswith((".", "/")):
        raise DatasetNotFoundError(
            f"Dataset {path!r} is neither a local folder nor a Hub repo id (owner/name)."
        )
    return hub_source(path, name, data_files, data_dir, revision, token, cache_dir)
