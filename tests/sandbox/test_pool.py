"""The bounded pool: order, bounds, progress bar, error propagation, one uid per concurrent program."""

from __future__ import annotations

import os
import threading
import time

import pytest

from polards.exceptions import InvalidArgumentError, IsolationError
from polards.sandbox import StdioTest, run_many
from polards.sandbox.pool import default_workers, map_ordered


def test_results_in_input_order_despite_completion_order():
    def slow_first(x: int) -> int:
        time.sleep(0.05 * (5 - x))
        return x * 10

    assert map_ordered(slow_first, [0, 1, 2, 3, 4], workers=3) == [0, 10, 20, 30, 40]
    assert map_ordered(slow_first, [], workers=3) == []


def test_concurrency_is_bounded():
    lock, active, peak = threading.Lock(), [0], [0]

    def work(_: int) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1

    map_ordered(work, range(20), workers=3)
    assert peak[0] == 3
    assert default_workers() >= 1
    with pytest.raises(InvalidArgumentError, match="workers must be at least 1"):
        map_ordered(work, [1], workers=0)


def test_progress_bar_for_big_batches(capsys):
    map_ordered(lambda x: x, list(range(70)), workers=2, desc="sandbox")
    assert "sandbox" in capsys.readouterr().err
    map_ordered(lambda x: x, list(range(5)), workers=2)
    assert capsys.readouterr().err == ""
    map_ordered(lambda x: x, list(range(5)), workers=2, progress=True)
    assert "5/5" in capsys.readouterr().err


def test_first_error_propagates_with_the_item_index():
    def boom(x: int) -> int:
        if x == 3:
            raise ValueError("bad item")
        return x

    with pytest.raises(ValueError, match="bad item") as info:
        map_ordered(boom, range(6), workers=2)
    assert any("item 3 of 6" in note for note in info.value.__notes__)


def test_strict_failure_stops_a_batch():
    with pytest.raises(IsolationError):
        run_many(
            [("def f():\n    return 1", "assert f() == 1")] * 4,
            workers=2,
            strict=True,
            _force_socket_guard=True,
        )


@pytest.mark.skipif(os.geteuid() != 0, reason="separate uids need root")
def test_concurrent_programs_get_distinct_uids():
    code = "import os, time\ntime.sleep(0.5)\nprint(os.getuid())\n"
    results = run_many([(code, [StdioTest("", "")])] * 2, workers=2)
    uids = {r.tests[0].stdout.strip() for r in results}
    assert len(uids) == 2 and "0" not in uids


def test_an_error_cancels_the_items_not_started():
    started = []

    def work(x: int) -> int:
        started.append(x)
        if x == 0:
            raise RuntimeError("first item fails")
        time.sleep(0.05)
        return x

    with pytest.raises(RuntimeError, match="first item fails"):
        map_ordered(work, range(50), workers=2)
    assert len(started) < 10
