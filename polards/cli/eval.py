"""``polards eval REPO --split S --predictions FILE --reference-column C --metrics m1,m2``: score and store a run.

Predictions come from a file (parquet / jsonl / csv) aligned with the split row by row, or joined on
``--id-column``; or from a column of the dataset itself. Answers can be extracted first (``gsm8k``, ``boxed``,
``answer_is``, ``last_number``, ``mcq``). The run goes to the result store unless ``--no-store``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from polards.cli._common import add_repo_args, print_json, repo_kwargs, split_list

EXTRACTORS = ("none", "gsm8k", "boxed", "answer_is", "last_number", "mcq")


def register(sub: Any) -> None:
    p = sub.add_parser("eval", help="score predictions against a dataset split and store the run")
    add_repo_args(p, split=True)
    p.add_argument("--predictions", metavar="FILE", help="parquet/jsonl/csv file holding a prediction column")
    p.add_argument(
        "--prediction-column", default="prediction", help="column with predictions (default 'prediction')"
    )
    p.add_argument("--reference-column", required=True, help="dataset column with the references")
    p.add_argument(
        "--id-column", help="join predictions to the dataset on this column instead of by position"
    )
    p.add_argument(
        "--metrics", default="exact_match", help="comma-separated: exact_match,f1,bleu,rouge,accuracy,math"
    )
    p.add_argument(
        "--extract-prediction", choices=EXTRACTORS, default="none", help="answer extraction on predictions"
    )
    p.add_argument(
        "--extract-reference", choices=EXTRACTORS, default="none", help="answer extraction on references"
    )
    p.add_argument("--limit", type=int, help="score only the first N rows")
    p.add_argument("--model", help="model name recorded with the run")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="run parameter to record (repeatable)",
    )
    p.add_argument(
        "--store",
        metavar="DIR",
        help="results folder (default: $POLARDS_RESULTS or ~/.local/share/polards/results)",
    )
    p.add_argument("--no-store", action="store_true", help="do not record the run")
    p.add_argument("--report", metavar="HTML", help="write an HTML report of the run")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def _extractor(name: str) -> Any:
    if name == "none":
        return None
    from polards.eval import extract

    return {
        "gsm8k": extract.extract_gsm8k,
        "boxed": extract.extract_boxed,
        "answer_is": extract.extract_answer_is,
        "last_number": extract.extract_last_number,
        "mcq": extract.extract_mcq,
    }[name]


def _read_predictions(path: str) -> Any:
    import polars as pl

    from polards.toolkit.export import infer_format

    fmt = infer_format(path)
    if not Path(path).is_file():
        raise FileNotFoundError(2, "Predictions file not found", path)
    return {"parquet": pl.read_parquet, "jsonl": pl.read_ndjson, "csv": pl.read_csv}[fmt](path)


def _params(pairs: list[str]) -> dict[str, str]:
    from polards.exceptions import InvalidArgumentError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidArgumentError(f"--param {pair!r} must look like KEY=VALUE.")
        out[key] = value
    return out


def build_frame(args: argparse.Namespace) -> Any:
    """The dataset split joined with the predictions: columns id?, prediction, reference."""
    import polars as pl

    import polards as pds
    from polards.exceptions import ColumnNotFoundError, InvalidArgumentError

    split = args.split or "test"
    ds = pds.load_dataset(args.repo, args.config, split=split, **repo_kwargs(args))
    if args.limit is not None:
        ds = ds.take(args.limit)
    wanted = [args.reference_column] + ([args.id_column] if args.id_column else [])
    if args.predictions is None:
        wanted.append(args.prediction_column)
    missing = [c for c in wanted if c not in ds.column_names]
    if missing:
        raise ColumnNotFoundError.from_names(missing, ds.column_names)
    frame = ds.select_columns(list(dict.fromkeys(wanted))).to_polars()
    if args.predictions is not None:
        preds = _read_predictions(args.predictions)
        if args.prediction_column not in preds.columns:
            raise ColumnNotFoundError.from_names([args.prediction_column], preds.columns)
        if args.id_column:
            if args.id_column not in preds.columns:
                raise ColumnNotFoundError.from_names([args.id_column], preds.columns)
            right = preds.select(args.id_column, pl.col(args.prediction_column).alias("__pred"))
            frame = frame.join(right, on=args.id_column, how="left", maintain_order="left")
        else:
            if preds.height != frame.height:
                raise InvalidArgumentError(
                    f"{args.predictions} has {preds.height} predictions but {args.repo} {split} has {frame.height} rows. "
                    "Hint: pass --limit to score a prefix, or --id-column to join on an id."
                )
            frame = frame.with_columns(preds.get_column(args.prediction_column).alias("__pred"))
    else:
        frame = frame.with_columns(pl.col(args.prediction_column).alias("__pred"))
    frame = frame.with_columns(
        pl.col("__pred").cast(pl.String).alias("prediction"),
        pl.col(args.reference_column).cast(pl.String).alias("reference"),
    )
    for column, name in (("prediction", args.extract_prediction), ("reference", args.extract_reference)):
        fn = _extractor(name)
        if fn is not None:
            frame = frame.with_columns(
                pl.Series(column, [fn(v) if v is not None else None for v in frame[column]], dtype=pl.String)
            )
    keep = [args.id_column] if args.id_column else []
    return frame.select(*keep, "prediction", "reference"), split


def run(args: argparse.Namespace) -> int:
    from polards.eval import evaluate

    frame, split = build_frame(args)
    metrics = split_list(args.metrics) or ["exact_match"]
    keep = [c for c in frame.columns if c not in ("prediction", "reference")] + ["prediction", "reference"]
    result = evaluate(
        frame, predictions="prediction", references="reference", metrics=metrics, keep_columns=keep
    )
    run_id = None
    params = {
        "metrics": metrics,
        "predictions_file": args.predictions,
        "extract_prediction": args.extract_prediction,
        "extract_reference": args.extract_reference,
        "limit": args.limit,
        **_params(args.param),
    }
    meta = {
        "dataset": args.repo,
        "config": args.config,
        "split": split,
        "revision": args.revision,
        "model": args.model,
    }
    if not args.no_store:
        from polards.toolkit.results import ResultStore

        store = ResultStore(args.store)
        run_id = store.append(result, params=params, **meta)
    if args.report:
        from polards.toolkit.report import write_html_report

        title = f"{args.model or 'predictions'} on {args.repo} ({split})"
        write_html_report(
            args.report,
            result.per_item,
            title=title,
            metrics=result.metrics,
            metadata={k: v for k, v in (meta | {"run_id": run_id}).items() if v},
        )
    if args.json:
        print_json({"run_id": run_id, "n": result.n, "metrics": result.metrics, "timings": result.timings})
        return 0
    print(f"{args.repo} [{args.config or 'default'}] {split}: {result.n} items")
    for name, value in result.metrics.items():
        print(f"  {name:<28} {value:.6g}")
    if run_id:
        print(f"stored run {run_id}")
    if args.report:
        print(f"wrote {args.report}")
    return 0
