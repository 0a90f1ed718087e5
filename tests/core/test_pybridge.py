"""The Python bridge pauses the cyclic garbage collector only while it builds values, and restores it."""

from __future__ import annotations

import gc
import threading

import polars as pl
import pytest

from polards.core import pybridge


@pytest.fixture(autouse=True)
def _gc_back_on():
    yield
    gc.enable()


def test_values_are_those_of_to_list():
    df = pl.DataFrame({"m": [[{"role": "u", "content": "hi"}], [], None], "n": [1, None, 3]})
    assert pybridge.columns_to_python(df, ["m", "n"]) == {"m": df["m"].to_list(), "n": [1, None, 3]}


def test_collector_off_inside_and_back_on_after():
    seen = []
    with pybridge.gc_paused():
        seen.append(gc.isenabled())
        with pybridge.gc_paused():  # re-entrant
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_collector_stays_off_when_the_user_turned_it_off():
    gc.disable()
    with pybridge.gc_paused():
        pass
    assert not gc.isenabled()


def test_back_on_after_an_error_and_after_concurrent_pauses():
    with pytest.raises(KeyError), pybridge.gc_paused():
        raise KeyError("x")
    assert gc.isenabled()
    barrier = threading.Barrier(4)

    def work() -> None:
        with pybridge.gc_paused():
            barrier.wait()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.isenabled()
