from __future__ import annotations

import io

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polards.exceptions import InvalidArgumentError
from polards.mappers import (
    clean_class_name,
    few_shot_indices,
    image_classification,
    multiple_choice,
    prometheus,
    sample_per_class,
)
from polards.mappers.structs import IMAGE, MULTIMODAL_MESSAGES, RUBRIC_ITEMS, multimodal_to_dicts
from polards.mappers.vision import clean_class_name_expr
from tests.mappers import _oracles
from tests.mappers._data import REALDATA, read_mmlu_csv, require


# --------------------------------------------------------------------------------------------------- rubric
def _prometheus_row(i: int) -> dict[str, str]:
    row = {
        "orig_instruction": f"instr {i}",
        "orig_response": "resp",
        "orig_reference_answer": "ref",
        "orig_criteria": "Is it kind?",
        "orig_feedback": "fb",
        "orig_score": "4",
        "instruction": "full prompt",
        "output": "fb [RESULT] 4",
    }
    row |= {f"orig_score{k}_description": f"d{k}" for k in range(1, 6)}
    return row


def test_prometheus_messages_and_rubric_equal_hand_built():
    out = prometheus()(pl.LazyFrame([_prometheus_row(0), _prometheus_row(1)])).collect()
    assert out.columns[:2] == ["messages", "rubric"] and "orig_score" in out.columns
    assert out.schema["rubric"] == RUBRIC_ITEMS
    r = _prometheus_row(1)
    text = f"[{r['orig_criteria']}]\n" + "\n".join(
        f"Score {k}: {r[f'orig_score{k}_description']}" for k in range(1, 6)
    )
    assert out.row(1, named=True)["messages"] == [{"role": "user", "content": "instr 1"}]
    assert out.row(1, named=True)["rubric"] == [
        {
            "criteria": "Is it kind?",
            "score_descriptions": ["d1", "d2", "d3", "d4", "d5"],
            "reference_answer": "ref",
            "text": text,
        }
    ]


# --------------------------------------------------------------------------------------------------- vision
def _png(color: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (color, 0, 0)).save(buf, format="PNG")
    return buf.getvalue()


def test_image_classification_messages():
    names = ["Faces_easy", "sea-lion", "BMW M3 Coupe 2012"]
    imgs = [{"bytes": _png(i), "path": None} for i in range(4)]
    lf = pl.LazyFrame({"image": imgs, "label": [0, 2, 1, 7]}, schema={"image": IMAGE, "label": pl.Int64})
    out = image_classification(names)(lf).collect()
    assert out.columns == [
        "messages",
        "class_name",
        "label",
    ]  # image moved inside messages; bad label dropped
    assert out.schema["messages"] == MULTIMODAL_MESSAGES
    assert out["class_name"].to_list() == ["faces easy", "bmw m3 coupe 2012", "sea lion"]
    assert multimodal_to_dicts(out["messages"])[1] == [
        {
            "role": "user",
            "content": [
                {"type": "image", "image": {"bytes": imgs[1]["bytes"]}},
                {"type": "text", "text": "What is the name of the subject in this photo?"},
            ],
        },
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "The subject in this photo is: bmw m3 coupe 2012\n"}],
        },
    ]
    kept = image_classification(names, keep_image=True, question="Q?", answer_template="It is {}.")(
        lf
    ).collect()
    assert "image" in kept.columns
    assert kept["messages"].to_list()[0][1]["content"][0]["text"] == "It is faces easy."
    with pytest.raises(InvalidArgumentError):
        image_classification(names, answer_template="no slot")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="aB_.- Z9é", max_size=12))
def test_clean_class_name_expression_equals_python(name):
    got = pl.DataFrame({"n": [name]}).select(clean_class_name_expr("n"))["n"][0]
    assert got == clean_class_name(name) == name.replace("_", " ").replace(".", " ").replace("-", " ").lower()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=40), st.integers(0, 4), st.integers(0, 10_000))
def test_sample_per_class_equals_recipe(labels, n, seed):
    assert sample_per_class(labels, n, seed) == _oracles.sample_per_class(list(labels), n, seed)


def test_few_shot_indices_reads_only_the_label_column():
    lf = pl.LazyFrame({"label": [0, 1, 0, 1, 2], "other": list("abcde")})
    idx = few_shot_indices(lf, 1, seed=3)
    assert idx == _oracles.sample_per_class([0, 1, 0, 1, 2], 1, 3)
    assert few_shot_indices(lf.collect(), 1, seed=3) == idx
    with pytest.raises(InvalidArgumentError):
        sample_per_class([0], -1)


# --------------------------------------------------------------------------------------------------- knowledge
def test_mmlu_real_rows_prompt_and_letter():
    path = require(REALDATA / "mmlu" / "test" / "abstract_algebra_test.csv")
    rows = read_mmlu_csv(path)
    letters = "ABCD"
    lf = pl.LazyFrame(
        {
            "question": [r[0] for r in rows],
            "subject": ["abstract_algebra"] * len(rows),
            "choices": [r[1:5] for r in rows],
            "answer": [letters.index(r[5]) for r in rows],
        }
    )
    out = multiple_choice()(lf).collect()
    assert out.height == 100
    row = out.row(0, named=True)
    assert row["answer_letter"] == "B" and row["answer"] == 1
    assert row["prompt"] == (
        "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\n\nA. 0\nB. 4\nC. 2\nD. 6"
    )
    assert row["messages"] == [{"role": "user", "content": row["prompt"]}]
    assert out["answer_letter"].to_list() == [r[5] for r in rows]
