"""``Dataset``: a map-style dataset, an immutable handle on a lazy Polars plan plus its ``Features``.

Every verb returns a new handle whose plan is one step longer; nothing runs until rows are asked for.

>>> from polards import Dataset
>>> ds = Dataset.from_dict({"q": ["a", "bb", "ccc"], "n": [1, 2, 3]})
>>> small = ds.filter(lambda r: r["n"] > 1).map(lambda r: {"len": len(r["q"])})
>>> small.to_list()
[{'q': 'bb', 'n': 2, 'len': 2}, {'q': 'ccc', 'n': 3, 'len': 3}]
>>> ds.shuffle(seed=0)["n"]
[3, 1, 2]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from polards.core import live_streams, map_cache
from polards.core import steps as st
from polards.core.batching import fixed_batches
from polards.core.compile import Plan, append, compile_plan, count_rows, describe, known_prefix
from polards.core.udf import MapFeatures, as_exprs, make_step
from polards.dataset import construct, formatting, render
from polards.exceptions import (
    ColumnExistsError,
    ColumnNotFoundError,
    DatasetIndexError,
    FeatureTypeError,
    InvalidArgumentError,
)
from polards.features import ClassLabel, Features
from polards.features.types import to_polars_dtype

_BATCH_SHORT = "__polards_batch_short__"  # batch(by_column, drop_last_batch): a short last input batch
RANDOM_ACCESS_COLLECT_AFTER = 8  # row lookups served by slice pushdown before the plan is collected once
#: Bytes of a batch converted to Python objects at once by row iteration (wide rows: fewer rows at a time, so the
#: objects of one slice reuse the memory the previous slice freed instead of growing the heap).
ROW_SLICE_BYTES = 4 << 20


def _python_slices(batch: pl.DataFrame) -> Iterator[pl.DataFrame]:
    """``batch`` in row slices of about :data:`ROW_SLICE_BYTES` each (the whole batch when it is small).

    >>> [p.height for p in _python_slices(pl.DataFrame({"a": range(3)}))]
    [3]
    """
    size = batch.estimated_size()
    if size <= ROW_SLICE_BYTES or batch.height <= 1:
        yield batch
        return
    rows = max(1, batch.height * ROW_SLICE_BYTES // size)
    yield from batch.iter_slices(rows)


def _as_list(cols: str | Iterable[str] | None) -> list[str]:
    if cols is None:
        return []
    return [cols] if isinstance(cols, str) else list(cols)


class Dataset:
    """A map-style dataset: ``len``, random access, and lazy ``datasets``-style verbs."""

    __slots__ = ("_plan", "_features", "_format", "_memo", "split", "_info")

    def __init__(
        self,
        plan: Plan,
        features: Features | None = None,
        *,
        format: str = "python",
        split: str | None = None,
        info: Any = None,
    ) -> None:
        self._plan = plan
        self._features = features  # None: derive from the plan's schema when first asked
        self._format = format
        self._memo: dict[str, Any] = {}
        self.split = split
        self._info = info  # None: a default DatasetInfo is made when first asked (see ``info``)

    # ----------------------------------------------------------------------------------------- construction
    @classmethod
    def from_file(
        cls,
        filename: str,
        info: Any = None,
        split: str | None = None,
        indices_filename: str | None = None,
        in_memory: bool = False,
    ) -> Dataset:
        """A dataset over an Arrow IPC *stream* file as ``datasets`` writes it (its cache files, the
        ``data-*.arrow`` shards of ``save_to_disk``), as ``datasets.Dataset.from_file``.

        ``in_memory=False`` memory-maps the file (nothing is read until used, ``cache_files`` names it);
        ``in_memory=True`` reads it into memory. Features come from ``info.features``, else the file's
        ``huggingface`` schema metadata, else its Arrow types. ``indices_filename``: an Arrow stream file with an
        ``indices`` column (``datasets``' indices mapping) selecting the rows.

        >>> import os, tempfile
        >>> from polards import Dataset
        >>> path = os.path.join(tempfile.mkdtemp(), "data-00000-of-00001.arrow")
        >>> Dataset.from_dict({"a": [1, 2]}).save_to_disk(os.path.dirname(path))
        >>> ds = Dataset.from_file(path)
        >>> ds["a"], ds.cache_files == [{"filename": path}]
        ([1, 2], True)
        """
        import pyarrow as pa

        from polards.exceptions import MalformedFileError
        from polards.features import Features

        def read(path: str) -> pa.Table:
            try:
                source = pa.input_stream(path) if in_memory else pa.memory_map(path)
                return pa.ipc.open_stream(source).read_all()
            except pa.ArrowInvalid as exc:
                try:  # an Arrow IPC *file* (polards' own map cache files before they used datasets' layout)
                    return pa.ipc.open_file(pa.memory_map(path)).read_all()
                except pa.ArrowInvalid:
                    pass
                raise MalformedFileError(f"{path} is not an Arrow IPC stream file: {exc}") from exc

        table = read(filename)
        features = getattr(info, "features", None) or Features.from_arrow_schema(table.schema)
        bare = table.replace_schema_metadata(None)
        converted: list[pl.DataFrame] = []

        def frame() -> pl.DataFrame:  # converted once, on first use (a memory-mapped file is not read before)
            if not converted:
                df = pl.from_arrow(bare, rechunk=False)
                assert isinstance(df, pl.DataFrame)
                converted.append(df)
            return converted[0]

        if in_memory:
            lf = frame().lazy()
        else:
            empty = pl.from_arrow(bare.schema.empty_table())
            assert isinstance(empty, pl.DataFrame)
            lf = pl.defer(frame, schema=empty.schema)
        files = () if in_memory else (filename,)
        ds = cls((st.Source(lf, f"arrow {filename}", files, "arrow"),), features, split=split, info=info)
        ds._memo["arrow_table"] = table  # the buffers the frame may share (kept alive with the dataset)
        if indices_filename is not None:
            indices = read(indices_filename).column("indices").to_pylist()
            ds = ds.select(indices)
        return ds

    @classmethod
    def from_polars(
        cls, data: pl.DataFrame | pl.LazyFrame, features: Features | None = None, **kw: Any
    ) -> Dataset:
        """Wrap a Polars DataFrame or LazyFrame (nothing is collected). Without ``features``, those of the frame's
        Arrow export, as ``datasets``: strings are ``Value("large_string")``, lists ``LargeList``."""
        lf = data.lazy()
        if features is None:
            features = construct.polars_frame_features(lf.collect_schema())
        else:  # datasets casts the table to the features
            lf = construct.cast_frame(lf, features)
        ds = cls((st.Source(lf, "polars frame"),), features, **kw)
        if features is not None:
            ds._check_features(features)
        return ds

    @classmethod
    def from_dict(
        cls,
        mapping: Mapping[str, Sequence[Any]],
        features: Features | None = None,
        info: Any = None,
        split: str | None = None,
        on_mixed_types: str | None = None,
    ) -> Dataset:
        """From a dict of columns (like ``datasets.Dataset.from_dict``): NaN stays NaN, a column mixing types
        raises pyarrow's error (as a polards subclass naming the column), ``features`` encode labels/images."""
        if on_mixed_types not in (None, "use_json"):
            raise InvalidArgumentError(f"on_mixed_types must be 'use_json' or None, got {on_mixed_types!r}")
        features = construct.features_for(features, info)
        mapping = dict(mapping)
        if not mapping and features:
            frame = pl.DataFrame(schema=features.to_polars_schema())
        elif on_mixed_types == "use_json" and features is None:  # mixed types stored as Json
            frame, features = construct.frame_with_json(mapping)
        else:
            frame = construct.frame_from_columns(mapping, features)
        features = (
            Features({k: features[k] for k in frame.columns})
            if features is not None
            else Features.from_polars_schema(frame.schema)  # Arrow's types of the values: string, not large
        )
        return cls.from_polars(frame, features, split=split, info=info)

    @classmethod
    def from_list(
        cls,
        mapping: Sequence[Mapping[str, Any]],
        features: Features | None = None,
        info: Any = None,
        split: str | None = None,
        on_mixed_types: str | None = None,
    ) -> Dataset:
        """From a list of rows; the first row's keys are the columns (a key missing later is ``None``)."""
        return cls.from_dict(
            construct.rows_to_columns(mapping), features, info, split, on_mixed_types=on_mixed_types
        )

    @classmethod
    def from_arrow(
        cls, table: Any, features: Features | None = None, info: Any = None, split: str | None = None
    ) -> Dataset:
        """From a ``pyarrow.Table`` (features from its ``huggingface`` metadata unless given)."""
        if features is not None:
            table = construct.cast_arrow_table(table, features)
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        if features is None and hasattr(table, "schema"):
            features = Features.from_arrow_schema(table.schema)
        return cls.from_polars(frame, features, split=split, info=info)

    @classmethod
    def from_pandas(
        cls,
        df: Any,
        features: Features | None = None,
        info: Any = None,
        split: str | None = None,
        preserve_index: bool | None = None,
    ) -> Dataset:
        """From a pandas DataFrame (pandas' missing values, NaN included, become null, as in ``datasets``)."""
        import pyarrow as pa

        features = construct.features_for(features, info)
        table = pa.Table.from_pandas(df, preserve_index=preserve_index)
        table = table.replace_schema_metadata(None)
        return cls.from_arrow(table, features, info=info, split=split)

    @classmethod
    def from_generator(
        cls,
        generator: Callable[..., Iterator[dict[str, Any]]],
        features: Features | None = None,
        cache_dir: str | None = None,
        keep_in_memory: bool = False,
        gen_kwargs: dict[str, Any] | None = None,
        num_proc: int | None = None,
        split: str = "train",
        fingerprint: str | None = None,
    ) -> Dataset:
        """Rows from ``generator(**gen_kwargs)``. List values in ``gen_kwargs`` are shards (``datasets``' rule);
        they run in order, so ``num_proc`` gives the same rows. ``cache_dir`` holds an Arrow cache of the rows."""
        rows = construct.generate_rows(generator, gen_kwargs, num_proc)
        ds = cls.from_list(rows, features, split=str(split) if split is not None else None)
        return ds.cache(str(cache_dir)) if cache_dir is not None and not keep_in_memory else ds

    @classmethod
    def _from_files(
        cls,
        paths: Any,
        fmt: str,
        features: Features | None,
        columns: Sequence[str] | None,
        split: str | None = None,
        cache_dir: Any = None,
        keep_in_memory: bool = False,
        **opts: Any,
    ) -> Dataset:
        # cache_dir: files are scanned lazily, there is no Arrow conversion to place; map results are cached
        # there (as datasets, beside its cache files); keep_in_memory=True reads the rows into Arrow memory now
        # (polards.dataset.cache.load_into_memory), as datasets
        from polards.io.read import expand_paths, scan_files

        files = expand_paths(paths)
        lf = scan_files(files, fmt, **opts)
        if features is None and fmt == "parquet":
            from polards.io.read import parquet_features

            features = parquet_features(files[0]) if files else None
        label = f"{fmt or 'files'} {files[0]}" + (f" (+{len(files) - 1} more)" if len(files) > 1 else "")
        where = os.path.abspath(os.path.expanduser(str(cache_dir))) if cache_dir is not None else None
        source = st.Source(lf, label, tuple(files), fmt, cache_dir=where)
        ds = cls((source,), None, split=str(split) if split else "train")
        if features is not None:
            ds = ds._with_features(
                features.reconcile(ds.lazy().collect_schema())
                if list(features) != ds.column_names
                else features
            )
        ds = ds.select_columns(list(columns)) if columns else ds
        if keep_in_memory:
            from polards.dataset.cache import load_into_memory

            return load_into_memory(ds)
        return ds

    @classmethod
    def from_parquet(
        cls,
        path_or_paths: Any,
        features: Features | None = None,
        columns: Sequence[str] | None = None,
        **kw: Any,
    ) -> Dataset:
        """Lazy scan of parquet files (paths, globs); features come from the ``huggingface`` metadata."""
        return cls._from_files(path_or_paths, "parquet", features, columns, **kw)

    @classmethod
    def from_json(
        cls, path_or_paths: Any, features: Features | None = None, field: str | None = None, **kw: Any
    ) -> Dataset:
        return cls._from_files(path_or_paths, "json", features, None, field=field, **kw)

    @classmethod
    def from_csv(cls, path_or_paths: Any, features: Features | None = None, **kw: Any) -> Dataset:
        return cls._from_files(path_or_paths, "csv", features, None, **kw)

    @classmethod
    def from_text(cls, path_or_paths: Any, features: Features | None = None, **kw: Any) -> Dataset:
        return cls._from_files(path_or_paths, "text", features, None, **kw)

    # --------------------------------------------------------------------------------------------- internals
    def _with(
        self, step: Any = None, *, features: Features | None = None, plan: Plan | None = None
    ) -> Dataset:
        """A new handle: the plan one step longer; features kept where each column's dtype is unchanged."""
        new_plan = plan if plan is not None else append(self._plan, step)
        out = Dataset(new_plan, None, format=self._format, split=self.split, info=self._info)
        # the parent itself, not its features: asking for them could run a Python map's schema inference now
        out._memo["features_hint"] = features if features is not None else self
        out._memo["features_exact"] = features is not None
        return out

    def _with_features(self, features: Features) -> Dataset:
        out = Dataset(self._plan, features, format=self._format, split=self.split, info=self._info)
        out._memo.update({k: v for k, v in self._memo.items() if k in ("len",)})
        return out

    def _check_features(self, features: Features) -> None:
        names = list(self.lazy().collect_schema())
        if list(features) != names:
            msg = f"The columns in features ({list(features)}) must be identical as the columns in the dataset: {names}"
            raise InvalidArgumentError(msg)

    def _require(self, cols: Iterable[str], what: str = "Column") -> None:
        missing = [c for c in cols if c not in self.column_names]
        if missing:
            raise ColumnNotFoundError.from_names(missing, self.column_names)

    def lazy(self) -> pl.LazyFrame:
        """The Polars ``LazyFrame`` of the plan (runs nothing)."""
        return compile_plan(self._plan)

    def _frame(self) -> pl.DataFrame:
        """The whole dataset, collected once per handle and rechunked for random access."""
        if "frame" not in self._memo:
            map_cache.materialize(self._plan, compile_plan)
            path = map_cache.whole_file(self._plan)
            df = map_cache.read_ipc(path) if path else self.lazy().collect()
            # random access wants few chunks (a parquet scan yields one per row group; a cache file a few)
            self._memo["frame"] = df.rechunk() if df.n_chunks() > 16 else df
            self._memo["len"] = self._memo["frame"].height
        return self._memo["frame"]

    def _row_frame(self, i: int) -> pl.DataFrame:
        """One row: a pushed-down slice for the first few accesses, then the collected frame (random access)."""
        hits = self._memo.get("row_hits", 0)
        if "frame" in self._memo or hits >= RANDOM_ACCESS_COLLECT_AFTER:
            return self._frame().slice(i, 1)
        self._memo["row_hits"] = hits + 1
        return self.lazy().slice(i, 1).collect()

    # ---------------------------------------------------------------------------------------------- metadata
    @property
    def features(self) -> Features:
        if self._features is None:
            schema = self.lazy().collect_schema()
            hint = self._memo.get("features_hint")
            hint = hint.features if isinstance(hint, Dataset) else hint
            self._features = (
                hint.reconcile(schema) if hint is not None else Features.from_polars_schema(schema)
            )
        return self._features.copy()  # a copy, as datasets gives: editing it must not change this dataset

    @property
    def info(self) -> Any:
        """``datasets``' ``DatasetInfo`` (description, citation, ...): the one given at construction, else an
        empty one; its ``features`` are always this dataset's features, as in ``datasets``."""
        import copy

        from polards.compat.info import DatasetInfo

        if self._info is None:
            self._info = DatasetInfo()
        features = self.features
        if getattr(self._info, "features", None) != features:
            self._info = copy.copy(self._info)  # never retarget an info object another handle shares
            self._info.features = features
        return self._info

    @info.setter
    def info(self, value: Any) -> None:
        self._info = value

    @property
    def column_names(self) -> list[str]:
        return list(self.features)

    @property
    def num_columns(self) -> int:
        return len(self.features)

    @property
    def num_rows(self) -> int:
        return len(self)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self), self.num_columns)

    @property
    def format(self) -> dict[str, Any]:
        """``datasets``' format dict: ``type``, ``format_kwargs``, ``columns``, ``output_all_columns``."""
        return (
            formatting.check_format(self._format).as_dict(self.column_names)
            if not isinstance(self._format, formatting.FormatSpec)
            else self._format.as_dict(self.column_names)
        )

    def __len__(self) -> int:
        if "len" not in self._memo:
            self._memo["len"] = count_rows(self._plan)
        return self._memo["len"]

    def explain(self, *, optimized: bool = True) -> str:
        """The polards steps and the optimised Polars plan, as text (runs nothing)."""
        text = "polards plan:\n  " + "\n  ".join(describe(self._plan)) + "\n\npolars plan"
        prefix = known_prefix(self._plan)
        if len(prefix) < len(self._plan):
            text += " (up to the first Python function, whose output schema is known only once it runs)"
        if not prefix:
            return text + ": -"
        flags = pl.QueryOptFlags() if optimized else pl.QueryOptFlags.none()
        return text + ":\n" + compile_plan(prefix).explain(optimizations=flags)

    def __repr__(self) -> str:
        return render.dataset_repr(self)

    def _repr_html_(self) -> str:
        return render.dataset_html(self)

    # ---------------------------------------------------------------------------------------------- access
    def __getitem__(self, key: Any) -> Any:
        feats = self.features
        if isinstance(key, str):
            if key not in feats:
                hint = ColumnNotFoundError.from_names([key], feats).args[0].partition("\n")[2]
                raise ColumnNotFoundError(f"Column {key!r} doesn't exist." + (f"\n{hint}" if hint else ""))
            if self._format == "custom":  # as datasets: the transform may need every column, then pick one
                return formatting.format_batch(self._frame(), self._format, feats)[key]
            series = (
                self._memo["frame"].get_column(key)
                if "frame" in self._memo
                else self.lazy().select(key).collect().get_column(key)
            )
            return formatting.format_column(series, self._format, feats)
        if isinstance(key, pl.Series) or type(key).__name__ == "Series" and hasattr(key, "to_numpy"):
            key = key.to_numpy()  # pandas / polars Series of indices, as datasets takes any iterable
        if isinstance(key, bool) or not isinstance(
            key, int | np.integer | slice | range | list | tuple | np.ndarray
        ):
            msg = f"Wrong key type: {key!r} of type {type(key)}. Expected one of int, slice, range, str or Iterable."
            raise FeatureTypeError(msg)
        if isinstance(key, int | np.integer):
            n = len(self)
            i = int(key) + n if key < 0 else int(key)
            if not 0 <= i < n:
                raise DatasetIndexError(f"Invalid key: {key} is out of bounds for size {n}")
            return formatting.format_row(self._row_frame(i), self._format, feats)
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if (
                self._format == "arrow"
                and getattr(self._format, "columns", None) is None
                and step == 1
                and (table := self._mapped_table()) is not None
            ):
                return table.slice(start, max(stop - start, 0))  # zero-copy, as datasets
            rows = (
                self._frame()[start:stop:step]
                if step != 1
                else self._frame().slice(start, max(stop - start, 0))
            )
        else:
            idx = self._check_indices(key)
            rows = (
                self._frame()[pl.Series(idx, dtype=pl.get_index_type())]
                if len(idx)
                else self._frame().clear()
            )
        return formatting.format_batch(rows, self._format, feats)

    def __iter__(self) -> Iterator[Any]:
        for batch in self._batches(1000):
            if self._format == "python":
                for part in _python_slices(batch):
                    data = formatting.format_batch(part, "python", self.features)
                    keys = list(data)
                    for vals in zip(*data.values(), strict=True):
                        yield dict(zip(keys, vals, strict=True))
            else:
                for i in range(batch.height):
                    yield formatting.format_row(batch.slice(i, 1), self._format, self.features)

    def _batches(self, batch_size: int, drop_last_batch: bool = False) -> Iterator[pl.DataFrame]:
        if "frame" in self._memo:
            frames: Iterable[pl.DataFrame] = self._memo["frame"].iter_slices(batch_size)
        else:
            frames = live_streams.tracked(self.lazy().collect_batches(chunk_size=batch_size, lazy=True))
        for df in frames:
            if drop_last_batch and df.height < batch_size:
                return
            yield df

    def iter(self, batch_size: int, drop_last_batch: bool = False) -> Iterator[Any]:
        """Batches of ``batch_size`` rows, streamed from the plan."""
        if self._format == "arrow" and getattr(self._format, "columns", None) is None:
            yield from self._arrow_batches(batch_size, drop_last_batch)
            return
        for df in self._batches(batch_size, drop_last_batch):
            yield formatting.format_batch(df, self._format, self.features)

    def _mapped_table(self) -> Any | None:
        """The memory-mapped ``pyarrow.Table`` of a bare ``cache()`` file or of the cache file of a final Python
        map (written first, as ``datasets`` writes it at ``map()`` time), or a contiguous slice of either
        (``take``, ``skip``), in ``datasets``' Arrow types (rows are read only when used, as ``datasets``'
        memory-mapped table), else None."""
        if "frame" in self._memo:
            return None
        plan, rows = self._plan, None
        if len(plan) > 1 and isinstance(plan[-1], st.Slice):
            plan, rows = plan[:-1], plan[-1]
        if len(plan) > 1:
            if not isinstance(plan[-1], st.PythonMap):
                return None
            map_cache.materialize(plan, compile_plan)
        path = map_cache.whole_file(plan)
        table = formatting.ipc_table(path) if path else None
        if table is None:
            return None
        if rows is not None:
            table = table.slice(min(rows.offset, table.num_rows), rows.length)
        return formatting.as_hf_types(table, self.features)

    def _arrow_batches(self, batch_size: int, drop_last_batch: bool) -> Iterator[Any]:
        """Arrow batches: zero-copy from a ``cache()`` file or a collected frame, else converted in big chunks."""
        table = (
            formatting.arrow_table(self._memo["frame"])  # one conversion, then zero-copy batches
            if "frame" in self._memo
            else self._mapped_table()
        )
        if table is not None:
            n = table.num_rows
            for off in range(0, n - n % batch_size if drop_last_batch else n, batch_size):
                yield table.slice(off, batch_size)
            return
        chunk = max(batch_size, formatting.ARROW_CHUNK)
        frames = live_streams.tracked(self.lazy().collect_batches(chunk_size=chunk, lazy=True))
        yield from formatting.arrow_batches(frames, batch_size, drop_last_batch)

    def to_polars(self, batch_size: int | None = None, batched: bool = False, **kw: Any) -> Any:
        """A ``pl.DataFrame``; with ``batched=True`` an iterator of frames of ``batch_size`` rows (default 1000)."""
        if kw:
            raise TypeError(f"to_polars() got unexpected keyword arguments {sorted(kw)}")
        if batched:
            return iter(self._batches(batch_size or 1000))
        return self._frame()

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table`` with ``datasets``' Arrow types and the ``huggingface`` features metadata."""
        from polards.io.write import to_hf_arrow

        return to_hf_arrow(self._frame(), self.features)

    @property
    def data(self) -> Any:
        """The rows as a ``pyarrow.Table`` (``datasets``' ``Dataset.data``; a plain Table, not its Table wrapper)."""
        return self.to_arrow()

    def to_pandas(self, batch_size: int | None = None, batched: bool = False) -> Any:
        """A pandas DataFrame; with ``batched=True`` an iterator of them (``batch_size`` rows, default 1000)."""
        from polards.features.features import decode_json_pandas  # Json columns decoded, as datasets

        features = self.features
        if batched:
            return (decode_json_pandas(df.to_pandas(), features) for df in self._batches(batch_size or 1000))
        return decode_json_pandas(self._frame().to_pandas(), features)

    def to_list(self) -> list[dict[str, Any]]:
        data = formatting.format_batch(self._frame(), "python", self.features)
        keys = list(data)
        return [dict(zip(keys, vals, strict=True)) for vals in zip(*data.values(), strict=True)]

    def to_dict(self, batch_size: int | None = None, batched: bool = False) -> Any:
        """``{column: values}``; with ``batched=True`` an iterator of such dicts (``batch_size`` rows, default 1000)."""
        if batched:
            features = self.features
            return (
                formatting.format_batch(df, "python", features) for df in self._batches(batch_size or 1000)
            )
        return formatting.format_batch(self._frame(), "python", self.features)

    def to_parquet(
        self,
        path_or_buf: Any,
        batch_size: int | None = None,
        storage_options: dict[str, Any] | None = None,
        **parquet_writer_kwargs: Any,
    ) -> int:
        """Write the rows to parquet (a path, ``fsspec`` URL or binary buffer); returns the Arrow bytes written."""
        from polards.io.write import write_parquet

        return write_parquet(self, path_or_buf, batch_size, storage_options, **parquet_writer_kwargs)

    def to_json(
        self,
        path_or_buf: Any,
        batch_size: int | None = None,
        num_proc: int | None = None,
        storage_options: dict[str, Any] | None = None,
        **to_json_kwargs: Any,
    ) -> int:
        """Write JSON lines (or ``orient=``/``lines=False`` JSON, as pandas writes it); returns bytes written."""
        from polards.io.write import write_json

        return write_json(self, path_or_buf, batch_size, num_proc, storage_options, **to_json_kwargs)

    def to_csv(
        self,
        path_or_buf: Any,
        batch_size: int | None = None,
        num_proc: int | None = None,
        storage_options: dict[str, Any] | None = None,
        **to_csv_kwargs: Any,
    ) -> int:
        """Write CSV as ``datasets`` does (pandas' ``to_csv``, no index); returns bytes written."""
        from polards.io.write import write_csv

        return write_csv(self, path_or_buf, batch_size, num_proc, storage_options, **to_csv_kwargs)

    def save_to_disk(
        self,
        dataset_path: Any,
        max_shard_size: int | str | None = None,
        num_shards: int | None = None,
        num_proc: int | None = None,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        """Save in ``datasets``' layout (Arrow stream shards, ``state.json``, ``dataset_info.json``): either
        library loads the folder. ``dataset_path`` may be a ``Path`` or an fsspec URL (``memory://``...)."""
        from polards.dataset.disk import save_to_disk

        save_to_disk(self, dataset_path, max_shard_size, num_shards, num_proc, storage_options)

    @staticmethod
    def load_from_disk(
        dataset_path: Any, keep_in_memory: bool | None = None, storage_options: dict[str, Any] | None = None
    ) -> Dataset:
        """Load a dataset folder written by ``save_to_disk`` (polards' or ``datasets``')."""
        from polards.dataset.disk import load_from_disk

        out = load_from_disk(dataset_path, keep_in_memory, storage_options)
        if not isinstance(out, Dataset):
            raise FileNotFoundError(
                f"No such file: '{dataset_path}/state.json'. Expected to load a `Dataset` object, but got a "
                "`DatasetDict`. Please use either `polards.load_from_disk` or `DatasetDict.load_from_disk` instead."
            )
        return out

    def to_iterable_dataset(self, num_shards: int = 1) -> Any:
        from polards.dataset.iterable import IterableDataset

        n = len(self)
        div, mod = divmod(n, num_shards)  # datasets' contiguous shards: the first ``mod`` are one row longer
        starts = [div * i + min(i, mod) for i in range(num_shards + 1)]
        shards = [self.select(range(starts[i], starts[i + 1])).lazy() for i in range(num_shards)]
        return IterableDataset.from_shards(shards, self.features)

    # --------------------------------------------------------------------------------------------- formats
    def with_format(
        self,
        type: str | None = None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
        **format_kwargs: Any,
    ) -> Dataset:
        """A handle returning rows in ``type``; ``columns`` formats only those (the others are left out of rows
        unless ``output_all_columns``); the dataset keeps every column, as in ``datasets``."""
        fmt = formatting.check_format(type, columns, output_all_columns, self.column_names, **format_kwargs)
        out = Dataset(self._plan, self._features, format=fmt, split=self.split, info=self._info)
        out._memo = self._memo
        return out

    def set_format(
        self,
        type: str | None = None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
        **format_kwargs: Any,
    ) -> None:
        """In place, as in ``datasets`` (only rebinds this handle's format)."""
        self._format = formatting.check_format(
            type, columns, output_all_columns, self.column_names, **format_kwargs
        )

    def formatted_as(
        self,
        type: str | None = None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
        **format_kwargs: Any,
    ) -> Any:
        """``with ds.formatted_as("numpy"):`` sets the format inside the block and restores it after."""
        import contextlib

        @contextlib.contextmanager
        def scope() -> Iterator[None]:
            old = self._format
            self.set_format(type, columns, output_all_columns, **format_kwargs)
            try:
                yield
            finally:
                self._format = old

        return scope()

    def reset_format(self) -> None:
        self._format = "python"

    def set_transform(
        self,
        transform: Callable[[dict[str, list[Any]]], Any] | None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
    ) -> None:
        """In place: rows, batches and columns come as ``transform(python_batch)`` (``datasets``' ``"custom"``
        format); ``columns`` limits what the transform sees (the rest only with ``output_all_columns``).

        >>> from polards import Dataset
        >>> ds = Dataset.from_dict({"a": ["x", "y"], "n": [1, 2]})
        >>> ds.set_transform(lambda b: {k: [str(v).upper() for v in vs] for k, vs in b.items()}, columns=["a"])
        >>> ds[0], ds.format["type"]
        ({'a': 'X'}, 'custom')
        """
        self.set_format("custom", columns, output_all_columns, transform=transform)

    def with_transform(
        self,
        transform: Callable[[dict[str, list[Any]]], Any] | None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
    ) -> Dataset:
        """A new handle with ``set_transform(transform, columns, output_all_columns)``; this one is unchanged."""
        return self.with_format("custom", columns, output_all_columns, transform=transform)

    def align_labels_with_mapping(self, label2id: dict[str, int], label_column: str) -> Dataset:
        """Re-number a ``ClassLabel`` column to ``label2id`` (names compared lowercased), as ``datasets``."""
        from polards.dataset.dataset_dict import align_labels

        return align_labels(self, label2id, label_column)

    # ---------------------------------------------------------------------------------------------- rows
    def _check_indices(self, indices: Any) -> np.ndarray:
        idx = np.asarray(
            list(indices) if not isinstance(indices, np.ndarray | range) else indices, dtype=np.int64
        )
        n = len(self)
        if idx.size and (idx.max() >= n or idx.min() < -n):
            bad = int(idx[(idx >= n) | (idx < -n)][0])
            raise DatasetIndexError(f"Index {bad} out of range for dataset of size {n}.")
        return np.where(idx < 0, idx + n, idx)

    def select(self, indices: Iterable[int], **kw: Any) -> Dataset:
        """Rows at ``indices``, in that order (duplicates kept). A ``range`` with step 1 becomes a slice."""
        if isinstance(indices, range) and indices.step == 1:
            n = len(self)
            if indices.stop > n and len(indices):
                raise DatasetIndexError(f"Index {indices.stop - 1} out of range for dataset of size {n}.")
            return self._with(st.Slice(indices.start, len(indices)))
        return self._with(st.Gather(self._check_indices(indices)))

    def take(self, n: int) -> Dataset:
        return self._with(st.Slice(0, n))

    def repeat(self, num_times: int) -> Dataset:
        """The rows ``num_times`` over, in order (``num_times <= 0`` gives no rows), like ``datasets``."""
        if num_times is None:
            raise ValueError("Map style datasets do not support indefinite repetition.")
        times = max(int(num_times), 0)
        return self._with(st.Gather(np.tile(np.arange(len(self), dtype=np.int64), times), "repeat"))

    def skip(self, n: int) -> Dataset:
        return self._with(st.Slice(n, None))

    def shuffle(
        self, seed: int | None = None, generator: np.random.Generator | None = None, **kw: Any
    ) -> Dataset:
        """The same permutation as ``datasets``: ``np.random.default_rng(seed).permutation(len(self))``."""
        rng = generator if generator is not None else np.random.default_rng(seed)
        return self._with(st.Gather(rng.permutation(len(self)), "shuffle"))

    def sort(
        self,
        column_names: str | Sequence[str],
        reverse: bool | Sequence[bool] = False,
        null_placement: str = "at_end",
        **kw: Any,
    ) -> Dataset:
        cols = _as_list(column_names)
        missing = [c for c in cols if c not in self.column_names]
        if missing:
            msg = f"Column '{missing[0]}' not found in the dataset. Please provide a column selected in: {self.column_names}"
            raise ColumnNotFoundError.with_hint(msg, missing[0], self.column_names)
        desc = [reverse] * len(cols) if isinstance(reverse, bool) else list(reverse)
        return self._with(st.Sort(tuple(cols), tuple(desc), null_placement in ("at_end", "last")))

    def filter(
        self,
        function: Callable[..., Any] | pl.Expr | None = None,
        with_indices: bool = False,
        with_rank: bool = False,
        input_columns: str | Sequence[str] | None = None,
        batched: bool = False,
        batch_size: int | None = 1000,
        keep_in_memory: bool = False,
        load_from_cache_file: bool | None = None,
        cache_file_name: str | None = None,
        writer_batch_size: int | None = 1000,
        fn_kwargs: dict[str, Any] | None = None,
        num_proc: int | None = None,
        suffix_template: str = "_{rank:05d}_of_{num_proc:05d}",
        new_fingerprint: str | None = None,
        desc: str | None = None,
    ) -> Dataset:
        """Keep rows where ``function`` is true; a Polars expression runs as a native filter.

        ``datasets``' signature and semantics (see :mod:`polards.core.udf`): batches of exactly ``batch_size``
        rows, ``async def`` functions awaited, ``num_proc`` worker processes over contiguous shards. A Python
        function's result over a file-backed dataset is cached under the plan's fingerprint and reused by
        identical reruns (``load_from_cache_file=False`` recomputes; see :mod:`polards.core.map_cache`)."""
        from polards.core.map_workers import check_map_options

        num_proc = check_map_options(keep_in_memory, cache_file_name, num_proc, suffix_template)
        if function is None:
            return self
        if isinstance(function, pl.Expr):
            return self._with(st.Filter(function))
        step = make_step(
            function,
            features=self.features,
            with_indices=with_indices,
            input_columns=input_columns,
            batched=batched,
            batch_size=batch_size,
            fn_kwargs=fn_kwargs,
            is_filter=True,
            with_rank=with_rank,
            writer_batch_size=writer_batch_size,
            num_proc=num_proc,
            input_format=(self._format, self.features),  # a formatted dataset passes formatted inputs
        )
        map_cache.set_options(
            step,
            load_from_cache_file,
            cache_file_name,
            keep_in_memory=keep_in_memory,
            fingerprint=new_fingerprint,
            suffix_template=suffix_template,
        )
        step.memo["desc"] = desc
        out = self._with(step)
        if step.num_proc:  # as datasets, the workers run at filter() time (one that dies raises here)
            out.lazy()
        return out

    def map(
        self,
        function: Callable[..., Any] | Mapping[str, pl.Expr] | Sequence[pl.Expr] | pl.Expr | None = None,
        with_indices: bool = False,
        with_rank: bool = False,
        input_columns: str | Sequence[str] | None = None,
        batched: bool = False,
        batch_size: int | None = 1000,
        drop_last_batch: bool = False,
        remove_columns: str | Sequence[str] | None = None,
        keep_in_memory: bool = False,
        load_from_cache_file: bool | None = None,
        cache_file_name: str | None = None,
        writer_batch_size: int | None = 1000,
        features: Features | None = None,
        disable_nullable: bool = False,
        fn_kwargs: dict[str, Any] | None = None,
        num_proc: int | None = None,
        suffix_template: str = "_{rank:05d}_of_{num_proc:05d}",
        new_fingerprint: str | None = None,
        desc: str | None = None,
        try_original_type: bool | None = True,
        on_mixed_types: str | None = "use_json",
    ) -> Dataset:
        """``datasets``' ``map`` (same signature and semantics, see :mod:`polards.core.udf`).

        Polars expressions (a dict name -> expr, or exprs) compile to ``with_columns``; a Python function runs
        per batch of exactly ``batch_size`` python rows (per row unless ``batched=True``), in ``num_proc``
        worker processes over contiguous shards when asked; its result over a file-backed dataset is cached
        under the plan's fingerprint (``load_from_cache_file``, ``cache_file_name`` as in ``datasets``).
        ``disable_nullable=True`` raises NotImplementedError (Polars columns have no nullability)."""
        from polards.core.map_workers import check_map_options

        num_proc = check_map_options(keep_in_memory, cache_file_name, num_proc, suffix_template)
        if disable_nullable:
            raise NotImplementedError("map(disable_nullable=True): polards columns have no nullability flag")
        if on_mixed_types not in ("use_json", None):
            raise InvalidArgumentError(f"on_mixed_types must be 'use_json' or None, got {on_mixed_types!r}")
        remove = _as_list(remove_columns)
        self._require(remove)
        if function is None:
            out = self.remove_columns(remove) if remove else self
            if cache_file_name is not None:  # datasets writes the rows there, now
                from polards.dataset.cache import to_cache_file

                return to_cache_file(self, out, os.fspath(cache_file_name), load_from_cache_file)
            if keep_in_memory:  # datasets copies the rows into an in-memory table
                from polards.dataset.cache import load_into_memory

                return load_into_memory(out)
        elif (exprs := as_exprs(function)) is not None:
            out = self._with(st.WithColumns(tuple(exprs), "map"))
            kept = [
                c for c in remove if c not in [e.meta.output_name(raise_if_undetermined=False) for e in exprs]
            ]
            out = out.remove_columns(kept) if kept else out
        else:
            step = make_step(
                function,
                features=self.features,
                with_indices=with_indices,
                input_columns=input_columns,
                batched=batched,
                batch_size=batch_size,
                fn_kwargs=fn_kwargs,
                remove=tuple(remove),
                drop_last_batch=drop_last_batch,
                with_rank=with_rank,
                try_original_type=try_original_type,
                writer_batch_size=writer_batch_size,
                num_proc=num_proc,
                on_mixed_types=on_mixed_types,
                input_format=(self._format, self.features),  # a formatted dataset passes formatted inputs
            )
            explicit = cache_file_name is not None  # written below, at map() time, in datasets' layout
            map_cache.set_options(
                step,
                load_from_cache_file,
                None if explicit else cache_file_name,
                keep_in_memory=keep_in_memory or explicit,
                fingerprint=new_fingerprint,
                suffix_template=suffix_template,
            )
            step.memo["desc"] = desc
            out = self._with(step)
            out._memo["features_hint"] = MapFeatures(self, step)  # Json columns, returned tables' types
            if step.num_proc:  # as datasets, the workers run at map() time (one that dies raises here)
                out.lazy()
            if explicit:
                from polards.dataset.cache import to_cache_file

                out = out.cast(features) if features is not None else out
                return to_cache_file(self, out, os.fspath(cache_file_name), load_from_cache_file)
        return out.cast(features) if features is not None else out

    def with_columns(self, *exprs: pl.Expr, **named: pl.Expr) -> Dataset:
        """Add or replace columns with Polars expressions."""
        return self._with(st.WithColumns((*exprs, *(e.alias(k) for k, e in named.items())), "with_columns"))

    def map_schema(
        self, mapper: Callable[[pl.LazyFrame], pl.LazyFrame], *, preserves_len: bool = False
    ) -> Dataset:
        """Apply a schema mapper (``LazyFrame -> LazyFrame``); uses ``mapper.features`` when it has them."""
        label = getattr(mapper, "__name__", None) or type(mapper).__name__
        feats = getattr(mapper, "features", None)
        row_local = getattr(mapper, "row_local", True)
        return self._with(st.LazyFn(mapper, label, preserves_len, row_local), features=feats)

    def unique(self, column: str) -> list[Any]:
        """The distinct values of a column, in order of first appearance."""
        self._require([column])
        return (
            self.lazy()
            .select(pl.col(column).unique(maintain_order=True))
            .collect()
            .get_column(column)
            .to_list()
        )

    def shard(self, num_shards: int, index: int, contiguous: bool = True, **kw: Any) -> Dataset:
        if not 0 <= index < num_shards:
            raise InvalidArgumentError("index should be in [0, num_shards-1]")
        n = len(self)
        if contiguous:
            div, mod = divmod(n, num_shards)
            start = div * index + min(index, mod)
            return self.select(range(start, start + div + (1 if index < mod else 0)))
        return self.select(np.arange(index, n, num_shards))

    def batch(
        self,
        batch_size: int | None = None,
        by_column: str | Sequence[str] | None = None,
        drop_last_batch: bool = False,
        num_proc: int | None = None,
        new_fingerprint: str | None = None,
    ) -> Dataset:
        """Each row becomes a batch (columns become lists): of ``batch_size`` rows, or with ``by_column`` of a
        run of consecutive rows sharing the value(s) of that column (or columns), as ``datasets``.

        >>> from polards import Dataset
        >>> Dataset.from_dict({"k": ["a", "a", "b", "a"], "v": [1, 2, 3, 4]}).batch(by_column="k")["v"]
        [[1, 2], [3], [4]]
        """
        if batch_size is None and by_column is None:
            raise InvalidArgumentError("IterableDataset.batch() misses `batch_size` or `by_column` argument.")
        if by_column is not None and num_proc:
            raise NotImplementedError("Multiprocessed batching by column is not implemented yet")
        cols = self.column_names
        keys = _as_list(by_column)
        missing = [k for k in keys if k not in cols]
        if missing:  # datasets fails looking the column up in the Arrow table: a KeyError
            from polards.exceptions import FeatureNotFoundError

            raise FeatureNotFoundError(f"batch(by_column=...): column {missing[0]!r} not in {cols}")
        if keys:
            # a new run starts where any key differs from the row before (a null never starts one, as in datasets)
            starts = pl.any_horizontal([(pl.col(k) != pl.col(k).shift(1)).fill_null(False) for k in keys])
            grp = starts.cum_sum()
        else:  # batch_size <= 0: the whole dataset is one batch, as datasets' map(batch_size <= 0)
            grp = pl.lit(0)

        def batcher(lf: pl.LazyFrame) -> pl.LazyFrame:
            if not keys and batch_size > 0:  # streamed, a chunk of whole batches at a time
                return fixed_batches(lf, batch_size, drop_last_batch)
            lf = lf.with_columns(grp.alias(st.INDEX_COLUMN))
            if keys and drop_last_batch and batch_size:
                # datasets drops the last short input batch, and then the run still open at its end
                n = pl.len()
                short = (n % batch_size != 0).alias(_BATCH_SHORT)
                lf = lf.with_columns(short).filter(pl.int_range(pl.len()) < n - n % batch_size)
                last_run = pl.col(st.INDEX_COLUMN) == pl.col(st.INDEX_COLUMN).max()
                lf = lf.filter(~(pl.col(_BATCH_SHORT) & last_run))
            return lf.group_by(st.INDEX_COLUMN, maintain_order=True).agg(cols).drop(st.INDEX_COLUMN)

        from polards.features import List

        feats = Features({c: List(f) for c, f in self.features.items()})  # ClassLabel kept, as datasets
        label = f"batch(by_column={keys})" if keys else f"batch({batch_size})"
        return self._with(st.LazyFn(batcher, label, row_local=False), features=feats)

    def train_test_split(
        self,
        test_size: float | int | None = None,
        train_size: float | int | None = None,
        shuffle: bool = True,
        stratify_by_column: str | None = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
        **kw: Any,
    ) -> Any:
        from polards.dataset.split import train_test_split

        return train_test_split(self, test_size, train_size, shuffle, stratify_by_column, seed, generator)

    def add_item(self, item: Mapping[str, Any], new_fingerprint: str | None = None) -> Dataset:
        """One more row at the end; new keys become columns, as ``datasets`` (see ``combine.add_item``)."""
        from polards.dataset.combine import add_item

        return add_item(self, dict(item))

    # ------------------------------------------------------------------------------------------- columns
    def select_columns(self, column_names: str | Sequence[str], **kw: Any) -> Dataset:
        cols = _as_list(column_names)
        missing = [c for c in cols if c not in self.column_names]
        if missing:
            msg = f"Column name {missing} not in the dataset. Current columns in the dataset: {self.column_names}."
            raise ColumnNotFoundError.with_hint(msg, missing[0], self.column_names)
        return self._with(st.Project(tuple(cols)), features=Features({c: self.features[c] for c in cols}))

    def remove_columns(self, column_names: str | Sequence[str], **kw: Any) -> Dataset:
        cols = _as_list(column_names)
        missing = [c for c in cols if c not in self.column_names]
        if missing:
            msg = f"Column name {missing} not in the dataset. Current columns in the dataset: {self.column_names}"
            raise ColumnNotFoundError.with_hint(msg, missing[0], self.column_names)
        keep = [c for c in self.column_names if c not in cols]
        return self._with(st.Project(tuple(keep)), features=Features({c: self.features[c] for c in keep}))

    def rename_column(self, original_column_name: str, new_column_name: str, **kw: Any) -> Dataset:
        return self.rename_columns({original_column_name: new_column_name})

    def rename_columns(self, column_mapping: Mapping[str, str], **kw: Any) -> Dataset:
        for old, new in column_mapping.items():
            if old not in self.column_names:
                msg = f"Original column name {old} not in the dataset. Current columns in the dataset: {self.column_names}"
                raise ColumnNotFoundError.with_hint(msg, old, self.column_names)
            if new in self.column_names and new not in column_mapping:
                msg = (
                    f"New column name {new} already in the dataset. Please choose a column name which is not already "
                    f"in the dataset. Current columns in the dataset: {self.column_names}"
                )
                raise ColumnExistsError(msg)
        feats = Features({column_mapping.get(k, k): v for k, v in self.features.items()})
        out = self._with(st.Rename(tuple(column_mapping.items())), features=feats)
        if isinstance(self._format, formatting.FormatSpec):  # a formatted column stays formatted, renamed
            out._format = self._format.renamed(column_mapping)
        return out

    def add_column(
        self, name: str, column: Sequence[Any] | pl.Series | np.ndarray, feature: Any = None, **kw: Any
    ) -> Dataset:
        if name in self.column_names:
            raise ColumnExistsError(
                f"The table can't have duplicated columns but columns [{name!r}] are duplicated."
            )
        values = (
            pl.Series(name, column, strict=False) if not isinstance(column, pl.Series) else column.alias(name)
        )
        if len(values) != len(self):
            raise InvalidArgumentError(
                f"Column {name!r} has {len(values)} values but the dataset has {len(self)} rows."
            )
        if feature is not None:
            values = values.cast(to_polars_dtype(feature))
        right = (st.Source(values.to_frame().lazy(), f"column {name}"),)
        feats = Features({**self.features, name: feature}) if feature is not None else None
        out = self._with(plan=(st.Concat((self._plan, right), axis=1),), features=feats)
        return (
            out
            if feats is not None
            else out._with_features(self.features.reconcile(out.lazy().collect_schema()))
        )

    def cast(
        self,
        features: Features,
        batch_size: int | None = 1000,
        keep_in_memory: bool = False,
        load_from_cache_file: bool | None = None,
        cache_file_name: str | None = None,
        writer_batch_size: int | None = 1000,
        num_proc: int | None = None,
    ) -> Dataset:
        """Cast to ``features`` (columns take the features' order), with ``datasets``' safe-cast rules: a lossy
        float -> int, an overflow or an unknown label raises ``ValueError`` now, naming the column."""
        from polards.features.cast import plan_cast

        features = features if isinstance(features, Features) else Features(features)
        if sorted(features) != sorted(self.column_names):
            msg = f"The columns in features ({list(features)}) must be identical as the columns in the dataset: {self.column_names}"
            raise InvalidArgumentError(msg)
        lf = self.lazy()
        plan = plan_cast(lf, self.features, features)
        plan.validate(lf)
        out = self
        if plan.exprs:
            changed = Features({**self.features, **{k: features[k] for k in plan.targets}})
            out = self._with(st.WithColumns(tuple(plan.exprs), "cast"), features=changed)
        if list(features) != self.column_names:
            out = out._with(st.Project(tuple(features)), features=features)
        return out._with_features(features) if out is not self else self._with_features(features)

    def cast_column(self, column: str, feature: Any, new_fingerprint: str | None = None) -> Dataset:
        """Cast one column to ``feature`` (see :meth:`cast`); between media features only ``decode`` changes."""
        if column not in self.column_names:
            msg = f"The columns in features ({[*self.column_names, column]}) must be identical as the columns in the dataset: {self.column_names}"
            raise ColumnNotFoundError(msg)
        return self.cast(Features({**self.features, column: feature}))

    def class_encode_column(self, column: str, include_nulls: bool = False) -> Dataset:
        """Turn a column into a ``ClassLabel`` as ``datasets`` does: the names are the sorted ``str()`` of the
        distinct values (``True`` -> ``"True"``); nulls stay null unless ``include_nulls`` (then ``"None"``)."""
        from polards.features import Value

        if column not in self.column_names:
            raise ColumnNotFoundError(f"Column ({column}) not in table columns ({self.column_names}).")
        src = self.features[column]
        if not isinstance(src, Value):
            msg = f"Class encoding is only supported for Value column, and column {column} is {type(src).__name__}."
            raise InvalidArgumentError(msg)
        values = self.lazy().select(pl.col(column).unique()).collect().get_column(column).to_list()
        has_null = any(v is None for v in values)
        present = [v for v in values if v is not None]
        names = sorted({str(v) for v in present} | ({"None"} if include_nulls and has_null else set()))
        index = {n: i for i, n in enumerate(names)}
        expr = pl.col(column).replace_strict(
            present, [index[str(v)] for v in present], default=None, return_dtype=pl.Int64
        )
        if include_nulls and has_null:
            expr = pl.when(pl.col(column).is_null()).then(pl.lit(index["None"], pl.Int64)).otherwise(expr)
        return self._with(
            st.WithColumns((expr.alias(column),), "class_encode_column"),
            features=Features({**self.features, column: ClassLabel(names=names)}),
        )

    def flatten(self, new_fingerprint: str | None = None, max_depth: int = 16) -> Dataset:
        """Struct columns become ``parent.child`` columns in place, ``max_depth - 1`` levels deep (``datasets``'
        depth rule: ``max_depth=2`` flattens one level)."""

        def expand(name: str, feat: Any, expr: pl.Expr, levels: int) -> list[tuple[str, Any, pl.Expr]]:
            if levels <= 0 or not isinstance(feat, dict):
                return [(name, feat, expr)]
            out = []
            for sub, f in feat.items():
                out.extend(expand(f"{name}.{sub}", f, expr.struct.field(sub), levels - 1))
            return out

        cols = [c for k, v in self.features.items() for c in expand(k, v, pl.col(k), max(0, max_depth - 1))]
        if all(name in self.features for name, _, _ in cols):
            return self
        exprs = [e.alias(name) for name, _, e in cols]
        return self._with(
            st.LazyFn(lambda lf, e=exprs: lf.select(e), "flatten", True),
            features=Features({name: f for name, f, _ in cols}),
        )

    # ---------------------------------------------------------------------------------------------- cache
    def cache(self, cache_dir: str | None = None) -> Dataset:
        """Materialise the plan once to an Arrow IPC file and scan it memory-mapped (lazy API kept)."""
        from polards.dataset.cache import cache_dataset

        return cache_dataset(self, cache_dir)

    def cleanup_cache_files(self) -> int:
        from polards.dataset.cache import cleanup_cache_files

        return cleanup_cache_files(self)

    @property
    def cache_files(self) -> list[dict[str, str]]:
        """The Arrow files this dataset's rows are read from, as ``datasets``: ``[{"filename": path}, ...]``
        (``from_file``/``load_from_disk``/``cache()`` files and map/filter cache files; a scanned parquet,
        json or csv source has none). Writes the pending cache entries of file-backed Python steps first
        (``datasets`` wrote them at ``map()`` time): see :func:`polards.dataset.cache.cache_files`."""
        from polards.dataset.cache import cache_files

        return [{"filename": f} for f in cache_files(self)]

    @property
    def dataset_size(self) -> int | None:
        """``info.dataset_size``: the Arrow bytes of the loaded splits in ``datasets``' types (``None`` without
        an info that knows it; measured on first use for ``load_dataset`` results: :mod:`polards.loading.sizes`)."""
        return getattr(self.info, "dataset_size", None)

    @property
    def download_size(self) -> int | None:
        """``info.download_size``: the bytes of the data files ``load_dataset`` read (``None`` if unknown)."""
        return getattr(self.info, "download_size", None)

    @property
    def size_in_bytes(self) -> int | None:
        """``info.size_in_bytes``: ``dataset_size + download_size`` (``None`` if both are unknown)."""
        return getattr(self.info, "size_in_bytes", None)

    @property
    def _fingerprint(self) -> str | None:
        """A hash of the plan (source files, step parameters, function code), as ``datasets``' fingerprint."""
        from polards.core.fingerprint import fingerprint_plan

        return fingerprint_plan(self._plan)

    def push_to_hub(
        self,
        repo_id: str,
        config_name: str = "default",
        set_default: bool | None = None,
        split: str | None = None,
        data_dir: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        private: bool | None = None,
        token: str | None = None,
        revision: str | None = None,
        create_pr: bool | None = False,
        max_shard_size: int | str | None = None,
        num_shards: int | None = None,
        embed_external_files: bool = True,
        num_proc: int | None = None,
    ) -> Any:
        """Publish this dataset as split ``split`` (default: its own split, else ``"train"``) of config
        ``config_name`` of the Hub repo ``repo_id``, as ``datasets`` does (parquet shards under ``data/`` or the
        config's folder, README card with ``dataset_info`` and ``configs``). Returns huggingface_hub's
        ``CommitInfo``. See :mod:`polards.hub.push`.
        """
        from polards.hub.push import push_splits

        name = split or (str(self.split) if getattr(self, "split", None) else "train")
        return push_splits(
            {name: self},
            repo_id,
            config_name=config_name,
            set_default=set_default,
            data_dir=data_dir,
            commit_message=commit_message,
            commit_description=commit_description,
            private=private,
            token=token,
            revision=revision,
            create_pr=create_pr,
            max_shard_size=max_shard_size,
            num_shards=num_shards,
            embed_external_files=embed_external_files,
            num_proc=num_proc,
        )

    def to_ray(self, **kw: Any) -> Any:
        """A ``ray.data.Dataset`` over the same files (see :func:`polards.distributed.to_ray`; needs Ray)."""
        from polards.distributed.ray import to_ray

        return to_ray(self, **kw)

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__

    def __enter__(self) -> Dataset:
        """``with Dataset.from_dict(...) as ds:`` like ``datasets`` (nothing to release: plans hold no files open)."""
        return self

    def __exit__(self, *exc: object) -> None:
        return None
