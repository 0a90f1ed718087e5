"""Building Polars frames from python values, through Arrow (fast, and no silently dropped struct keys)."""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa

from polards.exceptions import FeatureTypeError
from polards.features import Features
from polards.features.types import to_arrow_type


def frame_from_columns(columns: dict[str, list[Any]], features: Features | None = None) -> pl.DataFrame:
    """A DataFrame from a dict of python lists; ``features`` fix the types and encode labels and images."""
    if features is not None:
        columns = features.encode_columns(columns)
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise FeatureTypeError(f"Columns have different lengths: {lengths}")
    arrays = {}
    for name, values in columns.items():
        typ = to_arrow_type(features[name]) if features is not None and name in features else None
        try:
            arrays[name] = pa.array(list(values), type=typ, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError) as e:
            msg = (
                f"Column {name!r} cannot be converted"
                + (f" to {features[name]!r}" if typ is not None else "")
                + f": {e}"
            )
            raise FeatureTypeError(msg) from e
    frame = pl.from_arrow(pa.table(arrays)) if arrays else pl.DataFrame()
    assert isinstance(frame, pl.DataFrame)
    return frame
