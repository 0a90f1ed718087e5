"""End-to-end: catalog preference and rubric loaders against the Hub emulator."""

from __future__ import annotations

from polards import catalog
from polards.mappers.structs import COMPARISON
from tests.catalog.conftest import raw, rows_of
from tests.mappers import _oracles
from tests.mappers._data import REALDATA, read_jsonl


def _user(t):
    return {"role": "user", "content": t}


def _asst(t):
    return {"role": "assistant", "content": t}


def _cmp(ds):
    assert ds.column_names[:2] == ["comparison", "label"]
    assert ds.lazy().collect_schema()["comparison"] == COMPARISON
    return [{"comparison": r["comparison"], "label": r["label"]} for r in ds.to_list()]


def test_hh_rlhf_subset_equals_recipe_and_multi_turn_prompt(env):
    test = catalog.load("hh_rlhf", "helpful-base", split="test", split_on="anywhere")
    raw_rows = rows_of(raw("Anthropic/hh-rlhf", split="test", data_dir="helpful-base"))
    assert len(raw_rows) == 2354
    expected = [c for c in map(_oracles.hh_comparison, raw_rows) if c is not None]
    assert _cmp(test) == expected and len(expected) == 2319
    # a real multi-turn prompt: the first test row with two user turns before the compared answers
    default = catalog.load("hh_rlhf", "helpful-base", split="test")
    prompts = [r["comparison"]["prompt_conversation"] for r in default.to_list()]
    multi = next(p for p in prompts if len(p) >= 3)
    assert [m["role"] for m in multi[:3]] == ["user", "assistant", "user"]
    real = (
        read_jsonl(REALDATA / "hh-rlhf" / "helpful-base" / "test.jsonl.gz")
        if (REALDATA / "hh-rlhf").exists()
        else raw_rows
    )
    first = next(r for r in real if r["chosen"].count("\n\nHuman:") >= 2)
    assert multi[0]["content"] == first["chosen"].split("\n\nHuman:")[1].split("\n\nAssistant:")[0].strip()


def test_hh_rlhf_all_subsets(env):
    dd = catalog.load("hh_rlhf")
    assert set(dd) == {"train", "test"}
    per_subset = sum(
        len(catalog.load("hh_rlhf", s, split="test")) for s in catalog.preference.HH_RLHF_SUBSETS[:4]
    )
    assert len(dd["test"]) == per_subset
    assert set(dd["test"]["label"]) == {"A"}


def test_helpsteer3_sign_and_ties(env):
    for split in ("train", "validation"):
        ds = catalog.load("helpsteer3", split=split)
        raw_rows = rows_of(raw("nvidia/HelpSteer3", "preference", split))
        expected = [
            {
                "comparison": {
                    "prompt_conversation": [
                        {"role": m["role"], "content": m["content"]} for m in r["context"]
                    ],
                    "completion_A": [_asst(r["response1"])],
                    "completion_B": [_asst(r["response2"])],
                },
                "label": "A" if r["overall_preference"] < 0 else "B",
            }
            for r in raw_rows
            if r["overall_preference"] != 0
        ]
        assert _cmp(ds) == expected
        assert len(expected) < len(raw_rows)  # the fixture has ties, and they are dropped


def test_helpsteer2_best_vs_worst(env):
    ds = catalog.load("helpsteer2", split="train")
    raw_rows = rows_of(raw("nvidia/HelpSteer2", split="train"))
    pairs = _oracles.helpsteer2_pairs(raw_rows)
    assert [
        {k: r[k] for k in ("prompt", "chosen_response", "rejected_response", "helpfulness_diff")}
        for r in ds.to_list()
    ] == pairs
    assert _cmp(ds) == [
        {
            "comparison": {
                "prompt_conversation": [_user(p["prompt"])],
                "completion_A": [_asst(p["chosen_response"])],
                "completion_B": [_asst(p["rejected_response"])],
            },
            "label": "A",
        }
        for p in pairs
    ]
    assert 0 < len(pairs) < len({r["prompt"] for r in raw_rows}) + 1


def test_ultrafeedback_tulu3_arena(env):
    uf = catalog.load("ultrafeedback", split="train")
    raw_uf = rows_of(raw("argilla/ultrafeedback-binarized-preferences", split="train"))
    assert _cmp(uf) == [
        {
            "comparison": {
                "prompt_conversation": [_user(r["instruction"])],
                "completion_A": [_asst(r["chosen_response"])],
                "completion_B": [_asst(r["rejected_response"])],
            },
            "label": "A",
        }
        for r in raw_uf
    ]
    tulu = catalog.load("tulu3_preference", split="train")
    raw_tulu = rows_of(raw("allenai/llama-3.1-tulu-3-8b-preference-mixture", split="train"))
    assert _cmp(tulu) == [
        {
            "comparison": {
                "prompt_conversation": [_user(r["prompt"])],
                "completion_A": [_asst(r["chosen"][1]["content"])],
                "completion_B": [_asst(r["rejected"][1]["content"])],
            },
            "label": "A",
        }
        for r in raw_tulu
    ]
    arena = catalog.load("arena", split="train")
    raw_arena = rows_of(raw("lmarena-ai/arena-human-preference-140k", split="train"))
    expected = [c for c in map(_oracles.arena_comparison, raw_arena) if c is not None]
    assert _cmp(arena) == expected
    assert 0 < len(expected) < len(raw_arena)
    labelled = catalog.load("arena", split="train", ties="label")
    assert "Tie" in set(labelled["label"]) and len(labelled) > len(arena)


def test_prometheus_rubric(env):
    ds = catalog.load("prometheus_feedback", split="train")
    raw_rows = rows_of(raw("prometheus-eval/Feedback-Collection", split="train"))
    assert len(ds) == len(raw_rows) > 0
    for got, r in zip(ds.to_list(), raw_rows, strict=True):
        scores = [r[f"orig_score{k}_description"] for k in range(1, 6)]
        assert got["messages"] == [_user(r["orig_instruction"])]
        assert got["rubric"] == [
            {
                "criteria": r["orig_criteria"],
                "score_descriptions": scores,
                "reference_answer": r["orig_reference_answer"],
                "text": f"[{r['orig_criteria']}]\n"
                + "\n".join(f"Score {k}: {s}" for k, s in enumerate(scores, 1)),
            }
        ]
