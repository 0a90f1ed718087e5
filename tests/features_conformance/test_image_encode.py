"""``Image.encode_example`` stores what ``datasets`` 5.2 stores, for every kind of input it takes."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import PIL.Image
import pytest

from polards.features import Image


def _both(value: Any) -> tuple[Any, Any]:
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = Image().encode_example(value)
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = datasets.Image().encode_example(value)
    assert [str(w.message) for w in ours_w] == [str(w.message) for w in theirs_w]
    return ours, theirs


ARRAYS = {
    "uint8 gray": np.arange(12, dtype=np.uint8).reshape(3, 4),
    "uint8 rgb": np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3),
    "int64 rgb (downcast to uint8)": np.arange(2 * 2 * 3, dtype=np.int64).reshape(2, 2, 3),
    "int64 gray (downcast to int32)": np.arange(6, dtype=np.int64).reshape(2, 3),
    "float64 gray": np.linspace(0, 1, 6).reshape(2, 3),
    "bool": np.array([[True, False], [False, True]]),
    "nested list": [[0, 1], [2, 3]],
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_arrays_encode_to_the_same_bytes(name: str) -> None:
    ours, theirs = _both(ARRAYS[name])
    assert ours == theirs


def test_float_rgb_is_refused_like_datasets() -> None:
    arr = np.zeros((2, 2, 3), dtype=np.float32)
    with pytest.raises(TypeError, match="Unsupported array dtype") as theirs:
        datasets.Image().encode_example(arr)
    with pytest.raises(TypeError, match="Unsupported array dtype") as ours:
        Image().encode_example(arr)
    assert str(ours.value) == str(theirs.value)


def test_pil_images_file_backed_by_path_in_memory_by_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    PIL.Image.fromarray(np.arange(16, dtype=np.uint8).reshape(4, 4)).save(path)
    opened = PIL.Image.open(path)
    ours, theirs = _both(opened)
    assert ours == theirs == {"path": str(path), "bytes": None}
    for mode in ("L", "RGB", "P", "I;16"):
        img = PIL.Image.new(mode, (3, 2))
        ours, theirs = _both(img)
        assert ours == theirs, mode


def test_dicts_and_paths(tmp_path: Path) -> None:
    path = tmp_path / "y.png"
    PIL.Image.new("RGB", (2, 2)).save(path)
    for value in (
        {"path": str(path), "bytes": b"ignored: the file is here"},
        {"path": "not/here.png", "bytes": b"abc"},
        {"path": None, "bytes": b"abc"},
        str(path),
        b"raw",
        path,
    ):
        ours, theirs = _both(value)
        assert ours == theirs, value
    with pytest.raises(ValueError, match="should have one of 'path' or 'bytes'"):
        Image().encode_example({"path": None, "bytes": None})
