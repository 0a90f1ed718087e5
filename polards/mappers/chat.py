"""Chat mappers: ``messages`` identity, ``conversations{from,value}`` -> ``messages``, first user turn.

>>> import polars as pl
>>> lf = pl.LazyFrame({"conversations": [[{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]]})
>>> conversations_to_messages()(lf).collect()["messages"].to_list()
[[{'role': 'user', 'content': 'hi'}, {'role': 'assistant', 'content': 'yo'}]]
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from polards.exceptions import FeatureTypeError
from polards.mappers._base import Mapper, mapper_factory, require_columns

__all__ = ["DEFAULT_ROLE_MAP", "chat_identity", "conversations_to_messages", "first_user_turn"]

#: ShareGPT ``from`` values -> chat roles; values not listed are kept as they are.
DEFAULT_ROLE_MAP: dict[str, str] = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "system": "system",
}


def _check_struct_list(schema: pl.Schema, column: str, fields: tuple[str, str], mapper: str) -> None:
    dtype = schema[column]
    names = (
        {f.name for f in dtype.inner.fields}
        if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct)
        else set()
    )
    if not set(fields) <= names:
        msg = f"mapper {mapper!r}: column {column!r} must be a list of structs with fields {list(fields)}; got {dtype}."
        raise FeatureTypeError(msg)


def _normalise(
    column: str, role_field: str, content_field: str, role_map: Mapping[str, str] | None
) -> pl.Expr:
    role = pl.element().struct.field(role_field).cast(pl.String)
    if role_map:
        role = role.replace(dict(role_map))
    content = pl.element().struct.field(content_field).cast(pl.String)
    return pl.col(column).list.eval(pl.struct(role.alias("role"), content.alias("content")))


@mapper_factory
def chat_identity(column: str = "messages") -> Mapper:
    """Keep a ``messages`` column, normalised to ``List(Struct{role, content})`` (field order, extra fields
    dropped); other columns pass through (tulu-3-sft-mixture, no_robots).

    >>> lf = pl.LazyFrame({"messages": [[{"content": "hi", "role": "user"}]]})
    >>> chat_identity()(lf).collect()["messages"].to_list()
    [[{'role': 'user', 'content': 'hi'}]]
    """

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        schema = require_columns(lf, [column], "chat_identity")
        _check_struct_list(schema, column, ("role", "content"), "chat_identity")
        return lf.with_columns(_normalise(column, "role", "content", None).alias("messages"))

    return Mapper("chat_identity", run, output="messages", options={"column": column})


@mapper_factory
def conversations_to_messages(
    column: str = "conversations", *, role_map: Mapping[str, str] | None = None, keep_source: bool = False
) -> Mapper:
    """ShareGPT ``conversations{from, value}`` -> ``messages{role, content}`` (human -> user, gpt ->
    assistant, system kept; unknown ``from`` values kept verbatim). OpenThoughts3 uses this.

    >>> lf = pl.LazyFrame({"conversations": [[{"from": "system", "value": "be brief"}]]})
    >>> conversations_to_messages()(lf).collect().columns
    ['messages']
    """
    mapping = dict(DEFAULT_ROLE_MAP if role_map is None else role_map)

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        schema = require_columns(lf, [column], "conversations_to_messages")
        _check_struct_list(schema, column, ("from", "value"), "conversations_to_messages")
        out = lf.with_columns(_normalise(column, "from", "value", mapping).alias("messages"))
        return out if keep_source or column == "messages" else out.drop(column)

    return Mapper("conversations_to_messages", run, output="messages", options={"column": column})


@mapper_factory
def first_user_turn(column: str = "messages", *, output: str = "prompt", as_messages: bool = False) -> Mapper:
    """The first ``user`` turn of a chat, as a string column ``output`` (or, with ``as_messages=True``, a
    one-message ``messages`` list). Rows without a user turn get null.

    >>> lf = pl.LazyFrame({"messages": [[{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]]})
    >>> first_user_turn()(lf).collect()["prompt"].to_list()
    ['q']
    """

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        schema = require_columns(lf, [column], "first_user_turn")
        _check_struct_list(schema, column, ("role", "content"), "first_user_turn")
        first = (
            pl.col(column)
            .list.eval(pl.element().filter(pl.element().struct.field("role") == "user").first())
            .list.first()
        )
        if as_messages:
            msg = pl.struct(
                first.struct.field("role").cast(pl.String).alias("role"),
                first.struct.field("content").cast(pl.String).alias("content"),
            )
            expr = pl.when(first.is_not_null()).then(pl.concat_list(msg))
        else:
            expr = first.struct.field("content").cast(pl.String)
        return lf.with_columns(expr.alias(output))

    return Mapper(
        "first_user_turn", run, output="messages" if as_messages else "prompt", options={"column": column}
    )
