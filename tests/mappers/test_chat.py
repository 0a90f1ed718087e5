from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polards.exceptions import FeatureTypeError
from polards.mappers import chat_identity, conversations_to_messages, first_user_turn
from polards.mappers.structs import MESSAGES

FROM_TO = {"human": "user", "gpt": "assistant", "system": "system"}


def test_chat_identity_reorders_fields_and_keeps_columns():
    msgs = [
        [{"content": "hi", "role": "user", "extra": 1}, {"content": "yo", "role": "assistant", "extra": 2}]
    ]
    lf = pl.LazyFrame({"id": ["a"], "messages": msgs, "source": ["s"]})
    out = chat_identity()(lf).collect()
    assert out.columns == ["id", "messages", "source"]
    assert out.schema["messages"] == MESSAGES
    assert out["messages"].to_list() == [
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    ]


def test_chat_identity_rejects_non_chat_column():
    with pytest.raises(FeatureTypeError, match="messages"):
        chat_identity()(pl.LazyFrame({"messages": ["text"]}))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(
            st.fixed_dictionaries(
                {"from": st.sampled_from(["human", "gpt", "system", "tool"]), "value": st.text(max_size=6)}
            ),
            max_size=5,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_conversations_to_messages_matches_hand_mapping(convs):
    lf = pl.LazyFrame(
        {"conversations": convs},
        schema={"conversations": pl.List(pl.Struct({"from": pl.String, "value": pl.String}))},
    )
    out = conversations_to_messages()(lf).collect()
    expected = [
        [{"role": FROM_TO.get(t["from"], t["from"]), "content": t["value"]} for t in c] for c in convs
    ]
    assert out.columns == ["messages"]
    assert out["messages"].to_list() == expected


def test_conversations_to_messages_custom_map_and_keep_source():
    lf = pl.LazyFrame({"conversations": [[{"from": "bot", "value": "x"}]]})
    out = conversations_to_messages(role_map={"bot": "assistant"}, keep_source=True)(lf).collect()
    assert out.columns == ["conversations", "messages"]
    assert out["messages"].to_list() == [[{"role": "assistant", "content": "x"}]]


def test_first_user_turn_string_and_messages():
    msgs = [
        [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "q1"},
            {"role": "user", "content": "q2"},
        ],
        [{"role": "assistant", "content": "a"}],
        [],
        None,
    ]
    lf = pl.LazyFrame({"messages": msgs}, schema={"messages": MESSAGES})
    assert first_user_turn()(lf).collect()["prompt"].to_list() == ["q1", None, None, None]
    as_msgs = first_user_turn(as_messages=True, output="prompt_messages")(lf).collect()["prompt_messages"]
    assert as_msgs.to_list() == [[{"role": "user", "content": "q1"}], None, None, None]
