"""Vision classification datasets -> multimodal ``messages`` (image part + question, class-name answer)."""

from __future__ import annotations

from typing import Any

from polards.catalog._apply import load_raw, split_options
from polards.catalog.spec import DatasetSpec
from polards.exceptions import FeatureTypeError, InvalidArgumentError
from polards.mappers import few_shot_indices, image_classification

__all__ = ["SPECS", "load_vision"]


def _class_names(ds: Any, label: str) -> list[str]:
    feature = ds.features[label]
    names = getattr(feature, "names", None)
    if not names:
        raise FeatureTypeError(f"Column {label!r} is {feature!r}, not a ClassLabel with names.")
    return list(names)


def load_vision(
    spec: DatasetSpec,
    config: str | None,
    split: str | None,
    streaming: bool,
    *,
    examples_per_class: int | None = None,
    seed: int = 0,
    **kw: Any,
) -> Any:
    """Load, optionally keep ``examples_per_class`` rows per class (the recipe's draw with ``seed``; on the
    requested split, or on ``train`` when ``split`` is None), then map with the ClassLabel's names."""
    options, load_kw = split_options(image_classification, kw)
    options.pop("names", None)
    label = options.get("label", "label")
    if examples_per_class is not None and streaming:
        raise InvalidArgumentError("examples_per_class needs a map-style dataset; pass streaming=False.")
    raw = load_raw(spec.repo_id, config or spec.default_config, split, streaming, **load_kw)

    def one(ds: Any, sample: bool) -> Any:
        names = _class_names(ds, label)
        if sample and examples_per_class is not None:
            ds = ds.select(few_shot_indices(ds, examples_per_class, seed=seed, label=label))
        return ds.map_schema(image_classification(names, **options))

    if isinstance(raw, dict):
        return type(raw)({name: one(ds, name == "train") for name, ds in raw.items()})
    return one(raw, True)


def _spec(
    name: str, repo_id: str, splits: tuple[str, ...], rows: int | None, licence: str, what: str
) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        repo_id=repo_id,
        domain="vision",
        task="vlm_classification",
        output="multimodal_messages",
        mapper=image_classification,
        splits=splits,
        approx_rows=rows,
        licence=licence,
        description=f"{what}: image + ClassLabel -> image/question user turn, class-name answer.",
        loader=load_vision,
    )


SPECS = (
    _spec(
        "caltech101", "dpdl-benchmark/caltech101", ("train", "test"), 9_146, "unknown", "Caltech-101 objects"
    ),
    _spec(
        "oxford_flowers102",
        "dpdl-benchmark/oxford_flowers102",
        ("train", "validation", "test"),
        8_189,
        "unknown",
        "Oxford 102 flowers",
    ),
    _spec(
        "oxford_iiit_pet",
        "dpdl-benchmark/oxford_iiit_pet",
        ("train", "test"),
        7_349,
        "cc-by-sa-4.0",
        "Oxford-IIIT pets",
    ),
    _spec(
        "stanford_cars",
        "tanganke/stanford_cars",
        (
            "train",
            "test",
            "contrast",
            "gaussian_noise",
            "impulse_noise",
            "jpeg_compression",
            "motion_blur",
            "pixelate",
            "spatter",
        ),
        16_185,
        "unknown",
        "Stanford Cars (196 models)",
    ),
)
