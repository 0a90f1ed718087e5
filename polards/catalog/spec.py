"""``DatasetSpec``: one small frozen declaration per named dataset."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DOMAINS", "GRADERS", "DatasetSpec"]

DOMAINS = ("math", "code", "chat", "preference", "rubric", "vision", "knowledge")
#: how a benchmark's answers are scored (see :func:`polards.catalog.grade`)
GRADERS = ("multiple_choice", "math", "code_sandbox")


@dataclass(frozen=True)
class DatasetSpec:
    """What polards knows about one named Hub dataset and how to map it.

    ``mapper`` is a factory returning a :class:`polards.mappers.Mapper`; keyword options that the factory
    accepts may be passed to :func:`polards.catalog.load`. ``loader``, when set, replaces the default
    ``load_dataset`` + ``map_schema`` path (concatenations, decontamination, few-shot sampling).
    ``grader`` (one of :data:`GRADERS`) says how :func:`polards.catalog.grade` scores a model's outputs
    against the mapped column ``reference`` (``answer_letter``, ``answer`` or ``tests``).
    """

    name: str
    repo_id: str
    domain: str
    task: str
    output: str
    mapper: Callable[..., Any] = field(repr=False)
    configs: tuple[str, ...] = ()
    default_config: str | None = None
    splits: tuple[str, ...] = ("train",)
    approx_rows: int | None = None
    licence: str = "unknown"
    description: str = ""
    streaming_default: bool = False
    config_is_data_dir: bool = False
    loader: Callable[..., Any] | None = field(default=None, repr=False)
    grader: str | None = None
    reference: str | None = None

    def info(self) -> dict[str, Any]:
        """The spec as a plain dict (what :func:`polards.catalog.dataset_info` returns)."""
        from polards.mappers.structs import STRUCT_FEATURES

        return {
            "name": self.name,
            "repo_id": self.repo_id,
            "domain": self.domain,
            "task": self.task,
            "output": self.output,
            "output_features": {k: repr(v) for k, v in STRUCT_FEATURES.get(self.output, {}).items()},
            "configs": list(self.configs),
            "default_config": self.default_config,
            "splits": list(self.splits),
            "approx_rows": self.approx_rows,
            "licence": self.licence,
            "streaming_default": self.streaming_default,
            "description": self.description,
            "grader": self.grader,
            "reference": self.reference,
        }
