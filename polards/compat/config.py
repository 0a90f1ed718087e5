"""``datasets.config`` under the compat layer: the settings polards honours and facts about the environment.

Read from the environment when the module is first imported, like ``datasets.config``. Paths follow
:mod:`polards._paths`; the ``*_AVAILABLE`` flags and versions describe what is installed.

>>> from polards.compat import config
>>> config.PYARROW_VERSION.major >= 10
True
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform

from packaging import version

from polards._paths import datasets_cache, hf_home

_TRUE = {"1", "ON", "YES", "TRUE"}


def _version(dist: str) -> version.Version:
    try:
        return version.parse(importlib.metadata.version(dist))
    except importlib.metadata.PackageNotFoundError:
        return version.parse("0")


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).upper() in _TRUE


# Versions
PY_VERSION = version.parse(platform.python_version())
PYARROW_VERSION = _version("pyarrow")
POLARS_VERSION = _version("polars")
HF_HUB_VERSION = _version("huggingface_hub")
DILL_VERSION = _version("dill")
FSSPEC_VERSION = _version("fsspec")
PANDAS_VERSION = _version("pandas")

# Optional packages
POLARS_AVAILABLE = True
PANDAS_AVAILABLE = _available("pandas")
PIL_AVAILABLE = _available("PIL")
SOUNDFILE_AVAILABLE = _available("soundfile")
TORCH_AVAILABLE = _available("torch")
TORCHVISION_AVAILABLE = _available("torchvision")
TORCHCODEC_AVAILABLE = _available("torchcodec")
TF_AVAILABLE = _available("tensorflow")
JAX_AVAILABLE = _available("jax")
LZ4_AVAILABLE = _available("lz4")
PY7ZR_AVAILABLE = _available("py7zr")
ZSTANDARD_AVAILABLE = _available("zstandard")
NIBABEL_AVAILABLE = _available("nibabel")
PDFPLUMBER_AVAILABLE = _available("pdfplumber")
TRIMESH_AVAILABLE = _available("trimesh")
SQLALCHEMY_AVAILABLE = _available("sqlalchemy")
PYSPARK_AVAILABLE = _available("pyspark")

# Hub
HF_ENDPOINT = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
HUB_DATASETS_URL = HF_ENDPOINT + "/datasets/{repo_id}/resolve/{revision}/{path}"
HUB_DATASETS_HFFS_URL = "hf://datasets/{repo_id}@{revision}/{path}"
HUB_DEFAULT_VERSION = "main"
HF_HUB_OFFLINE = _flag("HF_HUB_OFFLINE") or _flag("HF_DATASETS_OFFLINE")
HF_DATASETS_OFFLINE = HF_HUB_OFFLINE
HF_UPDATE_DOWNLOAD_COUNTS = _flag("HF_UPDATE_DOWNLOAD_COUNTS", "1")
HF_DATASETS_TRUST_REMOTE_CODE = False
TIME_OUT_REMOTE_CODE = 15

# Cache
HF_CACHE_HOME = str(hf_home())
HF_DATASETS_CACHE = str(datasets_cache())
DOWNLOADED_DATASETS_DIR = "downloads"
DOWNLOADED_DATASETS_PATH = os.path.join(HF_DATASETS_CACHE, DOWNLOADED_DATASETS_DIR)
EXTRACTED_DATASETS_DIR = "extracted"
EXTRACTED_DATASETS_PATH = os.path.join(DOWNLOADED_DATASETS_PATH, EXTRACTED_DATASETS_DIR)
HF_MODULES_CACHE = os.path.join(HF_CACHE_HOME, "modules")
IN_MEMORY_MAX_SIZE = 0
MAX_SHARD_SIZE = "500MB"
SAVE_ORIGINAL_SHARD_LENGTHS = False

# Batches and files
DEFAULT_MAX_BATCH_SIZE = 1000
PBAR_REFRESH_TIME_INTERVAL = 0.05
MAX_DATASET_CONFIG_ID_READABLE_LENGTH = 255
REPOCARD_FILENAME = "README.md"
METADATA_CONFIGS_FIELD = "configs"
DATASET_ARROW_FILENAME = "dataset.arrow"
DATASET_INDICES_FILENAME = "indices.arrow"
DATASET_STATE_JSON_FILENAME = "state.json"
DATASET_INFO_FILENAME = "dataset_info.json"
DATASETDICT_JSON_FILENAME = "dataset_dict.json"
PARQUET_ROW_GROUP_SIZE_FOR_IMAGE_DATASETS = 100
PARQUET_ROW_GROUP_SIZE_FOR_AUDIO_DATASETS = 100
PARQUET_ROW_GROUP_SIZE_FOR_BINARY_DATASETS = 100
