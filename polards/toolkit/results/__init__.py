"""The result store: evaluation runs as parquet files plus a SQLite catalog."""

from polards.toolkit.results.store import ResultStore, compare_items, default_results_dir

__all__ = ["ResultStore", "compare_items", "default_results_dir"]
