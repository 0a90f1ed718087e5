"""The :class:`Mapper` record every mapper factory returns, and small shared expression helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import polars as pl

from polards.exceptions import ColumnNotFoundError

__all__ = ["Mapper", "mapper_factory", "message", "require_columns", "single_message_list"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Mapper:
    """A named lazy transformation ``pl.LazyFrame -> pl.LazyFrame`` producing one canonical shape.

    Call it on a LazyFrame, or pass it to ``Dataset.map_schema`` / ``IterableDataset.map_schema`` (where it
    runs once per shard). ``output`` names the shape (a key of
    :data:`polards.mappers.structs.STRUCT_FEATURES`); ``row_local`` is False for mappers whose result for a
    row depends on other rows (a group-by), which are exact on a whole dataset and per shard on a stream.

    >>> import polars as pl
    >>> m = Mapper("upper", lambda lf: lf.with_columns(pl.col("a").str.to_uppercase()), output="none")
    >>> m(pl.LazyFrame({"a": ["x"]})).collect()["a"].to_list()
    ['X']
    """

    name: str
    fn: Callable[[pl.LazyFrame], pl.LazyFrame] = field(repr=False, compare=False)
    output: str = "none"
    row_local: bool = True
    options: dict[str, Any] = field(default_factory=dict, compare=False)
    recipe: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)

    def __reduce__(self) -> Any:
        # Mappers wrap local closures; pickle them as "call this module-level factory with these arguments"
        # so datasets whose plans hold them can go to DataLoader workers / other processes.
        if self.recipe is None:
            return super().__reduce__()
        return (_rebuild, self.recipe)

    @property
    def __name__(self) -> str:  # noqa: PLW3201 - shown in plans (``Dataset.explain``)
        return self.name

    def __call__(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        if isinstance(lf, pl.DataFrame):
            lf = lf.lazy()
        return self.fn(lf)

    def apply(self, dataset: Any) -> Any:
        """Apply to a polards ``Dataset``/``IterableDataset`` (``map_schema``), a DataFrame or a LazyFrame."""
        if isinstance(dataset, pl.DataFrame):
            return self.fn(dataset.lazy()).collect()
        if isinstance(dataset, pl.LazyFrame):
            return self.fn(dataset)
        return dataset.map_schema(self)


def require_columns(lf: pl.LazyFrame, names: Iterable[str], mapper: str) -> pl.Schema:
    """The frame's schema, after checking it holds ``names`` (else :class:`ColumnNotFoundError`)."""
    schema = lf.collect_schema()
    missing = [n for n in names if n not in schema]
    if missing:
        err = ColumnNotFoundError.from_names(missing, list(schema))
        raise ColumnNotFoundError(f"mapper {mapper!r}: {err}")
    return schema


def message(role: str | pl.Expr, content: pl.Expr) -> pl.Expr:
    """One ``{role, content}`` struct expression."""
    role_expr = pl.lit(role, dtype=pl.String) if isinstance(role, str) else role
    return pl.struct(role_expr.cast(pl.String).alias("role"), content.cast(pl.String).alias("content"))


def single_message_list(role: str, content: pl.Expr) -> pl.Expr:
    """A one-message ``messages`` list expression (``[{"role": role, "content": content}]``)."""
    return pl.concat_list(message(role, content))


def _rebuild(factory: Callable[..., Mapper], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Mapper:
    return factory(*args, **kwargs)


def mapper_factory(func: F) -> F:
    """Decorate a module-level function returning a :class:`Mapper` so the mapper pickles (by factory
    reference and arguments)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Mapper:
        return replace(func(*args, **kwargs), recipe=(wrapper, args, kwargs))

    return wrapper  # type: ignore[return-value]
