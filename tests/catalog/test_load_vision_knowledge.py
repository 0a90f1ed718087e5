"""End-to-end: catalog vision and knowledge loaders against the Hub emulator."""

from __future__ import annotations

import io

import pytest

from polards import ClassLabel, catalog
from polards.exceptions import InvalidArgumentError
from polards.mappers import clean_class_name
from polards.mappers.structs import MULTIMODAL_MESSAGES
from tests.catalog.conftest import raw, rows_of
from tests.mappers import _oracles

VISION = [("caltech101", "dpdl-benchmark/caltech101"), ("oxford_flowers102", "dpdl-benchmark/oxford_flowers102"),
          ("oxford_iiit_pet", "dpdl-benchmark/oxford_iiit_pet"), ("stanford_cars", "tanganke/stanford_cars")]  # fmt: skip


@pytest.mark.parametrize(("name", "repo"), VISION)
def test_vision_messages(env, name, repo):
    ds = catalog.load(name, split="train")
    base = raw(repo, split="train")
    names = base.features["label"].names
    assert ds.column_names == ["messages", "class_name", "label"]
    assert ds.lazy().collect_schema()["messages"] == MULTIMODAL_MESSAGES
    assert isinstance(ds.features["label"], ClassLabel)  # the ClassLabel survives the mapper
    raw_table = base.lazy().collect()
    labels, images = raw_table["label"].to_list(), raw_table["image"].to_list()
    assert ds["class_name"] == [clean_class_name(names[i]) for i in labels]
    row = ds[0]
    user, assistant = row["messages"]
    assert user["role"] == "user" and assistant["role"] == "assistant"
    assert (
        user["content"][0]["type"] == "image" and user["content"][0]["image"]["bytes"] == images[0]["bytes"]
    )
    assert user["content"][1] == {
        "type": "text",
        "text": "What is the name of the subject in this photo?",
        "image": None,
    }
    assert assistant["content"] == [
        {
            "type": "text",
            "text": f"The subject in this photo is: {clean_class_name(names[labels[0]])}\n",
            "image": None,
        }
    ]
    from PIL import Image

    assert Image.open(io.BytesIO(user["content"][0]["image"]["bytes"])).size[0] > 0  # real image bytes


def test_vision_few_shot_sampling(env):
    full = raw("dpdl-benchmark/caltech101", split="train")
    labels = full.lazy().collect()["label"].to_list()
    expected = _oracles.sample_per_class(labels, 2, 7)
    few = catalog.load("caltech101", split="train", examples_per_class=2, seed=7)
    assert few["label"] == [labels[i] for i in expected]
    assert max(few["label"].count(c) for c in set(few["label"])) <= 2
    dd = catalog.load("caltech101", examples_per_class=1)
    assert len(dd["test"]) == len(raw("dpdl-benchmark/caltech101", split="test"))  # test split not sampled
    assert len(dd["train"]) == len(set(labels))
    with pytest.raises(InvalidArgumentError, match="streaming"):
        catalog.load("caltech101", split="train", examples_per_class=1, streaming=True)


def test_mmlu(env):
    ds = catalog.load("mmlu", "abstract_algebra", split="test")
    assert isinstance(ds.features["answer"], ClassLabel) and ds.features["answer"].names == [
        "A",
        "B",
        "C",
        "D",
    ]
    row = ds[0]
    assert row["answer_letter"] == "B" and row["answer"] == 1
    assert row["prompt"] == (
        "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\n\nA. 0\nB. 4\nC. 2\nD. 6"
    )
    assert row["messages"] == [{"role": "user", "content": row["prompt"]}]
    assert ds["answer_letter"] == ["ABCD"[a] for a in ds["answer"]]
    allc = catalog.load("mmlu", split="validation")
    assert len(allc) == len(rows_of(raw("cais/mmlu", "all", "validation")))
