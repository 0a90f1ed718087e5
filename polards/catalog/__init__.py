"""The polards catalog: 22 named post-training datasets, each one declaration (repo, configs, splits,
domain, task, output struct, size, licence, mapper).

>>> from polards.catalog import list_datasets
>>> sorted({d["domain"] for d in list_datasets()})
['chat', 'code', 'knowledge', 'math', 'preference', 'rubric', 'vision']
"""

from polards.catalog.registry import SPECS, dataset_info, get_spec, list_datasets, load
from polards.catalog.spec import DatasetSpec

__all__ = ["SPECS", "DatasetSpec", "dataset_info", "get_spec", "list_datasets", "load"]
