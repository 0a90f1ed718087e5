"""Array2D..5D, Json, Translation, TranslationVariableLanguages and ClassLabel.cast_storage vs ``datasets`` 5.2:
same JSON form (to_dict), same Arrow types where both are Arrow's own, same round trips and errors."""

from __future__ import annotations

from typing import Any

import datasets
import pyarrow as pa
import pytest

import polards.features as pf
from tests.features_conformance.diff import error_class


def build(lib: Any) -> Any:
    return lib.Features(
        {
            "t": lib.Translation(languages=["fr", "en"]),
            "v": lib.TranslationVariableLanguages(languages=["fr", "en", "en"]),
            "a2": lib.Array2D(shape=(None, 3), dtype="float32"),
            "a3": lib.Array3D(shape=[1, 2, 3], dtype="string"),
            "a4": lib.Array4D(shape=(1, 2, 2, 3), dtype="int32"),
            "a5": lib.Array5D(shape=(1, 2, 2, 3, 3), dtype="bool"),
            "j": lib.Json(),
            "k": lib.Json(decode=False),
            "l": lib.List(lib.Json()),
            "s": {"x": lib.Json(), "t": lib.Translation(languages=["de"])},
        }
    )


OURS, THEIRS = build(pf), build(datasets.features)


def test_to_dict_matches_datasets() -> None:
    assert OURS.to_dict() == THEIRS.to_dict()


def test_repr_matches_datasets() -> None:
    assert repr(OURS) == repr(THEIRS)


def test_from_dict_of_datasets_json_round_trips() -> None:
    assert pf.Features.from_dict(THEIRS.to_dict()) == OURS
    assert datasets.Features.from_dict(OURS.to_dict()) == THEIRS


def test_arrow_schema_matches_datasets() -> None:
    ours, theirs = OURS.arrow_schema, THEIRS.arrow_schema
    assert ours.remove_metadata() == theirs.remove_metadata()
    assert pf.Features.from_arrow_schema(ours) == OURS
    assert datasets.Features.from_arrow_schema(ours) == THEIRS


def test_polards_array_extension_type_is_datasets_wire_format() -> None:
    """Without ``datasets`` loaded polards uses its own (unregistered) class with datasets' name, metadata and
    storage, so files it writes read back in ``datasets`` as arrays."""
    from polards.features.arrays import ArrayExtensionType

    theirs = datasets.features.Array3D(shape=(None, 2, 3), dtype="int8")()
    ours = ArrayExtensionType(3, (None, 2, 3), "int8", theirs.storage_type)
    assert ours.extension_name == theirs.extension_name
    assert ours.__arrow_ext_serialize__() == theirs.__arrow_ext_serialize__()
    assert pf.Features.from_arrow_schema(pa.schema([("a", ours)]))["a"] == pf.Array3D((None, 2, 3), "int8")


def test_features_read_from_datasets_arrow_types() -> None:
    """Without metadata: datasets' extension types (its arrays, arrow.json) become the same features."""
    bare = pa.schema(list(THEIRS.type))
    assert (
        pf.Features.from_arrow_schema(bare).to_dict() == datasets.Features.from_arrow_schema(bare).to_dict()
    )


def test_flatten_matches_datasets() -> None:
    assert OURS.flatten().to_dict() == THEIRS.flatten().to_dict()


@pytest.mark.parametrize(
    "example",
    [
        {"fr": ["le chat", "la chatte"], "en": "the cat"},
        {"en": "a"},
        {"language": ["en"], "translation": ["x"]},
    ],
)
def test_translation_variable_languages_encode(example: dict[str, Any]) -> None:
    ours = pf.TranslationVariableLanguages(languages=["en", "fr"]).encode_example(example)
    theirs = datasets.features.TranslationVariableLanguages(languages=["en", "fr"]).encode_example(example)
    assert ours == theirs


def test_translation_variable_languages_unknown_language_is_value_error() -> None:
    with pytest.raises(ValueError, match="de"):
        pf.TranslationVariableLanguages(languages=["en"]).encode_example({"de": "x"})
    with pytest.raises(ValueError):
        datasets.features.TranslationVariableLanguages(languages=["en"]).encode_example({"de": "x"})


def test_array_bad_shape_raises_value_error_when_typed() -> None:
    for lib in (pf, datasets.features):
        with pytest.raises(ValueError):
            _ = lib.Features({"a": lib.Array2D(shape=(2, None), dtype="int32")}).arrow_schema


@pytest.mark.parametrize(
    "arr",
    [
        pa.array([0, 1, -1, -100], pa.int64()),
        pa.array([0, 1, -1, -100], pa.int32()),
        pa.array([3]),
        pa.array(["negative", "positive", None]),
        pa.array(["positive"], pa.large_string()),
        pa.array(["__nope__"]),
        pa.array([None]),
        pa.array([], pa.int64()),
        pa.array([], pa.string()),
        pa.array([1.0, 0.0]),
    ],
)
def test_classlabel_cast_storage(arr: pa.Array) -> None:
    def run(lib: Any) -> Any:
        try:
            out = lib.ClassLabel(names=["negative", "positive"]).cast_storage(arr)
            return str(out.type), out.to_pylist()
        except Exception as e:  # noqa: BLE001 - the class is what we compare
            return error_class(e)

    assert run(pf) == run(datasets.features)


@pytest.mark.parametrize(
    "arr",
    [
        pa.array(['{"a":1}', None]),
        pa.array(["foo", "1"]),
        pa.array([1, None, 3]),
        pa.array([{"a": 1}, {"a": None}]),
        pa.array([[1], []]),
    ],
)
def test_json_cast_storage(arr: pa.Array) -> None:
    ours = pf.Json().cast_storage(arr)
    theirs = datasets.features.Json().cast_storage(arr)
    assert ours.type == theirs.type and ours.to_pylist() == theirs.to_pylist()


@pytest.mark.parametrize(
    "value", [{"a": [1, 2.5, None]}, "foo", '{"a":1}', "1", 12, None, [{"b": "é/x"}], True, 0.1234567890123]
)
def test_json_encode_decode(value: Any) -> None:
    ours, theirs = pf.Json().encode_example(value), datasets.features.Json().encode_example(value)
    assert ours == theirs
    if ours is not None:
        assert pf.Json().decode_example(ours) == datasets.features.Json().decode_example(theirs)


def test_json_decode_disabled_raises_runtime_error() -> None:
    with pytest.raises(RuntimeError):
        pf.Json(decode=False).decode_example("1")
