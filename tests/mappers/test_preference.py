from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polards.exceptions import InvalidArgumentError
from polards.mappers import (
    arena,
    helpsteer2,
    helpsteer3,
    hh_rlhf,
    swap,
    to_dpo,
    transcript_messages,
    tulu3_preference,
    ultrafeedback,
)
from polards.mappers.structs import COMPARISON, MESSAGES, comparisons_to_dicts
from tests.mappers import _oracles
from tests.mappers._data import REALDATA, read_jsonl, require

HH_SUBSETS = ["harmless-base", "helpful-base", "helpful-online", "helpful-rejection-sampled"]


def _user(t):
    return {"role": "user", "content": t}


def _asst(t):
    return {"role": "assistant", "content": t}


# --------------------------------------------------------------------------------------------------- hh-rlhf
@pytest.mark.parametrize("subset", HH_SUBSETS)
def test_hh_rlhf_real_rows_equal_recipe(subset):
    rows = read_jsonl(require(REALDATA / "hh-rlhf" / subset / "test.jsonl.gz"))
    out = hh_rlhf(split_on="anywhere")(pl.DataFrame(rows).lazy()).collect()
    expected = [c for c in map(_oracles.hh_comparison, rows) if c is not None]
    assert out.schema["comparison"] == COMPARISON
    assert comparisons_to_dicts(out) == expected


def test_hh_rlhf_default_splits_at_turn_markers_only():
    rows = read_jsonl(require(REALDATA / "hh-rlhf" / "helpful-base" / "test.jsonl.gz"))
    out = hh_rlhf()(pl.DataFrame(rows).lazy()).collect()
    # rows without a quoted "Human:"/"Assistant:" inside a turn are mapped exactly as the recipe maps them
    plain = [
        r
        for r in rows
        if r["chosen"].count("Human:") == r["chosen"].count("\n\nHuman:")
        and r["chosen"].count("Assistant:") == r["chosen"].count("\n\nAssistant:")
        and r["rejected"].count("Human:") == r["rejected"].count("\n\nHuman:")
        and r["rejected"].count("Assistant:") == r["rejected"].count("\n\nAssistant:")
    ]
    got = hh_rlhf()(pl.DataFrame(plain).lazy()).collect()
    assert comparisons_to_dicts(got) == [c for c in map(_oracles.hh_comparison, plain) if c is not None]
    assert out.height >= got.height


def test_hh_rlhf_multi_turn_prompt():
    rows = read_jsonl(require(REALDATA / "hh-rlhf" / "helpful-base" / "test.jsonl.gz"))
    out = hh_rlhf()(pl.DataFrame(rows).lazy()).collect()
    prompts = out["comparison"].struct.field("prompt_conversation")
    i = next(i for i, p in enumerate(prompts.to_list()) if len(p) >= 3)
    p = prompts[i].to_list()
    assert [m["role"] for m in p] == ["user", "assistant", "user"][: len(p)] or p[0]["role"] == "user"
    assert [m["role"] for m in p[:3]] == ["user", "assistant", "user"]
    src = out.row(i, named=True)
    assert src["comparison"]["completion_A"][0]["role"] == "assistant"
    assert src["comparison"]["completion_A"] != src["comparison"]["completion_B"]


def test_hh_rlhf_drop_rules():
    rows = [
        {"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": "\n\nHuman: a\n\nAssistant: c"},  # kept
        {
            "chosen": "\n\nHuman: a\n\nAssistant: b",
            "rejected": "\n\nHuman: a\n\nAssistant: b",
        },  # same last turn
        {
            "chosen": "\n\nHuman: a\n\nAssistant: b",
            "rejected": "\n\nHuman: x\n\nAssistant: c",
        },  # prompts differ
        {
            "chosen": "\n\nHuman: a\n\nAssistant: b\n\nHuman: d",
            "rejected": "\n\nHuman: a\n\nAssistant: c",
        },  # lengths
        {"chosen": "", "rejected": ""},  # nothing
    ]
    out = hh_rlhf()(pl.LazyFrame(rows)).collect()
    assert comparisons_to_dicts(out) == [
        {
            "comparison": {
                "prompt_conversation": [_user("a")],
                "completion_A": [_asst("b")],
                "completion_B": [_asst("c")],
            },
            "label": "A",
        }
    ]
    with pytest.raises(InvalidArgumentError):
        hh_rlhf(split_on="bad")


_turn_text = st.text(alphabet="abc xyz.?\n", min_size=1, max_size=10).filter(
    lambda t: t.strip() and "\n\n" not in t
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_turn_text, min_size=2, max_size=7), _turn_text, _turn_text)
def test_random_transcripts_parse_and_pair(turns, last_a, last_b):
    turns = turns if len(turns) % 2 == 1 else turns[:-1]  # prompt ends on a user turn

    def render(ts):
        return "".join(f"\n\n{'Human' if i % 2 == 0 else 'Assistant'}: {t}" for i, t in enumerate(ts))

    chosen, rejected = render([*turns, last_a]), render([*turns, last_b])
    msgs = pl.DataFrame({"t": [chosen]}).select(transcript_messages("t"))["t"].to_list()[0]
    assert msgs == [
        {"role": "user" if i % 2 == 0 else "assistant", "content": t.strip()}
        for i, t in enumerate([*turns, last_a])
    ]
    out = hh_rlhf()(pl.LazyFrame({"chosen": [chosen], "rejected": [rejected]})).collect()
    expected = _oracles.hh_comparison({"chosen": chosen, "rejected": rejected})
    assert comparisons_to_dicts(out) == ([expected] if expected else [])


# --------------------------------------------------------------------------------------------------- nvidia
def test_helpsteer3_sign_and_ties():
    ctx = [[_user("q")], [_user("q2"), _asst("a"), _user("q3")], [_user("t")]]
    lf = pl.LazyFrame(
        {
            "domain": ["general"] * 3,
            "context": ctx,
            "response1": ["r1", "s1", "t1"],
            "response2": ["r2", "s2", "t2"],
            "overall_preference": [-2, 3, 0],
        }
    )
    out = helpsteer3()(lf).collect()
    assert out["label"].to_list() == ["A", "B"]
    assert out.columns == ["comparison", "label", "domain", "overall_preference"]
    first = out.row(1, named=True)["comparison"]
    assert first == {
        "prompt_conversation": ctx[1],
        "completion_A": [_asst("s1")],
        "completion_B": [_asst("s2")],
    }


_hs2_rows = st.lists(
    st.fixed_dictionaries(
        {
            "prompt": st.sampled_from(["p", "q", "r", "s"]),
            "response": st.text(max_size=3),
            "helpfulness": st.integers(0, 4),
        }
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(_hs2_rows)
def test_helpsteer2_group_by_equals_recipe_loop(rows):
    lf = pl.LazyFrame(rows, schema={"prompt": pl.String, "response": pl.String, "helpfulness": pl.Int32})
    out = helpsteer2()(lf).collect()
    assert out.select(
        "prompt", "chosen_response", "rejected_response", "helpfulness_diff"
    ).to_dicts() == _oracles.helpsteer2_pairs(rows)
    for row in out.iter_rows(named=True):
        assert row["comparison"] == {
            "prompt_conversation": [_user(row["prompt"])],
            "completion_A": [_asst(row["chosen_response"])],
            "completion_B": [_asst(row["rejected_response"])],
        }
    assert helpsteer2().row_local is False


# --------------------------------------------------------------------------------------------------- others
def test_ultrafeedback_and_tulu3():
    uf = pl.LazyFrame(
        {
            "source": ["s"],
            "instruction": ["i"],
            "chosen_response": ["c"],
            "rejected_response": ["r"],
            "chosen_avg_rating": [4.5],
        }
    )
    row = ultrafeedback()(uf).collect().row(0, named=True)
    assert row["comparison"] == {
        "prompt_conversation": [_user("i")],
        "completion_A": [_asst("c")],
        "completion_B": [_asst("r")],
    }
    assert row["label"] == "A" and row["chosen_avg_rating"] == 4.5

    tulu = pl.LazyFrame(
        {
            "id": ["1", "2"],
            "prompt": ["p", "p2"],
            "chosen": [[_user("p"), _asst("good")], [_user("p2")]],
            "rejected": [[_user("p"), _asst("bad")], [_user("p2"), _asst("x")]],
            "source": ["s", "s"],
        }
    )
    out = tulu3_preference()(tulu).collect()
    assert out["id"].to_list() == ["1"]
    assert out.row(0, named=True)["comparison"]["completion_B"] == [_asst("bad")]


def _arena_msg(role, *parts):
    return {
        "role": role,
        "content": [{"type": t, "text": x, "image": None, "mimeType": None} for t, x in parts],
    }


def test_arena_winner_text_flattening_and_drops():
    text = lambda r, *xs: _arena_msg(r, *[("text", x) for x in xs])  # noqa: E731
    rows = [
        {
            "winner": "model_a",
            "conversation_a": [text("user", "hi", "there"), text("assistant", "A1")],
            "conversation_b": [text("user", "hi", "there"), text("assistant", "B1")],
        },
        {
            "winner": "model_b",
            "conversation_a": [
                text("user", "q"),
                text("assistant", "a"),
                text("user", "q2"),
                text("assistant", "a2"),
            ],
            "conversation_b": [text("user", "q"), text("assistant", "b")],
        },
        {
            "winner": "tie",
            "conversation_a": [text("user", "q"), text("assistant", "a")],
            "conversation_b": [text("user", "q"), text("assistant", "b")],
        },
        {
            "winner": "model_a",
            "conversation_a": [
                _arena_msg("user", ("image", None), ("text", "what?")),
                text("assistant", "cat"),
            ],
            "conversation_b": [text("user", "q"), text("assistant", "b")],
        },
        {
            "winner": "model_b",
            "conversation_a": [text("user", "q")],
            "conversation_b": [text("user", "q"), text("assistant", "b")],
        },
        {
            "winner": "both_bad",
            "conversation_a": [text("user", "q"), text("assistant", "a")],
            "conversation_b": [text("user", "q"), text("assistant", "b")],
        },
    ]
    lf = pl.LazyFrame(rows)
    out = arena()(lf).collect()
    expected = [c for c in map(_oracles.arena_comparison, rows) if c is not None]
    assert comparisons_to_dicts(out) == expected
    assert len(expected) == 2 and expected[0]["comparison"]["prompt_conversation"] == [_user("hi there")]
    labelled = arena(ties="label")(lf).collect()
    assert labelled["label"].to_list() == ["A", "B", "Tie", "Tie"]
    with pytest.raises(InvalidArgumentError):
        arena(ties="keep")


# --------------------------------------------------------------------------------------------------- views
def _cmp_frame(labels):
    rows = [
        {
            "comparison": {
                "prompt_conversation": [_user(f"p{i}")],
                "completion_A": [_asst(f"a{i}")],
                "completion_B": [_asst(f"b{i}")],
            },
            "label": lab,
            "k": i,
        }
        for i, lab in enumerate(labels)
    ]
    from polards.mappers.structs import rows_from_dicts

    return rows_from_dicts(rows, {"comparison": COMPARISON, "label": pl.String, "k": pl.Int64}).lazy()


def test_to_dpo_picks_sides_and_drops_ties():
    out = to_dpo()(_cmp_frame(["A", "B", "Tie"])).collect()
    assert out.columns == ["prompt", "chosen", "rejected"]
    assert out.schema["chosen"] == MESSAGES
    assert out.to_dicts() == [
        {"prompt": [_user("p0")], "chosen": [_asst("a0")], "rejected": [_asst("b0")]},
        {"prompt": [_user("p1")], "chosen": [_asst("b1")], "rejected": [_asst("a1")]},
    ]
    assert to_dpo(keep_columns=True)(_cmp_frame(["A"])).collect().columns == [
        "prompt",
        "chosen",
        "rejected",
        "k",
    ]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["A", "B", "Tie"]), min_size=1, max_size=8))
def test_swap_is_an_involution_and_preserves_dpo(labels):
    lf = _cmp_frame(labels)
    once = swap()(lf)
    assert swap()(once).collect().equals(lf.collect())
    assert to_dpo()(once).collect().equals(to_dpo()(lf).collect())
    expected = [{"A": "B", "B": "A"}.get(x, x) for x in labels]
    assert once.collect()["label"].to_list() == expected


def test_swap_with_mask_swaps_only_those_rows():
    out = swap(pl.col("k") % 2 == 1)(_cmp_frame(["A", "A", "A"])).collect()
    assert out["label"].to_list() == ["A", "B", "A"]
    assert out["comparison"].struct.field("completion_A").to_list()[1] == [_asst("b1")]


def test_arena_rejects_malformed_conversations():
    from polards.exceptions import FeatureTypeError

    lf = pl.LazyFrame({"winner": ["model_a"], "conversation_a": ["text"], "conversation_b": ["text"]})
    with pytest.raises(FeatureTypeError, match="conversation_a"):
        arena()(lf)
