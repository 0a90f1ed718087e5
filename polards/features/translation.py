"""``datasets``' ``Translation`` and ``TranslationVariableLanguages`` features (tfds compatibility).

``Translation(languages)`` is a struct of one string per language (fields sorted by language code);
``TranslationVariableLanguages`` is ``{"language": [...], "translation": [...]}``, sorted by language code.

>>> Translation(languages=["fr", "en"]).to_polars()
Struct({'en': String, 'fr': String})
>>> TranslationVariableLanguages(languages=["en", "fr"]).encode_example({"fr": ["le chat", "la chatte"], "en": "the cat"})
{'language': ('en', 'fr', 'fr'), 'translation': ('the cat', 'la chatte', 'le chat')}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl

from polards.exceptions import InvalidArgumentError


@dataclass
class Translation:
    """Fixed languages per example: ``{"en": "the cat", "fr": "le chat"}``, stored as a struct of strings."""

    languages: list[str]
    id: str | None = field(default=None, repr=False)

    dtype: ClassVar[str] = "dict"
    _type: ClassVar[str] = "Translation"

    def __call__(self) -> Any:
        return self.to_arrow()

    def to_arrow(self) -> Any:
        import pyarrow as pa

        return pa.struct({lang: pa.string() for lang in sorted(self.languages)})

    def to_polars(self) -> pl.DataType:
        return pl.Struct({lang: pl.String() for lang in sorted(self.languages)})

    def flatten(self) -> dict[str, Any]:
        """The struct as ``{language: Value("string")}`` (sorted), as ``datasets``."""
        from polards.features.types import Value

        return {k: Value("string") for k in sorted(self.languages)}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"languages": list(self.languages)}
        if self.id is not None:
            out["id"] = self.id
        return {**out, "_type": "Translation"}


@dataclass
class TranslationVariableLanguages:
    """Variable languages per example (a language may have several translations), stored as
    ``{"language": list<string>, "translation": list<string>}`` sorted by language code."""

    languages: list[str] | None = None
    num_languages: int | None = None
    id: str | None = field(default=None, repr=False)

    dtype: ClassVar[str] = "dict"
    _type: ClassVar[str] = "TranslationVariableLanguages"

    def __post_init__(self) -> None:
        self.languages = sorted(set(self.languages)) if self.languages else None
        self.num_languages = len(self.languages) if self.languages else None

    def __call__(self) -> Any:
        return self.to_arrow()

    def to_arrow(self) -> Any:
        import pyarrow as pa

        return pa.struct({"language": pa.list_(pa.string()), "translation": pa.list_(pa.string())})

    def to_polars(self) -> pl.DataType:
        return pl.Struct({"language": pl.List(pl.String()), "translation": pl.List(pl.String())})

    def encode_example(self, translation_dict: dict[str, Any]) -> dict[str, Any]:
        """``{lang: text or [texts]}`` -> ``{"language": (...), "translation": (...)}``; an unknown language
        raises ``ValueError`` naming it."""
        lang_set = set(self.languages or ())
        if set(translation_dict) == {"language", "translation"}:
            return translation_dict
        if self.languages and set(translation_dict) - lang_set:
            extra = ", ".join(sorted(set(translation_dict) - lang_set))
            raise InvalidArgumentError(
                f"Some languages in example ({extra}) are not in valid set ({', '.join(lang_set)})."
            )
        pairs: list[tuple[str, str]] = []
        for lang, text in translation_dict.items():
            if isinstance(text, str):
                pairs.append((lang, text))
            else:
                pairs.extend((lang, t) for t in text)
        languages, translations = zip(*sorted(pairs), strict=True)
        return {"language": languages, "translation": translations}

    def flatten(self) -> dict[str, Any]:
        from polards.features.types import List, Value

        return {"language": List(Value("string")), "translation": List(Value("string"))}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"languages": self.languages, "num_languages": self.num_languages}
        if self.id is not None:
            out["id"] = self.id
        return {**out, "_type": "TranslationVariableLanguages"}
