"""Split specs with slicing: ``"train"``, ``"train[:1024]"``, ``"train[10%:20%]"``, ``"train[:10%]+test[5:]"``.

The rules are ``datasets``' (``ReadInstruction``): percent boundaries round to the closest row
(``round(pct * n / 100)``, banker's rounding), or with ``(pct1_dropremainder)`` use whole 1% blocks; negative
boundaries count from the end; boundaries are clipped to the split's length.

>>> [(i.split, i.bounds(100)) for i in parse_split("train[:10%]+test[-5:]")]
[('train', (0, 10)), ('test', (95, 100))]
>>> parse_split("validation[25%:75%]")[0].bounds(3)
(1, 2)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from polards.exceptions import InvalidArgumentError

_SUB = re.compile(
    r"^(?P<split>\w+(?:[.-]\w+)*)"
    r"(?:\[(?P<from>-?\d+%?)?:(?P<to>-?\d+%?)?\])?"
    r"(?:\((?P<rounding>[^)]*)\))?$"
)


@dataclass(frozen=True)
class SplitSlice:
    """One ``+``-separated part of a split spec."""

    split: str
    start: int | None = None
    stop: int | None = None
    percent: bool = False
    rounding: str = "closest"

    @property
    def is_full(self) -> bool:
        """True when no slice was given."""
        return self.start is None and self.stop is None

    def _abs(self, boundary: int, n: int) -> int:
        if not self.percent:
            return boundary
        if self.rounding == "pct1_dropremainder":
            if n < 100:
                msg = (
                    f"Using 'pct1_dropremainder' on split {self.split!r} needs at least 100 rows, it has {n}."
                )
                raise InvalidArgumentError(msg)
            return boundary * math.trunc(n / 100.0)
        return int(round(boundary * n / 100.0))

    def bounds(self, n: int) -> tuple[int, int]:
        """``(from, to)`` row positions in a split of ``n`` rows."""
        start = 0 if self.start is None else self._abs(self.start, n)
        stop = n if self.stop is None else self._abs(self.stop, n)
        if start < 0:
            start = max(n + start, 0)
        if stop < 0:
            stop = max(n + stop, 0)
        return min(start, n), min(stop, n)


def _boundary(text: str | None) -> tuple[int | None, bool]:
    if text is None:
        return None, False
    return int(text.rstrip("%")), text.endswith("%")


def parse_split(spec: str) -> list[SplitSlice]:
    """Parse a split spec into its ``+``-separated parts.

    Raises
    ------
    InvalidArgumentError
        For a malformed spec, mixed units in one slice, a percent outside [-100, 100] or an unknown rounding.
    """
    parts = []
    for raw in str(spec).split("+"):
        sub = raw.strip()
        m = _SUB.match(sub)
        if m is None:
            msg = f"Unrecognized split format: {sub!r}. Expected e.g. 'train', 'train[:1024]', 'train[10%:20%]'."
            raise InvalidArgumentError(msg)
        start, p1 = _boundary(m.group("from"))
        stop, p2 = _boundary(m.group("to"))
        if start is not None and stop is not None and p1 != p2:
            raise InvalidArgumentError(f"Split slice {sub!r} mixes percent and absolute boundaries.")
        percent = p1 or p2
        for b in (start, stop):
            if percent and b is not None and abs(b) > 100:
                raise InvalidArgumentError(
                    f"Percent slice boundary {b}% in {sub!r} must be within [-100, 100]."
                )
        rounding = m.group("rounding") or "closest"
        if rounding not in ("closest", "pct1_dropremainder"):
            raise InvalidArgumentError(
                f"Unknown rounding {rounding!r} in {sub!r}: use closest or pct1_dropremainder."
            )
        if rounding != "closest" and not percent:
            raise InvalidArgumentError(f"Rounding {rounding!r} in {sub!r} applies to percent slices only.")
        parts.append(SplitSlice(m.group("split"), start, stop, percent, rounding))
    first = parts[0]
    if any(first.percent and p.percent and p.rounding != first.rounding for p in parts[1:]):
        raise InvalidArgumentError(f"Split spec {spec!r} sums parts with different rounding values.")
    return parts
