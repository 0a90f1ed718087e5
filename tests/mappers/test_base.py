from __future__ import annotations

import pickle

import polars as pl
import pytest

import polards as pds
from polards import mappers
from polards.exceptions import ColumnNotFoundError
from polards.mappers import Mapper

FACTORIES = [
    mappers.chat_identity(),
    mappers.conversations_to_messages(role_map={"human": "user"}),
    mappers.first_user_turn(as_messages=True),
    mappers.gsm8k(drop_unparsed=False),
    mappers.math_boxed(),
    mappers.deepmath(),
    mappers.polaris(),
    mappers.decontaminated(pl.DataFrame({"problem": ["x"]})),
    mappers.deepcoder(),
    mappers.humaneval(),
    mappers.hh_rlhf(split_on="anywhere"),
    mappers.helpsteer3(),
    mappers.helpsteer2(),
    mappers.ultrafeedback(),
    mappers.arena(ties="label"),
    mappers.tulu3_preference(),
    mappers.to_dpo(keep_columns=True),
    mappers.swap(pl.col("k") == 1),
    mappers.prometheus(),
    mappers.image_classification(["a", "b"]),
    mappers.multiple_choice(),
]


@pytest.mark.parametrize("mapper", FACTORIES, ids=lambda m: m.name)
def test_every_mapper_pickles_by_factory(mapper):
    assert isinstance(mapper, Mapper) and mapper.__name__ == mapper.name
    back = pickle.loads(pickle.dumps(mapper))
    assert back == mapper and back.options == mapper.options and back.recipe is not None


def test_mapped_dataset_pickles_and_explains():
    ds = pds.Dataset.from_dict({"question": ["1+1?"], "answer": ["#### 2"]}).map_schema(mappers.gsm8k())
    assert "gsm8k" in ds.explain()
    back = pickle.loads(pickle.dumps(ds))
    assert back.to_list() == ds.to_list() == [{"problem": "1+1?", "answer": "2", "solution": "#### 2"}]


def test_apply_accepts_frames_and_datasets():
    m = mappers.gsm8k()
    df = pl.DataFrame({"question": ["q"], "answer": ["#### 3"]})
    assert m.apply(df)["answer"].to_list() == ["3"]
    assert m.apply(df.lazy()).collect()["answer"].to_list() == ["3"]
    assert m.apply(pds.Dataset.from_polars(df))["answer"] == ["3"]
    assert m(df).collect()["answer"].to_list() == ["3"]  # a DataFrame is made lazy


def test_missing_columns_raise_a_named_error():
    with pytest.raises(ColumnNotFoundError, match="hh_rlhf"):
        mappers.hh_rlhf()(pl.LazyFrame({"chosen": ["x"]}))
