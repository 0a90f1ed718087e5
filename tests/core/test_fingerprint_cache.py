"""Plan fingerprints and the cache of Python map/filter results (``load_from_cache_file``, cache files)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap

import polars as pl
import pytest

import polards as pds
import polards.core.udf as udf
from polards.core import fingerprint as fp

ROWS = 500


@pytest.fixture
def files(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("POLARDS_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "data.parquet"
    pl.DataFrame(
        {"q": [f"question {i} " * (i % 5 + 1) for i in range(ROWS)], "n": list(range(ROWS))}
    ).write_parquet(path, row_group_size=100)
    return str(path)


@pytest.fixture
def calls(monkeypatch):  # type: ignore[no-untyped-def]
    """Rows passed to user functions (counted around polards' batch runner, outside the function's hash)."""
    seen = {"rows": 0}
    original = udf.map_batch

    def counting(step, df):  # type: ignore[no-untyped-def]
        seen["rows"] += df.height
        return original(step, df)

    monkeypatch.setattr(udf, "map_batch", counting)
    return seen


def word_count(batch):  # type: ignore[no-untyped-def]
    return {"words": [len(q.split()) for q in batch["q"]]}


def _make(src: str, name: str = "fn"):  # type: ignore[no-untyped-def]
    scope: dict = {}
    exec(textwrap.dedent(src), scope)  # noqa: S102 - two functions with the same name, different bodies
    return scope[name]


def _cache_dir() -> str:
    return os.path.join(os.environ["POLARDS_CACHE"], "maps")


def test_rerun_reuses_cached_result_without_calling_the_function(files, calls) -> None:  # type: ignore[no-untyped-def]
    first = pds.Dataset.from_parquet(files).map(word_count, batched=True)
    expected = first.to_polars()
    assert calls["rows"] >= ROWS
    assert [os.path.basename(f["filename"]) for f in first.cache_files] == [f"{first._fingerprint}.arrow"]
    calls["rows"] = 0
    again = pds.Dataset.from_parquet(files).map(word_count, batched=True)
    assert again.to_polars().equals(expected)
    assert again["words"][:3] == expected["words"].to_list()[:3]
    assert calls["rows"] == 0
    # the handle stays lazy: later steps run on a scan of the cached file
    assert (
        again.filter(pl.col("words") > 4).lazy().collect().height
        == expected.filter(pl.col("words") > 4).height
    )
    assert calls["rows"] == 0


def test_python_filter_results_are_cached_too(files, calls) -> None:  # type: ignore[no-untyped-def]
    kept = pds.Dataset.from_parquet(files).filter(lambda r: r["n"] % 7 == 0).to_polars()
    calls["rows"] = 0
    again = pds.Dataset.from_parquet(files).filter(lambda r: r["n"] % 7 == 0)
    assert again.to_polars().equals(kept) and calls["rows"] == 0
    assert kept["n"].to_list() == list(range(0, ROWS, 7))


def test_function_body_and_parameters_change_the_fingerprint(files) -> None:  # type: ignore[no-untyped-def]
    a = _make("def fn(b):\n    return {'x': [len(q) for q in b['q']]}")
    a2 = _make("def fn(b):\n    return {'x': [len(q) for q in b['q']]}")
    b = _make("def fn(b):\n    return {'x': [len(q) + 1 for q in b['q']]}")
    base = pds.Dataset.from_parquet(files)
    fp_a = base.map(a, batched=True)._fingerprint
    assert fp_a is not None
    assert base.map(a2, batched=True)._fingerprint == fp_a
    assert base.map(b, batched=True)._fingerprint != fp_a
    assert base.map(a, batched=True, batch_size=10)._fingerprint != fp_a
    assert base.map(a, batched=False)._fingerprint != fp_a
    assert base.select_columns(["q"]).map(a, batched=True)._fingerprint != fp_a


def test_closure_values_and_fn_kwargs_change_the_fingerprint(files) -> None:  # type: ignore[no-untyped-def]
    def make(k: int):  # type: ignore[no-untyped-def]
        return lambda r, extra=0: {"y": r["n"] * k + extra}

    base = pds.Dataset.from_parquet(files)
    assert base.map(make(2))._fingerprint == base.map(make(2))._fingerprint
    assert base.map(make(2))._fingerprint != base.map(make(3))._fingerprint
    assert base.map(make(2), fn_kwargs={"extra": 1})._fingerprint != base.map(make(2))._fingerprint


def test_source_file_identity_changes_the_fingerprint(files) -> None:  # type: ignore[no-untyped-def]
    before = pds.Dataset.from_parquet(files).map(word_count, batched=True)._fingerprint
    pl.read_parquet(files).head(10).write_parquet(files)  # same path, new content
    assert pds.Dataset.from_parquet(files).map(word_count, batched=True)._fingerprint != before


def test_load_from_cache_file_false_recomputes(files, calls) -> None:  # type: ignore[no-untyped-def]
    expected = pds.Dataset.from_parquet(files).map(word_count, batched=True).to_polars()
    calls["rows"] = 0
    fresh = pds.Dataset.from_parquet(files).map(word_count, batched=True, load_from_cache_file=False)
    assert fresh.to_polars().equals(expected)
    assert ROWS <= calls["rows"] < 2 * ROWS + 100  # computed once (plus the schema sample), not twice
    assert len(os.listdir(_cache_dir())) == 1  # the entry was rewritten in place


def test_cache_file_name_is_used(files, tmp_path, calls) -> None:  # type: ignore[no-untyped-def]
    target = str(tmp_path / "mine" / "words.arrow")
    pds.Dataset.from_parquet(files).map(word_count, batched=True, cache_file_name=target).to_polars()
    assert os.path.exists(target)
    calls["rows"] = 0
    assert pds.Dataset.from_parquet(files).map(word_count, batched=True, cache_file_name=target)["words"][
        :1
    ] == [2]
    assert calls["rows"] == 0


def test_crash_mid_write_leaves_no_cache_entry(files, calls) -> None:  # type: ignore[no-untyped-def]
    def flaky(b):  # type: ignore[no-untyped-def]
        if max(b["n"]) >= 300:
            raise RuntimeError("boom")
        return {"twice": [n * 2 for n in b["n"]]}

    with pytest.raises(RuntimeError, match="boom"):  # the user's exception as itself
        pds.Dataset.from_parquet(files).map(flaky, batched=True, batch_size=50).to_polars()
    leftovers = os.listdir(_cache_dir()) if os.path.isdir(_cache_dir()) else []
    assert leftovers == []
    # a later good run writes a complete entry
    ok = pds.Dataset.from_parquet(files).map(word_count, batched=True)
    assert ok.to_polars().height == ROWS and len(os.listdir(_cache_dir())) == 1


def test_cleanup_cache_files_and_disable_caching(files, calls) -> None:  # type: ignore[no-untyped-def]
    ds = pds.Dataset.from_parquet(files).map(word_count, batched=True)
    ds.to_polars()
    assert ds.cleanup_cache_files() == 1
    assert os.listdir(_cache_dir()) == []
    fp.disable_caching()
    try:
        pds.Dataset.from_parquet(files).map(word_count, batched=True).to_polars()
        assert os.listdir(_cache_dir()) == []
    finally:
        fp.enable_caching()


def test_in_memory_datasets_are_not_map_cached_but_cache_keys_by_content(tmp_path, calls) -> None:  # type: ignore[no-untyped-def]
    ds = pds.Dataset.from_dict({"n": [1, 2, 3]}).map(lambda r: {"m": r["n"] + 1})
    ds.to_polars()
    assert ds.cache_files == []
    same = pds.Dataset.from_dict({"n": [1, 2, 3]}).map(lambda r: {"m": r["n"] + 1}).cache(str(tmp_path))
    again = pds.Dataset.from_dict({"n": [1, 2, 3]}).map(lambda r: {"m": r["n"] + 1}).cache(str(tmp_path))
    other = pds.Dataset.from_dict({"n": [1, 2, 4]}).map(lambda r: {"m": r["n"] + 1}).cache(str(tmp_path))
    assert same.cache_files == again.cache_files != other.cache_files
    assert same["m"] == [2, 3, 4] and other["m"] == [2, 3, 5]
    assert same.cleanup_cache_files() == 1


def test_unhashable_functions_are_not_cached(files, calls) -> None:  # type: ignore[no-untyped-def]
    import threading

    lock = threading.Lock()  # cannot be pickled, so the function cannot be fingerprinted

    def locked(r):  # type: ignore[no-untyped-def]
        with lock:
            return {"m": r["n"]}

    ds = pds.Dataset.from_parquet(files).map(locked)
    assert ds._fingerprint is None
    assert ds.to_polars().height == ROWS and ds.cache_files == []


def test_fingerprint_is_stable_across_processes(files) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys, polars as pl, polards as pds\n"
        "from tests.core.test_fingerprint_cache import word_count\n"
        "ds = pds.Dataset.from_parquet(sys.argv[1]).filter(pl.col('n') > 3).map(word_count, batched=True)\n"
        "print(ds._fingerprint)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    outs = {
        subprocess.run(
            [sys.executable, "-c", code, files], capture_output=True, text=True, check=True, cwd=root
        ).stdout.strip()
        for _ in range(2)
    }
    here = pds.Dataset.from_parquet(files).filter(pl.col("n") > 3).map(word_count, batched=True)._fingerprint
    assert outs == {here}


def test_schema_mapper_plans_have_fingerprints_and_cache_reuses_them(tmp_path) -> None:
    """The bundled mappers call helpers that call helpers: their plans must still hash (so ``cache()`` of a
    mapped dataset is found again by an identical pipeline instead of being rewritten under a random name)."""
    from polards.mappers import hh_rlhf

    path = tmp_path / "hh.parquet"
    pl.DataFrame(
        {
            "chosen": ["\n\nHuman: hi\n\nAssistant: hello"] * 3,
            "rejected": ["\n\nHuman: hi\n\nAssistant: go away"] * 3,
        }
    ).write_parquet(path)
    make = lambda: pds.Dataset.from_parquet(str(path)).map_schema(hh_rlhf())  # noqa: E731
    assert make()._fingerprint is not None
    assert make()._fingerprint == make()._fingerprint
    first = make().cache(str(tmp_path / "c"))
    again = make().cache(str(tmp_path / "c"))
    assert first.cache_files == again.cache_files
    assert again.to_list() == make().to_list()


def test_a_full_iteration_writes_the_cache_an_early_stop_does_not(files, calls) -> None:  # type: ignore[no-untyped-def]
    mapped = pds.Dataset.from_parquet(files).map(word_count, batched=True, batch_size=50)
    assert next(iter(mapped.iter(batch_size=10)))["words"]  # stops after the first batch
    gc.collect()
    assert [f for f in os.listdir(_cache_dir()) if f.endswith(".arrow")] == []  # no entry
    assert calls["rows"] < ROWS  # and it did not compute the rest to fill a cache
    rows = [r for b in mapped.iter(batch_size=64) for r in b["words"]]  # a full pass in python batches
    assert f"{mapped._fingerprint}.arrow" in os.listdir(_cache_dir())
    calls["rows"] = 0
    again = pds.Dataset.from_parquet(files).map(word_count, batched=True, batch_size=50)
    assert [r for b in again.iter(batch_size=64) for r in b["words"]] == rows
    assert calls["rows"] == 0


def test_steps_inside_a_concatenation_are_cached_and_replayed(files, calls) -> None:  # type: ignore[no-untyped-def]
    def build():  # type: ignore[no-untyped-def]
        base = pds.Dataset.from_parquet(files)
        parts = [
            base.map(word_count, batched=True, remove_columns=["q", "n"]),
            base.filter(lambda r: r["n"] % 3 == 0).map(word_count, batched=True, remove_columns=["q", "n"]),
        ]
        return pds.concatenate_datasets(parts).batch(16, drop_last_batch=True)

    first = [b["words"] for b in build()]
    assert len(os.listdir(_cache_dir())) == 3  # the two maps and the filter
    calls["rows"] = 0
    assert [b["words"] for b in build()] == first
    assert calls["rows"] == 0
    assert build().to_list() == [{"words": w} for w in first]


def test_an_abandoned_pass_leaves_no_temp_file_after_exit(files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dead = tmp_path / "cache" / "maps" / "0123.arrow.tmp-999999999-abcd"  # a killed writer's leftover
    dead.parent.mkdir(parents=True, exist_ok=True)
    dead.write_bytes(b"half")
    script = f"""
import polards as pds
m = pds.Dataset.from_parquet({files!r}).map(lambda b: {{"k": b["n"]}}, batched=True, batch_size=10)
it = m.iter(batch_size=5)
next(it)
"""
    # A Polars thread still running the map when the interpreter finalised used to abort the process
    # (SIGABRT in about 4 runs of 10): every run must exit cleanly.
    for _ in range(6):
        done = subprocess.run([sys.executable, "-c", script], env=dict(os.environ), capture_output=True)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert os.listdir(_cache_dir()) == []


def test_cache_file_of_a_shuffled_map_holds_each_row_once(files) -> None:  # type: ignore[no-untyped-def]
    """String views after a gather point into the whole source; the cache must not write it once per batch."""

    def sizes(ds):  # type: ignore[no-untyped-def]
        ds.to_list()
        return sum(os.path.getsize(f["filename"]) for f in ds.cache_files)

    plain = sizes(pds.Dataset.from_parquet(files).map(word_count, batched=True, batch_size=10))
    for f in os.listdir(_cache_dir()):
        os.remove(os.path.join(_cache_dir(), f))
    shuffled = sizes(
        pds.Dataset.from_parquet(files).shuffle(seed=0).map(word_count, batched=True, batch_size=10)
    )
    assert shuffled < 2 * plain
