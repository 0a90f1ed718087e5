"""Row indices of ``interleave_datasets`` for map-style datasets, computed exactly as ``datasets`` does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from polards.exceptions import InvalidArgumentError

STRATEGIES = ("first_exhausted", "all_exhausted", "all_exhausted_without_replacement")


def interleave_indices(
    lengths: Sequence[int], probabilities: Sequence[float] | None, seed: int | None, stopping_strategy: str
) -> np.ndarray:
    if stopping_strategy not in STRATEGIES:
        raise InvalidArgumentError(
            f"{stopping_strategy!r} is not a valid stopping_strategy. Hint: one of {STRATEGIES}."
        )
    lengths = list(lengths)
    offsets = np.cumsum([0, *lengths[:-1]])
    oversampling = stopping_strategy == "all_exhausted"
    if probabilities is None:
        return _round_robin(lengths, offsets, stopping_strategy)
    if stopping_strategy == "all_exhausted_without_replacement":
        return _random_without_replacement(lengths, offsets, probabilities, seed)
    n = len(lengths)
    lengths_arr = np.asarray(lengths, dtype=np.int64)
    drawable = np.asarray(probabilities, dtype=np.float64) > 0
    empty = [i for i in range(n) if lengths[i] == 0 and drawable[i]]
    if empty:
        raise InvalidArgumentError(
            f"interleave_datasets with probabilities requires every dataset that can be sampled to be non-empty; datasets at indices {empty} are empty."
        )
    if oversampling and not drawable.all():
        raise InvalidArgumentError(
            'interleave_datasets with stopping_strategy="all_exhausted" cannot exhaust a dataset that is never sampled.'
        )
    rng = np.random.default_rng(seed)
    blocks, counts = [], np.zeros(n, dtype=np.int64)
    reached = np.zeros(n, dtype=bool)
    while not (reached[drawable].all() if oversampling else reached[drawable].any()):
        block = rng.choice(n, size=1000, p=probabilities)
        blocks.append(block)
        counts += np.bincount(block, minlength=n)
        reached = counts >= lengths_arr
    draws = np.concatenate(blocks)
    exhaust = np.full(n, -1, dtype=np.int64)
    for s in np.flatnonzero(drawable):
        occ = np.flatnonzero(draws == s)
        if len(occ) >= lengths[s]:
            exhaust[s] = occ[lengths[s] - 1]
    valid = exhaust[exhaust >= 0]
    used = draws[: (valid.max() if oversampling else valid.min()) + 1]
    out = np.empty(len(used), dtype=np.int64)
    for s in np.flatnonzero(drawable):
        pos = np.flatnonzero(used == s)
        out[pos] = (np.arange(len(pos)) % lengths[s]) + offsets[s]
    return out


def _round_robin(lengths: list[int], offsets: np.ndarray, strategy: str) -> np.ndarray:
    if strategy == "first_exhausted":
        return (offsets.reshape(1, -1) + np.arange(min(lengths)).reshape(-1, 1)).flatten()
    if strategy == "all_exhausted":
        idx = np.mod(np.arange(max(lengths)).reshape(-1, 1), np.array(lengths).reshape(1, -1))
        return (idx + offsets).flatten()
    bounds = [0, *sorted(set(lengths))]
    chunks, offs, lens = [], np.asarray(offsets), list(lengths)
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        chunks.append((offs.reshape(1, -1) + np.arange(start, end).reshape(-1, 1)).flatten())
        gone = [i for i in range(len(lens)) if lens[i] == end]
        lens = np.delete(lens, gone).tolist()
        offs = np.delete(offs, gone)
    return np.concatenate(chunks) if chunks else np.array([], dtype=np.int64)


def _random_without_replacement(
    lengths: list[int], offsets: np.ndarray, probabilities: Sequence[float], seed: int | None
) -> np.ndarray:
    def sources() -> Iterator[int]:
        rng = np.random.default_rng(seed)
        while True:
            yield from (int(i) for i in rng.choice(len(lengths), size=1000, p=probabilities))

    exhausted = np.full(len(lengths), False)
    current = [0] * len(lengths)
    out: list[int] = []
    for s in sources():
        if exhausted.all():
            break
        if not exhausted[s]:
            out.append(current[s] + int(offsets[s]))
            current[s] += 1
        if current[s] >= lengths[s]:
            exhausted[s] = True
    return np.asarray(out, dtype=np.int64)
