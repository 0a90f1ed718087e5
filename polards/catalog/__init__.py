"""The polards catalog: 33 named post-training datasets and eval benchmarks, each one declaration (repo,
configs, splits, domain, task, output struct, size, licence, mapper, and for benchmarks the grader).

>>> from polards.catalog import list_datasets
>>> sorted({d["domain"] for d in list_datasets()})
['chat', 'code', 'knowledge', 'math', 'preference', 'rubric', 'vision']
"""

from polards.catalog.grading import grade
from polards.catalog.registry import SPECS, dataset_info, get_spec, list_datasets, load
from polards.catalog.spec import DatasetSpec

__all__ = ["SPECS", "DatasetSpec", "dataset_info", "get_spec", "grade", "list_datasets", "load"]
