"""Local file I/O: lazy scans of parquet/JSON/CSV/text files and writers."""

from polards.io.read import expand_paths, infer_format, parquet_features, scan_files

__all__ = ["expand_paths", "infer_format", "parquet_features", "scan_files"]
