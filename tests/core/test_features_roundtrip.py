"""Features round trips: polards JSON == datasets JSON, Arrow schemas equal, Polars schema two-way."""

from __future__ import annotations

from typing import Any

import datasets
from hypothesis import given, settings
from hypothesis import strategies as st

from polards.features import ClassLabel, Features, Image, List, Value
from polards.features.types import feature_from_polars, to_polars_dtype

DTYPES = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint32",
    "uint64",
    "float32",
    "float64",
    "string",
    "binary",
    "date32",
    "timestamp[us]",
]

leaf = st.one_of(
    st.sampled_from(DTYPES).map(Value),
    st.lists(st.text("abcxyz", min_size=1, max_size=5), min_size=1, max_size=4, unique=True).map(
        lambda n: ClassLabel(names=n)
    ),
    st.just(Image()),
)
names = st.text("abcdefgh_", min_size=1, max_size=6)
feature = st.recursive(
    leaf,
    lambda inner: st.one_of(
        inner.map(List),
        st.tuples(inner, st.integers(1, 4)).map(lambda t: List(t[0], t[1])),
        st.dictionaries(names, inner, min_size=1, max_size=3),
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(names, feature, min_size=1, max_size=4))
def test_features_json_and_arrow_match_datasets(spec: dict[str, Any]) -> None:
    ours = Features(spec)
    as_json = ours.to_dict()
    assert Features.from_dict(as_json) == ours
    theirs = datasets.Features.from_dict(as_json)
    assert theirs.to_dict() == as_json
    assert ours.to_arrow_schema().remove_metadata() == theirs.arrow_schema.remove_metadata()
    assert Features.from_arrow_schema(theirs.arrow_schema) == ours


@settings(max_examples=150, deadline=None)
@given(feature)
def test_polars_dtype_two_way(f: Any) -> None:
    dtype = to_polars_dtype(f)
    assert to_polars_dtype(feature_from_polars(dtype)) == dtype
