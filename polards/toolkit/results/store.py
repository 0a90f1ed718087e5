"""A local store of evaluation runs: one parquet file of per-item rows per run, and a SQLite catalog.

Layout under the store's root folder::

    catalog.sqlite          runs(run_id, created_at, dataset, config, split, revision, model, n, params, ...)
                            metrics(run_id, name, value)
    items/<run_id>.parquet  per-item outputs and scores of one run (column ``item`` = position in the run)

Appends are atomic and crash-safe. The items file is written to a temporary name in the same folder, fsynced,
renamed into place and the folder fsynced; only then is the catalog row inserted in one SQLite transaction.
A writer killed at any point leaves either a complete run or no visible run (at worst an orphan file that
:meth:`ResultStore.gc` removes); earlier runs are never touched. SQLite runs in WAL mode with a busy timeout,
so several processes can append at once.

Examples
--------
>>> import tempfile
>>> store = ResultStore(tempfile.mkdtemp())
>>> run = store.append(dataset="openai/gsm8k", model="m1", metrics={"accuracy": 0.5},
...                    items={"id": ["q1", "q2"], "correct": [True, False]})
>>> store.runs().select("model", "accuracy").rows()
[('m1', 0.5)]
>>> store.items(run)["correct"].to_list()
[True, False]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from polards.exceptions import InvalidArgumentError, ResultStoreError

__all__ = ["ResultStore", "default_results_dir"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id     TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    dataset    TEXT,
    config     TEXT,
    split      TEXT,
    revision   TEXT,
    model      TEXT,
    n          INTEGER,
    params     TEXT NOT NULL DEFAULT '{}',
    timings    TEXT NOT NULL DEFAULT '{}',
    items_file TEXT,
    items_sha  TEXT
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    name   TEXT NOT NULL,
    value  REAL,
    PRIMARY KEY (run_id, name)
);
CREATE INDEX IF NOT EXISTS runs_by_dataset ON runs(dataset, config, split);
CREATE INDEX IF NOT EXISTS runs_by_model ON runs(model);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs(created_at);
"""
_RUN_COLUMNS = ["run_id", "created_at", "dataset", "config", "split", "revision", "model", "n", "params"]
ITEM_INDEX = "item"


def default_results_dir() -> Path:
    """``$POLARDS_RESULTS`` or ``$XDG_DATA_HOME/polards/results`` (``~/.local/share/polards/results``)."""
    if env := os.environ.get("POLARDS_RESULTS"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "polards" / "results"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _as_items(items: Any) -> pl.DataFrame | None:
    if items is None:
        return None
    if isinstance(items, pl.LazyFrame):
        items = items.collect()
    elif isinstance(items, Mapping):
        items = pl.DataFrame(dict(items))
    elif isinstance(items, list):
        items = pl.DataFrame(items)
    elif not isinstance(items, pl.DataFrame) and hasattr(items, "to_polars"):
        items = items.to_polars()
    if not isinstance(items, pl.DataFrame):
        raise InvalidArgumentError(
            f"items must be a DataFrame, a dict of columns or a list of rows, not {type(items).__name__}."
        )
    if ITEM_INDEX not in items.columns:
        items = items.with_row_index(ITEM_INDEX)
    return items


def _as_timestamp(value: dt.datetime | str | None) -> str:
    if value is None:
        return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def _metric_value(name: str, value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"Metric {name!r} must be a number, got {value!r}.") from None
    return None if math.isnan(number) else number


class ResultStore:
    """Evaluation runs kept under ``root`` (default :func:`default_results_dir`).

    Parameters
    ----------
    root
        The results folder; created when missing.
    timeout
        Seconds a writer waits for another writer's lock before failing with :class:`ResultStoreError`.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None, *, timeout: float = 60.0) -> None:
        self.root = Path(root).expanduser() if root is not None else default_results_dir()
        self.timeout = timeout
        self.items_dir = self.root / "items"
        try:
            self.items_dir.mkdir(parents=True, exist_ok=True)
            with self._connect() as con:
                con.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ResultStoreError(f"Cannot open the result store at {str(self.root)!r}: {exc}") from exc

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r})"

    # -------------------------------------------------------------------------------------------- sqlite
    @property
    def catalog_path(self) -> Path:
        return self.root / "catalog.sqlite"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.catalog_path, timeout=self.timeout, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            # WAL lets readers run beside one writer; FULL sync makes a committed run survive power loss.
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = FULL")
            con.execute("PRAGMA foreign_keys = ON")
            yield con
        finally:
            con.close()

    # -------------------------------------------------------------------------------------------- writing
    def append(
        self,
        result: Any = None,
        *,
        dataset: str | None = None,
        config: str | None = None,
        split: str | None = None,
        revision: str | None = None,
        model: str | None = None,
        metrics: Mapping[str, Any] | None = None,
        items: Any = None,
        params: Mapping[str, Any] | None = None,
        timings: Mapping[str, float] | None = None,
        n: int | None = None,
        run_id: str | None = None,
        created_at: dt.datetime | str | None = None,
    ) -> str:
        """Add one run and return its id.

        ``result`` may be an evaluation result record (from :func:`polards.eval.evaluate`): its metric values,
        per-item scores, ``n`` and timings are used unless given explicitly.
        """
        if result is not None:
            found = _from_result(result)
            metrics = metrics if metrics is not None else found.get("metrics")
            items = items if items is not None else found.get("items")
            timings = timings if timings is not None else found.get("timings")
            params = params if params is not None else found.get("params")
            n = n if n is not None else found.get("n")
            dataset = dataset if dataset is not None else found.get("dataset")
            config = config if config is not None else found.get("config")
            split = split if split is not None else found.get("split")
            revision = revision if revision is not None else found.get("revision")
            model = model if model is not None else found.get("model")
        run_id = run_id or f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        if not run_id.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise InvalidArgumentError(f"run_id {run_id!r} may hold only letters, digits, '-', '_' and '.'.")
        values = {str(k): _metric_value(str(k), v) for k, v in (metrics or {}).items()}
        frame = _as_items(items)
        n = n if n is not None else (frame.height if frame is not None else None)
        try:
            params_json = json.dumps(dict(params or {}), sort_keys=True, default=str)
            timings_json = json.dumps(dict(timings or {}), sort_keys=True, default=str)
        except (TypeError, ValueError) as exc:
            raise InvalidArgumentError(f"params of run {run_id!r} are not JSON-serialisable: {exc}") from exc

        items_file = sha = None
        if frame is not None:
            items_file, sha = self._write_items(run_id, frame)
        _crash_point("after_items")
        row = (run_id, _as_timestamp(created_at), dataset, config, split, revision, model, n)
        try:
            with self._connect() as con:
                con.execute("BEGIN IMMEDIATE")
                try:
                    con.execute(
                        "INSERT INTO runs (run_id, created_at, dataset, config, split, revision, model, n,"
                        " params, timings, items_file, items_sha) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (*row, params_json, timings_json, items_file, sha),
                    )
                    con.executemany(
                        "INSERT INTO metrics (run_id, name, value) VALUES (?,?,?)",
                        [(run_id, k, v) for k, v in values.items()],
                    )
                    _crash_point("before_commit")
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
        except sqlite3.IntegrityError as exc:
            raise ResultStoreError(f"Run {run_id!r} already exists in {str(self.root)!r}.") from exc
        except sqlite3.Error as exc:
            raise ResultStoreError(
                f"Could not record run {run_id!r} in {str(self.catalog_path)!r}: {exc}"
            ) from exc
        return run_id

    def _write_items(self, run_id: str, frame: pl.DataFrame) -> tuple[str, str]:
        final = self.items_dir / f"{run_id}.parquet"
        if final.exists():
            raise ResultStoreError(f"Run {run_id!r} already has an items file at {str(final)!r}.")
        tmp = self.items_dir / f".tmp-{run_id}-{os.getpid()}-{uuid.uuid4().hex[:6]}.parquet"
        try:
            with open(tmp, "wb") as fh:
                frame.write_parquet(fh)
                _crash_point("mid_items")
                fh.flush()
                os.fsync(fh.fileno())
            sha = _sha256(tmp)
            _publish(tmp, final, run_id)
            _fsync_dir(self.items_dir)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        return final.name, sha

    def delete(self, run_id: str) -> None:
        """Remove a run from the catalog, then its items file."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            found = con.execute("SELECT items_file FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if found is None:
                con.execute("ROLLBACK")
                raise ResultStoreError(self._unknown(run_id))
            con.execute("DELETE FROM metrics WHERE run_id = ?", (run_id,))
            con.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            con.execute("COMMIT")
        if found[0]:
            with contextlib.suppress(FileNotFoundError):
                (self.items_dir / found[0]).unlink()

    def gc(self, *, older_than: float = 3600.0) -> list[Path]:
        """Delete temporary and orphan items files (no catalog row) older than ``older_than`` seconds."""
        with self._connect() as con:
            known = {r[0] for r in con.execute("SELECT items_file FROM runs WHERE items_file IS NOT NULL")}
        removed = []
        cutoff = time.time() - older_than
        for path in self.items_dir.iterdir():
            if path.name not in known and path.stat().st_mtime < cutoff:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
        return removed

    # -------------------------------------------------------------------------------------------- reading
    def runs(
        self,
        *,
        dataset: str | None = None,
        config: str | None = None,
        split: str | None = None,
        model: str | None = None,
        metric: str | None = None,
        since: dt.datetime | str | None = None,
        until: dt.datetime | str | None = None,
    ) -> pl.DataFrame:
        """The runs matching every given filter, oldest first, one column per metric.

        ``model`` and ``dataset`` accept SQL ``LIKE`` wildcards (``%``, ``_``); ``metric`` keeps runs that
        recorded that metric; ``since``/``until`` bound ``created_at`` (ISO strings or datetimes).
        """
        where, args = [], []
        for column, value in (("dataset", dataset), ("config", config), ("split", split), ("model", model)):
            if value is not None:
                where.append(f"{column} LIKE ?" if column in ("dataset", "model") else f"{column} = ?")
                args.append(value)
        if metric is not None:
            where.append("run_id IN (SELECT run_id FROM metrics WHERE name = ?)")
            args.append(metric)
        if since is not None:
            where.append("created_at >= ?")
            args.append(_as_timestamp(since))
        if until is not None:
            where.append("created_at <= ?")
            args.append(_as_timestamp(until))
        sql = f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        sql += " ORDER BY created_at, run_id"
        with self._connect() as con:
            rows = con.execute(sql, args).fetchall()
            ids = [r[0] for r in rows]
            metric_rows = con.execute("SELECT run_id, name, value FROM metrics ORDER BY name").fetchall()
        schema = {c: pl.String for c in _RUN_COLUMNS} | {"n": pl.Int64}
        frame = pl.DataFrame(rows, schema=schema, orient="row")
        frame = frame.with_columns(pl.col("created_at").str.to_datetime(time_zone="UTC", time_unit="us"))
        wanted = set(ids)
        long = pl.DataFrame(
            [r for r in metric_rows if r[0] in wanted],
            schema={"run_id": pl.String, "name": pl.String, "value": pl.Float64},
            orient="row",
        )
        if long.height:
            wide = long.pivot(on="name", index="run_id", values="value", sort_columns=True)
            wide = wide.rename(
                {c: f"metric_{c}" for c in wide.columns if c in _RUN_COLUMNS and c != "run_id"}
            )
            frame = frame.join(wide, on="run_id", how="left", maintain_order="left")
        return frame

    def metrics(self, **filters: Any) -> pl.DataFrame:
        """The runs' metric values in long form: run_id, created_at, dataset, model, metric, value."""
        runs = self.runs(**filters)
        with self._connect() as con:
            rows = con.execute("SELECT run_id, name, value FROM metrics").fetchall()
        long = pl.DataFrame(
            rows, schema={"run_id": pl.String, "metric": pl.String, "value": pl.Float64}, orient="row"
        )
        keep = runs.select("run_id", "created_at", "dataset", "config", "split", "model")
        return keep.join(long, on="run_id", how="inner", maintain_order="left")

    def run(self, run_id: str) -> dict[str, Any]:
        """One run's catalog record: metadata, ``metrics`` dict, ``params`` and ``timings`` dicts."""
        run_id = self.resolve(run_id)
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            row = dict(con.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone())
            metrics = dict(
                con.execute(
                    "SELECT name, value FROM metrics WHERE run_id = ? ORDER BY name", (run_id,)
                ).fetchall()
            )
        row["params"] = json.loads(row["params"])
        row["timings"] = json.loads(row["timings"])
        row["metrics"] = metrics
        return row

    def resolve(self, run_id: str) -> str:
        """The full id of a run given its id, a unique prefix of it, or ``"latest"``/``"latest~N"``."""
        with self._connect() as con:
            if run_id == "latest" or run_id.startswith("latest~"):
                back = int(run_id.partition("~")[2] or 0)
                found = con.execute(
                    "SELECT run_id FROM runs ORDER BY created_at DESC, run_id DESC LIMIT 1 OFFSET ?", (back,)
                ).fetchall()
            else:
                pattern = run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                found = con.execute(
                    "SELECT run_id FROM runs WHERE run_id LIKE ? ESCAPE '\\'", (pattern,)
                ).fetchall()
                exact = [r for r in found if r[0] == run_id]
                found = exact or found
        if len(found) != 1:
            raise ResultStoreError(
                self._unknown(run_id)
                if not found
                else f"Run id prefix {run_id!r} is ambiguous: {[r[0] for r in found][:5]}."
            )
        return str(found[0][0])

    def _unknown(self, run_id: str) -> str:
        return f"No run {run_id!r} in the result store at {str(self.root)!r}. Hint: `polards results ls` lists runs."

    def items(self, run_id: str, *, verify: bool = False) -> pl.DataFrame:
        """The per-item rows of one run (an empty frame if it recorded none)."""
        return self.scan_items(run_id, verify=verify).collect()

    def scan_items(self, run_id: str, *, verify: bool = False) -> pl.LazyFrame:
        """The per-item rows of one run as a lazy scan of its parquet file."""
        record = self.run(run_id)
        if not record["items_file"]:
            return pl.LazyFrame({ITEM_INDEX: []}, schema={ITEM_INDEX: pl.UInt32})
        path = self.items_dir / record["items_file"]
        if not path.exists():
            raise ResultStoreError(f"Items file of run {record['run_id']!r} is missing: {str(path)!r}.")
        if verify and _sha256(path) != record["items_sha"]:
            raise ResultStoreError(
                f"Items file of run {record['run_id']!r} does not match its checksum: {str(path)!r}."
            )
        return pl.scan_parquet(path)

    def verify(self) -> list[str]:
        """Problems found: runs whose items file is missing or fails its checksum (empty list when sound)."""
        problems = []
        with self._connect() as con:
            if (check := con.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
                problems.append(f"catalog: {check}")
            rows = con.execute(
                "SELECT run_id, items_file, items_sha FROM runs WHERE items_file IS NOT NULL"
            ).fetchall()
        for run_id, name, sha in rows:
            path = self.items_dir / name
            if not path.exists():
                problems.append(f"{run_id}: items file missing")
            elif _sha256(path) != sha:
                problems.append(f"{run_id}: items file checksum mismatch")
        return problems

    # -------------------------------------------------------------------------------------------- comparing
    def compare(
        self,
        run_a: str,
        run_b: str,
        *,
        on: str | None = None,
        score: str | None = None,
    ) -> pl.DataFrame:
        """Align two runs item by item and say which items flipped.

        Parameters
        ----------
        on
            Key column present in both runs' items (default: ``id`` if both have it, else the item position).
        score
            The per-item score column (default: the first column both runs share among ``correct``, ``score``,
            ``exact_match``, else the first shared numeric or boolean column).

        Returns
        -------
        pl.DataFrame
            ``key``, ``score_a``, ``score_b``, ``delta`` and ``change`` (``"gained"``, ``"lost"``,
            ``"same"``, ``"only_a"``, ``"only_b"``), plus the other columns both runs hold: once when equal in
            both runs, else as ``<col>_a`` and ``<col>_b``.
        """
        a, b = self.items(run_a), self.items(run_b)
        return compare_items(a, b, on=on, score=score)

    def compare_summary(self, run_a: str, run_b: str, **kwargs: Any) -> dict[str, int]:
        """Counts of each ``change`` value of :meth:`compare`."""
        table = self.compare(run_a, run_b, **kwargs)
        counts = dict(table.group_by("change").len().iter_rows())
        return {k: int(counts.get(k, 0)) for k in ("gained", "lost", "same", "only_a", "only_b")}


_SCORE_PREFERENCE = ("correct", "score", "exact_match", "em", "accuracy", "f1", "reward")


def compare_items(
    a: pl.DataFrame, b: pl.DataFrame, *, on: str | None = None, score: str | None = None
) -> pl.DataFrame:
    """Item-by-item comparison of two runs' items (see :meth:`ResultStore.compare`).

    >>> a = pl.DataFrame({"id": ["x", "y", "z"], "correct": [True, False, True]})
    >>> b = pl.DataFrame({"id": ["x", "y", "z"], "correct": [False, True, True]})
    >>> compare_items(a, b).select("key", "change").rows()
    [('x', 'lost'), ('y', 'gained'), ('z', 'same')]
    """
    if on is None:
        on = "id" if "id" in a.columns and "id" in b.columns else ITEM_INDEX
        if on == ITEM_INDEX:
            a = a if ITEM_INDEX in a.columns else a.with_row_index(ITEM_INDEX)
            b = b if ITEM_INDEX in b.columns else b.with_row_index(ITEM_INDEX)
    for name, frame in (("A", a), ("B", b)):
        if on not in frame.columns:
            raise InvalidArgumentError(f"Key column {on!r} is not in run {name}'s items ({frame.columns}).")
    shared = [c for c in a.columns if c in b.columns and c not in (on, ITEM_INDEX)]
    if score is None:
        score = next((c for c in _SCORE_PREFERENCE if c in shared), None)
        if score is None:
            numeric = [c for c in shared if a.schema[c].is_numeric() or a.schema[c] == pl.Boolean]
            score = numeric[0] if numeric else None
    if score is None or score not in a.columns or score not in b.columns:
        raise InvalidArgumentError(
            f"No shared score column to compare (shared columns: {shared}). Pass score= naming one."
        )
    for name, frame in (("A", a), ("B", b)):
        if frame.get_column(on).is_duplicated().any():
            raise InvalidArgumentError(
                f"Key column {on!r} has duplicate values in run {name}; pass on= a unique key."
            )
    extra = [c for c in shared if c != score]
    left = a.select(pl.col(on).alias("key"), pl.col(score).cast(pl.Float64).alias("score_a"), *extra)
    right = b.select(pl.col(on).alias("key"), pl.col(score).cast(pl.Float64).alias("score_b"), *extra)
    joined = left.join(right, on="key", how="full", coalesce=True, maintain_order="left_right", suffix="_b")
    carried = []
    for c in extra:  # a column equal in both runs is shown once; one that differs (e.g. the outputs) twice
        same = joined.select((pl.col(c).eq_missing(pl.col(f"{c}_b"))).all()).item()
        if same:
            carried.append(pl.col(c))
        else:
            carried += [pl.col(c).alias(f"{c}_a"), pl.col(f"{c}_b")]
    change = (
        pl.when(pl.col("score_a").is_null() & pl.col("score_b").is_not_null())
        .then(pl.lit("only_b"))
        .when(pl.col("score_b").is_null() & pl.col("score_a").is_not_null())
        .then(pl.lit("only_a"))
        .when(pl.col("score_b") > pl.col("score_a"))
        .then(pl.lit("gained"))
        .when(pl.col("score_b") < pl.col("score_a"))
        .then(pl.lit("lost"))
        .otherwise(pl.lit("same"))
    )
    out = joined.with_columns((pl.col("score_b") - pl.col("score_a")).alias("delta"), change.alias("change"))
    return out.select("key", "score_a", "score_b", "delta", "change", *carried)


def _from_result(result: Any) -> dict[str, Any]:
    """Pull metrics, items, n, timings (and any run metadata) out of an evaluation result record."""
    if isinstance(result, Mapping):
        get = result.get
    else:

        def get(key: str, default: Any = None) -> Any:
            return getattr(result, key, default)

    found: dict[str, Any] = {}
    metrics = get("metrics") or get("values") or get("scores_summary")
    if isinstance(metrics, Mapping):
        flat: dict[str, Any] = {}
        for k, v in metrics.items():
            if isinstance(v, Mapping):  # e.g. {"rouge1": {"f": ..}}
                flat.update({f"{k}.{kk}": vv for kk, vv in v.items() if isinstance(vv, (int, float))})
            elif isinstance(v, (int, float)) or v is None:
                flat[k] = v
            elif hasattr(v, "value"):
                flat[k] = v.value
        found["metrics"] = flat
    for key in ("items", "per_item", "per_item_scores", "scores"):
        value = get(key)
        if value is not None and not isinstance(value, (int, float)):
            found["items"] = value
            break
    for key in ("n", "timings", "params", "dataset", "config", "split", "revision", "model"):
        value = get(key)
        if value is not None:
            found[key] = value
    return found


def _publish(tmp: Path, final: Path, run_id: str) -> None:
    """Move ``tmp`` to ``final`` atomically without ever replacing an existing file (hard link, then unlink)."""
    try:
        os.link(tmp, final)
    except FileExistsError:
        raise ResultStoreError(f"Run {run_id!r} already has an items file at {str(final)!r}.") from None
    except (
        OSError
    ):  # a filesystem without hard links: rename (atomic; the exists() check above guards clobbering)
        os.replace(tmp, final)


def _crash_point(name: str) -> None:
    """Test hook: ``POLARDS_RESULTS_CRASH_AT=<name>`` kills the process at that point of an append."""
    if os.environ.get("POLARDS_RESULTS_CRASH_AT") == name:
        os._exit(86)
