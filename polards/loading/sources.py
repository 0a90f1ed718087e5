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

    def stream_shards(
        self, cfg: ConfigFiles, files: list[str], columns: list[str] | None, desc: str
    ) -> list[Any]:
        """One streaming shard per file."""
        local = not self.is_hub or self.settings.offline or self.repo.snapshot_of(cfg).from_cache
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


def _expand_local(pattern: str, base: str | None) -> list[str]:
    full = pattern if os.path.isabs(pattern) or not base else os.path.join(base, pattern)
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


def builder_source(builder: str, data_files: Any, data_dir: str | None, name: str | None) -> Source:
    """``load_dataset("parquet", data_files=...)``: local paths or globs, a split -> patterns dict."""
    if data_files is None:
        if data_dir is None:
            msg = f"load_dataset({builder!r}) needs data_files= (paths or globs) or data_dir=."
            raise InvalidArgumentError(msg)
        return folder_source(data_dir, None, None, builder=builder)
    splits: dict[str, list[str]] = {}
    for split, pats in _as_patterns(data_files).items():
        files = [f for p in pats for f in _expand_local(p, data_dir)]
        if not files:
            raise DataFilesNotFoundError(f"Unable to find data files for split {split!r} matching {pats}.")
        splits[split] = files
    fmt = BUILDERS[builder]
    return Source(builder, [ConfigFiles(name or "default", splits, fmt, default=True)])


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
        configs = resolve_configs(files, card)
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
) -> Source:
    """Dispatch on ``path``: builder name, local folder, or Hub repo id."""
    if path in BUILDERS:
        return builder_source(path, data_files, data_dir, name)
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
