"""``load_dataset`` and the dataset-inspection helpers (``get_dataset_config_names`` ...)."""

from polards.hub.info import DatasetInfo, SplitInfo
from polards.loading.inspect import get_dataset_config_names, get_dataset_infos, get_dataset_split_names
from polards.loading.load import load_dataset
from polards.loading.split_spec import SplitSlice, parse_split

__all__ = [
    "DatasetInfo",
    "SplitInfo",
    "SplitSlice",
    "get_dataset_config_names",
    "get_dataset_infos",
    "get_dataset_split_names",
    "load_dataset",
    "parse_split",
]
