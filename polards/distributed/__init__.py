"""Beyond one process: rank sharding for training (:func:`split_dataset_by_node`) and Ray Data
(:func:`map_batches`, :func:`to_ray`, :func:`from_ray`). Ray is imported only when a Ray function runs.
"""

from __future__ import annotations

from polards.distributed.ray import from_ray, map_batches, to_ray
from polards.distributed.split import split_dataset_by_node

__all__ = ["from_ray", "map_batches", "split_dataset_by_node", "to_ray"]
