"""Loading as ``datasets`` 5.2 does it: zip archives in a folder, ``storage_options`` for fsspec
``data_files``, JSON Lines columns in order of first appearance, ``columns=`` narrowing ``features=``."""

from __future__ import annotations

import json
import os
import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fsspec.implementations.local import AbstractFileSystem, LocalFileSystem, stringify_path
from fsspec.registry import _registry

from tests.api_conformance._oracle import features_json, same


def load(lib: Any, tmp: Path, *args: Any, **kwargs: Any) -> Any:
    """``lib.load_dataset``; datasets gets a fresh cache folder (it writes Arrow files there)."""
    if lib.__name__ == "datasets":
        kwargs["cache_dir"] = str(tmp / f"hf-cache-{len(os.listdir(tmp))}")
    return lib.load_dataset(*args, **kwargs)


def test_folder_of_zipped_csv(tmp_path: Path) -> None:
    csv = tmp_path / "dataset.csv"
    csv.write_text("col_1,col_2,col_3\n0,0,0.0\n1,1,1.0\n2,2,2.0\n")
    folder = tmp_path / "repo"
    folder.mkdir()
    with zipfile.ZipFile(folder / "csv-dataset.zip", "w") as zf:
        zf.write(csv, arcname="dataset.csv")
        zf.write(csv, arcname="dataset2.csv")

    def run(lib: Any) -> Any:
        ds = load(lib, tmp_path, str(folder))
        return [list(ds), ds["train"].column_names, ds["train"].num_rows, ds["train"][0]]

    assert same(run)[1][2] == 6


def test_folder_of_zipped_jsonl_with_split_names(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    for split, n in (("train", 3), ("test", 2)):
        rows = tmp_path / f"{split}.jsonl"
        rows.write_text("".join(json.dumps({"x": i, "s": str(i)}) + "\n" for i in range(n)))
        with zipfile.ZipFile(folder / f"{split}.zip", "w") as zf:
            zf.write(rows, arcname=f"{split}.jsonl")
    same(lambda lib: {k: v[:] for k, v in load(lib, tmp_path, str(folder)).items()})


class MockFileSystem(AbstractFileSystem):
    """datasets' test ``mock://`` filesystem: needs ``local_root_dir`` in its storage options."""

    protocol = "mock"

    def __init__(self, *args: Any, local_root_dir: str, **kwargs: Any) -> None:
        super().__init__()
        self._fs = LocalFileSystem(*args, **kwargs)
        self.local_root_dir = Path(local_root_dir).resolve().as_posix() + "/"

    def _local(self, path: str) -> str:
        return posixpath.join(self.local_root_dir, self._strip_protocol(path))

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> Any:
        out = self._fs.ls(self._local(path), detail=detail, **kwargs)
        cut = len(self.local_root_dir)
        return [{**i, "name": i["name"][cut:]} for i in out] if detail else [n[cut:] for n in out]

    def info(self, path: str, **kwargs: Any) -> Any:
        out = dict(self._fs.info(self._local(path), **kwargs))
        out["name"] = out["name"][len(self.local_root_dir) :]
        return out

    def _open(self, path: str, *args: Any, **kwargs: Any) -> Any:
        return self._fs._open(self._local(path), *args, **kwargs)

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        self._fs.makedirs(self._local(path), exist_ok=exist_ok)

    @classmethod
    def _strip_protocol(cls, path: Any) -> str:
        path = stringify_path(path)
        return path[7:] if path.startswith("mock://") else path


@pytest.fixture
def mockfs(tmp_path: Path) -> Iterator[dict[str, Any]]:
    _registry["mock"] = MockFileSystem
    root = tmp_path / "mockfs"
    root.mkdir()
    (root / "data.txt").write_text("Hello there\nGeneral Kenobi !")
    (root / "more.txt").write_text("third")
    yield {"local_root_dir": str(root), "auto_mkdir": True}
    del _registry["mock"]


@pytest.mark.parametrize("data_files", [{"train": ["mock://data.txt"]}, "mock://*.txt", ["mock://more.txt"]])
def test_storage_options_reach_fsspec(tmp_path: Path, mockfs: dict[str, Any], data_files: Any) -> None:
    same(
        lambda lib: list(load(lib, tmp_path, "text", data_files=data_files, storage_options=mockfs)["train"])
    )


def test_storage_options_missing_file(tmp_path: Path, mockfs: dict[str, Any]) -> None:
    same(lambda lib: load(lib, tmp_path, "text", data_files="mock://nope.txt", storage_options=mockfs))


def test_storage_options_refused_for_a_local_folder(tmp_path: Path) -> None:
    import polards as pds

    (tmp_path / "train.csv").write_text("a\n1\n")
    with pytest.raises(NotImplementedError, match="storage_options"):
        pds.load_dataset(str(tmp_path), storage_options={"anon": True})


@pytest.mark.parametrize(
    "rows",
    [
        [
            {"type": "s", "id": "d", "version": 2},
            {"type": "m", "id": "m1", "timestamp": "t", "message": {"r": "u"}},
        ],
        [{"a": 1, "v": 2}, {"a": 3, "t": 4, "m": 5}],
        [{"a": 1}, {"b": 2}, {"c": 3, "a": 4}],
        [{"z": 1, "a": 2}, {"a": 3, "z": 4}],
    ],
)
def test_json_lines_columns_in_first_appearance_order(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def run(lib: Any) -> Any:
        ds = load(lib, tmp_path, "json", data_files=str(path), split="train")
        return [ds.column_names, ds[:]]

    same(run)


def test_parquet_columns_narrow_the_features(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"col_1": ["0", "1"], "col_2": [0, 1], "col_3": [0.0, 1.0]}), path)

    def run(lib: Any) -> Any:
        full = load(lib, tmp_path, "parquet", data_files=str(path), split="train", streaming=True).features
        out = []
        for streaming in (True, False):
            ds = load(
                lib, tmp_path, "parquet", data_files=str(path), split="train", streaming=streaming,
                columns=["col_1"], features=full,
            )  # fmt: skip
            out.append([features_json(ds), next(iter(ds))])
        return out

    same(run)


def test_parquet_columns_not_in_features_raise(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"col_1": ["0"], "col_2": [0]}), path)

    def run(lib: Any) -> Any:
        feats = lib.Features({"col_2": lib.Value("int64")})
        return load(
            lib, tmp_path, "parquet", data_files=str(path), split="train", columns=["col_1"], features=feats
        )

    assert same(run) == ("raise", "ValueError")
