from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from polards.features.types import to_polars_dtype
from polards.mappers import structs as S

_text = st.text(max_size=8)
_message = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system"]), "content": _text})
_conv = st.lists(_message, max_size=4)


def test_features_match_polars_dtypes():
    assert to_polars_dtype(S.STRUCT_FEATURES["messages"]["messages"]) == S.MESSAGES
    assert to_polars_dtype(S.STRUCT_FEATURES["multimodal_messages"]["messages"]) == S.MULTIMODAL_MESSAGES
    assert to_polars_dtype(S.STRUCT_FEATURES["comparison"]["comparison"]) == S.COMPARISON
    assert to_polars_dtype(S.STRUCT_FEATURES["code_task"]["tests"]) == S.CODE_TESTS
    assert to_polars_dtype(S.STRUCT_FEATURES["rubric_task"]["rubric"]) == S.RUBRIC_ITEMS


@settings(max_examples=50, deadline=None)
@given(st.lists(_conv, max_size=5))
def test_messages_round_trip(convs):
    df = S.messages_from_dicts(convs)
    assert df.schema["messages"] == S.MESSAGES
    assert S.messages_to_dicts(df["messages"]) == convs


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({"prompt_conversation": _conv, "completion_A": _conv, "completion_B": _conv}),
        max_size=4,
    ),
    st.data(),
)
def test_comparisons_round_trip(comparisons, data):
    rows = [{"comparison": c, "label": data.draw(st.sampled_from(S.LABELS))} for c in comparisons]
    df = S.comparisons_from_dicts(rows)
    assert df.schema["comparison"] == S.COMPARISON
    assert S.comparisons_to_dicts(df) == rows


def test_multimodal_round_trip_drops_null_fields():
    conv = [
        {
            "role": "user",
            "content": [
                {"type": "image", "image": {"bytes": b"\x89PNG", "path": None}},
                {"type": "text", "text": "q"},
            ],
        },
        {
            "role": "assistant",
            "content": [{"type": "thinking", "text": "hmm"}, {"type": "text", "text": "a"}],
        },
    ]
    df = S.multimodal_from_dicts([conv])
    assert df.schema["messages"] == S.MULTIMODAL_MESSAGES
    back = S.multimodal_to_dicts(df["messages"])[0]
    assert back[0]["content"][0] == {"type": "image", "image": {"bytes": b"\x89PNG"}}
    assert back[1] == conv[1]


def test_rows_from_dicts_keeps_late_keys():
    # Polars' own inference looks at the first 100 rows only; the explicit schema keeps a late key.
    rows = [{"tests": [{"input": "1", "output": "1"}]}] * 150 + [
        {"tests": [{"input": "2", "output": "2", "fn_name": "f"}]}
    ]
    df = S.rows_from_dicts(rows, {"tests": S.CODE_TESTS})
    assert df["tests"][150].to_list()[0]["fn_name"] == "f"


def test_rows_to_dicts_strips_nulls_in_named_columns():
    df = pl.DataFrame({"m": [{"a": 1, "b": None}], "k": [{"a": None}]})
    assert S.rows_to_dicts(df.lazy(), drop_nulls_in=["m"]) == [{"m": {"a": 1}, "k": {"a": None}}]
