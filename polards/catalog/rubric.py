"""Rubric datasets -> ``rubric_task``."""

from __future__ import annotations

from polards.catalog.spec import DatasetSpec
from polards.mappers import prometheus

__all__ = ["SPECS"]

SPECS = (
    DatasetSpec(
        name="prometheus_feedback",
        repo_id="prometheus-eval/Feedback-Collection",
        domain="rubric",
        task="rubric_rl",
        output="rubric_task",
        mapper=prometheus,
        splits=("train",),
        approx_rows=99_952,
        licence="cc-by-4.0",
        description="Prometheus Feedback-Collection (one JSON file): instruction + 1-5 score rubric.",
    ),
)
