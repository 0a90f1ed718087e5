"""``datasets``' ``Json`` feature: any JSON value, stored as its compact JSON text.

Polars holds the text as ``String``; Arrow output types it ``arrow.json`` (``pa.json_()``) like ``datasets``.
``None`` stays a real null (never the text ``"null"``). Python access decodes the text (unless
``Json(decode=False)``). The text is written as ``datasets`` writes it (pandas' ujson when pandas is installed:
``"/"`` escaped, non-ASCII as ``\\u`` escapes, floats to 10 significant digits).

:func:`mixed_type_paths` finds where a column mixes types (``datasets``' ``on_mixed_types="use_json"``): the
field paths (``0`` = list items) that must become ``Json`` for the values to fit one Arrow type.

>>> Json().encode_example({"a": [1, 2]}), Json().decode_example('{"a":[1,2]}')
('{"a":[1,2]}', {'a': [1, 2]})
>>> mixed_type_paths([{"a": 0}, {"b": 0}]), mixed_type_paths([[1], ["x"]]), mixed_type_paths([{"x": 1, "y": {}}])
([[]], [[0]], [['y']])
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl

from polards.exceptions import InvalidArgumentError


def json_dumps(value: Any) -> str:
    """Compact JSON text as ``datasets`` writes it (pandas' ujson if available)."""
    try:
        from pandas.io.json import ujson_dumps
    except ImportError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")
    return ujson_dumps(value)


def json_loads(text: str | bytes) -> Any:
    """Parse JSON text (pandas' ujson if available, as ``datasets``; the standard library otherwise)."""
    try:
        from pandas.io.json import ujson_loads
    except ImportError:
        return json.loads(text)
    return ujson_loads(text)


def _is_json_text(text: str) -> bool:
    try:
        json_loads(text)
    except Exception:  # noqa: BLE001 - ujson raises ValueError, the standard library JSONDecodeError
        return False
    return True


@dataclass
class Json:
    """Any JSON value (dicts with varying keys, mixed types), stored as JSON text.

    >>> Json(decode=False).to_dict()
    {'decode': False, '_type': 'Json'}
    """

    decode: bool = True
    id: str | None = field(default=None, repr=False)

    dtype: ClassVar[str] = "json"
    _type: ClassVar[str] = "Json"

    @property
    def pa_type(self) -> Any:
        import pyarrow as pa

        return pa.json_()

    def __call__(self) -> Any:
        return self.pa_type

    def to_arrow(self) -> Any:
        return self.pa_type

    def to_polars_arrow(self) -> Any:
        import pyarrow as pa

        return pa.string()

    def to_polars(self) -> pl.DataType:
        return pl.String()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.decode else {"decode": False}
        if self.id is not None:
            out["id"] = self.id
        return {**out, "_type": "Json"}

    def encode_example(self, value: Any) -> str | None:
        """A value as JSON text; a string that already is JSON text is kept as it is (as ``datasets``)."""
        if value is None:
            return None
        if isinstance(value, str) and _is_json_text(value):
            return value
        return json_dumps(value)

    def decode_example(self, value: str | None, token_per_repo_id: Any = None) -> Any:
        if not self.decode:
            raise RuntimeError("Decoding is disabled for this feature. Please use Json(decode=True) instead.")
        return None if value is None else json_loads(value)

    def cast_storage(self, storage: Any) -> Any:
        """An Arrow array as ``arrow.json``: JSON text kept, anything else dumped value by value."""
        import pyarrow as pa

        if isinstance(storage.type, pa.JsonType):
            return storage
        if (
            pa.types.is_string(storage.type)
            or pa.types.is_large_string(storage.type)
            or (pa.types.is_string_view(storage.type))
        ):
            if all(x is None or _is_json_text(x) for x in storage[:5].to_pylist()):
                return storage.cast(pa.string()).cast(pa.json_())
        values = [None if x is None else json_dumps(x) for x in storage.to_pylist()]
        return pa.array(values, pa.string()).cast(pa.json_())


def encode_json_field(value: Any, path: list[Any]) -> Any:
    """``datasets``' ``json_encode_field``: the value with the field at ``path`` (``0``: each list item) as
    JSON text."""
    if value is None:
        return None
    if path:
        head, *rest = path
        if head == 0:
            return [encode_json_field(x, rest) for x in value]
        if not isinstance(value, dict):
            raise InvalidArgumentError(f"Expected a dict at the JSON field {head!r}, got {value!r}")
        return {**value, head: encode_json_field(value.get(head), rest)}
    return Json().encode_example(value)


def _fits_one_type(values: list[Any]) -> bool:
    import pyarrow as pa

    try:
        pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError):
        return False
    return True


def mixed_type_paths(values: list[Any], allow_root: bool = True) -> list[list[Any]]:
    """The field paths whose values cannot share one Arrow type: dicts with differing (or no) keys, dicts or
    lists mixed with other values, or scalars of mixed types (``[1, "a"]``). ``0`` stands for list items."""
    out: list[list[Any]] = []
    todo: list[tuple[list[Any], list[Any]]] = [([], [v for v in values if v is not None])]
    while todo:
        path, content = todo.pop(0)
        if not content:
            continue
        if all(isinstance(x, dict) for x in content):
            if (allow_root or path) and (any(set(x) != set(content[0]) for x in content) or not content[0]):
                out.append(path)
                continue
            for key in dict.fromkeys(k for x in content for k in x):
                sub = [x[key] for x in content if x.get(key) is not None]
                todo.append(([*path, key], sub))
        elif all(isinstance(x, list | tuple) for x in content):
            todo.append(([*path, 0], [y for x in content for y in x if y is not None]))
        elif any(isinstance(x, dict | list | tuple) for x in content) or not _fits_one_type(content):
            out.append(path)
    return out


def set_json_at(feature: Any, paths: list[list[Any]]) -> Any:
    """``feature`` with ``Json()`` at each of ``paths`` (``0`` steps into a list's items)."""
    from polards.features.types import LargeList, List

    def visit(f: Any, path: list[Any]) -> Any:
        if path in paths:
            return Json()
        if isinstance(f, dict):
            return {k: visit(v, [*path, k]) for k, v in f.items()}
        if isinstance(f, List):
            return List(visit(f.feature, [*path, 0]), f.length)
        if isinstance(f, LargeList):
            return LargeList(visit(f.feature, [*path, 0]))
        return f

    return visit(feature, [])


def json_paths_of(feature: Any) -> list[list[Any]]:
    """The field paths of ``feature`` that are ``Json`` (``0``: list items); ``datasets``'
    ``get_json_field_paths_from_feature``.

    >>> from polards.features.types import List
    >>> json_paths_of({"a": Json(), "b": List({"c": Json()})})
    [['a'], ['b', 0, 'c']]
    """
    from polards.features.types import LargeList, List

    out: list[list[Any]] = []

    def visit(f: Any, path: list[Any]) -> None:
        if isinstance(f, Json):
            out.append(path)
        elif isinstance(f, dict):
            for k, v in f.items():
                visit(v, [*path, k])
        elif isinstance(f, List | LargeList):
            visit(f.feature, [*path, 0])
        elif isinstance(f, list) and f:
            visit(f[0], [*path, 0])

    visit(feature, [])
    return out
