"""The catalog registry: ``list_datasets``, ``dataset_info`` and ``load``.

>>> from polards.catalog import list_datasets, dataset_info
>>> len(list_datasets())
33
>>> [s["name"] for s in list_datasets(domain="rubric")]
['prometheus_feedback']
>>> dataset_info("openai/gsm8k")["output"]
'math_problem'
"""

from __future__ import annotations

import warnings
from typing import Any

from polards.catalog import benchmarks, chat, code, knowledge, math, preference, rubric, vision
from polards.catalog._apply import apply_mapper, load_raw, split_options
from polards.catalog.spec import DOMAINS, DatasetSpec
from polards.exceptions import DatasetNotFoundError, InvalidArgumentError, _hint

__all__ = ["SPECS", "dataset_info", "get_spec", "list_datasets", "load"]

SPECS: tuple[DatasetSpec, ...] = (
    *math.SPECS,
    *code.SPECS,
    *chat.SPECS,
    *preference.SPECS,
    *rubric.SPECS,
    *vision.SPECS,
    *knowledge.SPECS,
    *benchmarks.SPECS,
)
_BY_NAME: dict[str, DatasetSpec] = {s.name: s for s in SPECS} | {s.repo_id: s for s in SPECS}
_BY_NAME_LOWER = {k.lower(): v for k, v in _BY_NAME.items()}


def get_spec(name: str) -> DatasetSpec:
    """The spec of a catalog name or Hub repo id (case-insensitive)."""
    spec = _BY_NAME.get(name) or _BY_NAME_LOWER.get(name.lower())
    if spec is None:
        msg = f"{name!r} is not in the polards catalog. Known names: {sorted(s.name for s in SPECS)}."
        raise DatasetNotFoundError(msg + _hint(name, list(_BY_NAME)))
    return spec


def list_datasets(domain: str | None = None, task: str | None = None) -> list[dict[str, Any]]:
    """The catalog's datasets (as :func:`dataset_info` dicts), optionally filtered by domain and task.

    Domains: math, code, chat, preference, rubric, vision, knowledge.
    """
    if domain is not None and domain not in DOMAINS:
        raise InvalidArgumentError(
            f"Unknown domain {domain!r}. Expected one of {list(DOMAINS)}.{_hint(domain, DOMAINS)}"
        )
    tasks = sorted({s.task for s in SPECS})
    if task is not None and task not in tasks:
        raise InvalidArgumentError(f"Unknown task {task!r}. Expected one of {tasks}.{_hint(task, tasks)}")
    return [
        s.info() for s in SPECS if (domain is None or s.domain == domain) and (task is None or s.task == task)
    ]


def dataset_info(name: str) -> dict[str, Any]:
    """Repo id, domain, task, output struct, configs, splits, approximate size and licence of ``name``."""
    return get_spec(name).info()


def load(
    name: str,
    config: str | None = None,
    split: str | None = None,
    *,
    streaming: bool | None = None,
    **kw: Any,
) -> Any:
    """Load a catalog dataset from the Hub (``polards.load_dataset``) and map it to its canonical struct.

    ``config``/``split``/``streaming`` and other keywords go to ``load_dataset``; keywords the dataset's
    mapper accepts (e.g. ``ties="label"`` for arena, ``split_on=`` for hh-rlhf, ``examples_per_class`` and
    ``seed`` for the vision sets) go to the mapper. ``streaming=None`` uses the dataset's default
    (streaming for OpenThoughts3). Returns a Dataset/IterableDataset, or a dict of them when ``split`` is None.
    """
    spec = get_spec(name)
    stream = spec.streaming_default if streaming is None else streaming
    if config is not None and spec.configs and config not in spec.configs and not spec.config_is_data_dir:
        from polards.exceptions import ConfigNotFoundError

        raise ConfigNotFoundError.from_names(spec.repo_id, config, spec.configs)
    if spec.loader is not None:
        return spec.loader(spec, config, split, stream, **kw)
    options, load_kw = split_options(spec.mapper, kw)
    if spec.config_is_data_dir and config is not None:
        load_kw.setdefault("data_dir", config)
        config = None
    raw = load_raw(
        spec.repo_id, config if config is not None else spec.default_config, split, stream, **load_kw
    )
    mapper = spec.mapper(**options)
    _warn_if_sharded_group_by(raw, mapper)
    return apply_mapper(raw, mapper)


def _warn_if_sharded_group_by(data: Any, mapper: Any) -> None:
    """A group-by mapper on a stream runs per shard: say so when there is more than one shard."""
    if getattr(mapper, "row_local", True):
        return
    from polards import IterableDataset

    parts = data.values() if isinstance(data, dict) else [data]
    if any(isinstance(p, IterableDataset) and p.n_shards > 1 for p in parts):
        warnings.warn(
            f"mapper {mapper.name!r} groups rows; on a stream with several shards it groups within each shard. "
            "Hint: load with streaming=False for exact results.",
            UserWarning,
            stacklevel=3,
        )
