"""Hypothesis strategies: small tables with the column kinds post-training data has, and op chains."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

ints = st.integers(-1000, 1000)
texts = st.text(alphabet="abcxyz ÄΩ\n", max_size=8)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "assistant", "system"]), "content": st.none() | texts}
    ),
    max_size=3,
)

COLUMN_KINDS: dict[str, Any] = {
    "i": st.none() | ints,
    "f": st.none() | st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
    "s": st.none() | texts,
    "b": st.none() | st.booleans(),
    "l": st.none() | st.lists(ints, max_size=4),
    "m": messages,
}


@st.composite
def tables(draw: Any, min_rows: int = 1, max_rows: int = 30) -> dict[str, list[Any]]:
    n = draw(st.integers(min_rows, max_rows))
    kinds = draw(st.lists(st.sampled_from(sorted(COLUMN_KINDS)), min_size=1, max_size=4, unique=True))
    if "i" not in kinds:
        kinds = ["i", *kinds]
    cols = {k: draw(st.lists(COLUMN_KINDS[k], min_size=n, max_size=n)) for k in kinds}
    # datasets infers a null column's type as `null`: keep at least one value so both infer the same type
    for k, kind in zip(cols, kinds, strict=True):
        if all(v is None for v in cols[k]):
            cols[k][0] = draw(COLUMN_KINDS[kind].filter(lambda v: v is not None))
    return cols


def _keep_positive(row: dict[str, Any]) -> bool:
    return row["i"] is not None and row["i"] > 0


def _add_double(row: dict[str, Any]) -> dict[str, Any]:
    return {"double": None if row["i"] is None else row["i"] * 2}


def _batched_len(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {"n": [0 if v is None else abs(v) % 7 for v in batch["i"]]}


OPS: list[tuple[str, Any]] = [
    ("shuffle", st.integers(0, 2**32 - 1).map(lambda s: ("shuffle", {"seed": s}))),
    ("take", st.integers(0, 40).map(lambda n: ("take", {"n": n}))),
    ("skip", st.integers(0, 40).map(lambda n: ("skip", {"n": n}))),
    ("filter", st.just(("filter", {"function": _keep_positive}))),
    ("map", st.just(("map", {"function": _add_double}))),
    (
        "map_batched",
        st.integers(1, 7).map(
            lambda b: ("map", {"function": _batched_len, "batched": True, "batch_size": b})
        ),
    ),
    ("sort", st.booleans().map(lambda r: ("sort", {"column_names": "i", "reverse": r}))),
    ("select_rev", st.just(("select_reversed", {}))),
    ("rename", st.just(("rename_column", {"original_column_name": "i", "new_column_name": "i2"}))),
]
