"""Regression tests for Polars 2.1 bugs that polards works around (each would crash a user's pipeline)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import polards as pds

N = 1_000_000  # the streaming-engine race below shows at this size on every try, never at 200k


@pytest.fixture(scope="module")
def big_parquet(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("big") / "big.parquet"
    pl.DataFrame({"a": np.arange(N), "s": [f"row {i}" for i in range(N)]}).write_parquet(
        path, row_group_size=20_000
    )
    return str(path)


def test_shuffled_then_sliced_plans_do_not_panic(big_parquet: str) -> None:
    """Polars' streaming engine panics (``pipe.send_state == PortState::Done``) when a slice stops a large
    gather early; polards puts a non-streamable identity step after every gather."""
    ds = pds.Dataset.from_parquet(big_parquet).shuffle(seed=0)
    perm = np.random.default_rng(0).permutation(N)  # what shuffle(seed=0) gathers, as datasets
    for _ in range(3):
        assert ds.lazy().head(5).collect()["a"].to_list() == perm[:5].tolist()
        out = ds.filter(pl.col("a") % 2 == 0).map({"b": pl.col("a") + 1}).take(10).to_polars()
        assert out["a"].to_list() == [int(x) for x in perm if x % 2 == 0][:10]
    assert "a" in ds._repr_html_()
    first = next(iter(ds.with_format("arrow").iter(1000)))
    assert first.column("a").to_pylist() == perm[:1000].tolist()
    assert ds.select_columns(["a"]).to_polars()["a"].to_list()[:5] == perm[:5].tolist()
