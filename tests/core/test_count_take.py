"""``len()`` of ``take(n)`` after a Python filter runs the filter only as far as the first n kept rows."""

from __future__ import annotations

import polards as pds


def test_len_of_take_after_python_filter_stops_early() -> None:
    seen: list[int] = []

    def keep(batch: dict) -> list[bool]:
        seen.extend(batch["n"])
        return [n % 2 == 0 for n in batch["n"]]

    ds = pds.Dataset.from_dict({"n": list(range(100_000))})
    taken = ds.filter(keep, batched=True, batch_size=1000).take(1500)
    assert len(taken) == 1500
    assert len(seen) < 20_000  # not 100,000: the count stopped after the rows it needed
    assert taken["n"][-1] == 2998


def test_len_of_take_past_the_end_is_the_filtered_count() -> None:
    ds = pds.Dataset.from_dict({"n": list(range(50))}).filter(lambda r: r["n"] < 7).take(100)
    assert len(ds) == 7
