"""Local files of one split -> a lazy :class:`~polards.Dataset` (parquet, json, csv, text, imagefolder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from polards.hub.resolve import IMAGE_EXTENSIONS, split_extension


def _json_paths(paths: list[str], field: str | None) -> list[str]:
    """JSON documents are converted once to JSON Lines (see :mod:`polards.io.json_records`)."""
    from polards.io.json_records import is_json_document, to_json_lines
    from polards.io.read import expand_archives

    return [str(to_json_lines(p, field)) if is_json_document(p) else p for p in expand_archives(paths)]


def _json_with_json_fields(files: list[str], json_paths: list[list[Any]]) -> Any:
    """JSON Lines files read with the fields at ``json_paths`` as ``Json`` (JSON text)."""
    from polards import Dataset
    from polards.features import Features
    from polards.features.json_type import set_json_at
    from polards.io.json_records import encode_json_fields

    encoded = [str(encode_json_fields(f, json_paths)) for f in files]
    inferred = Dataset.from_json(encoded).features
    return Dataset.from_json(encoded, features=Features(set_json_at(dict(inferred), json_paths)))


def imagefolder_frame(paths: list[str]) -> tuple[pl.DataFrame, Any]:
    """``image`` (struct of bytes + path) and, when images sit in several folders, a ``label`` ClassLabel."""
    from polards.features import ClassLabel, Features, Image

    images = [p for p in paths if split_extension(p)[0] in IMAGE_EXTENSIONS]
    parents = [Path(p).parent.name for p in images]
    names = sorted(set(parents))
    image_dtype = pl.Struct({"bytes": pl.Binary, "path": pl.String})
    cols: dict[str, pl.Series] = {
        "image": pl.Series("image", [{"bytes": None, "path": str(p)} for p in images], dtype=image_dtype)
    }
    feats: dict[str, Any] = {"image": Image()}
    if len(names) > 1:
        cols["label"] = pl.Series("label", [names.index(p) for p in parents], dtype=pl.Int64)
        feats["label"] = ClassLabel(names=names)
    return pl.DataFrame(cols), Features(feats)


def build_dataset(paths: list[str], fmt: str, *, columns: list[str] | None = None, **opts: Any) -> Any:
    """A lazy Dataset over local ``paths`` read as ``fmt``; ``columns`` are projected at the scan."""
    from polards import Dataset

    if fmt == "parquet":
        ds = Dataset.from_parquet(paths, columns=columns)
        return ds
    if fmt == "json":
        files = _json_paths(paths, opts.get("field"))
        json_paths = opts.get("json_paths")
        if json_paths:
            ds = _json_with_json_fields(files, json_paths)
        else:
            ds = Dataset.from_json(files)
    elif fmt == "csv":
        keep = ("sep", "delimiter", "schema_overrides")
        ds = Dataset.from_csv(paths, **{k: v for k, v in opts.items() if k in keep})
    elif fmt == "text":
        ds = Dataset.from_text(paths)
    elif fmt == "imagefolder":
        frame, features = imagefolder_frame(paths)
        ds = Dataset.from_polars(frame, features=features)
    elif fmt == "arrow":
        from polards.features import Features

        lf = pl.scan_ipc(paths)
        ds = Dataset.from_polars(lf, features=Features.from_polars_schema(lf.collect_schema()))
    else:
        from polards.exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"Unknown builder {fmt!r}: use parquet, json, csv, text or imagefolder.")
    return ds.select_columns(columns) if columns else ds
