"""Run unmodified ``import datasets`` code on polards.

:func:`install` puts a ``datasets`` module backed by polards in :data:`sys.modules`, with the public submodule paths
people import from (``datasets.arrow_dataset``, ``datasets.features``, ``datasets.config`` ...). The real
``datasets`` package is never imported. :func:`uninstall` puts back whatever was there before.

``python -m polards.compat SCRIPT [ARGS...]`` runs a script that way; ``pytest -p polards.compat.pytest_plugin``
installs it before collection.

>>> import sys
>>> from polards import compat
>>> compat.install()
>>> import datasets
>>> from datasets.features import Value
>>> datasets.Dataset.from_dict({"a": [1]}).features["a"] == Value("int64")
True
>>> datasets.__polards__
True
>>> compat.uninstall(); "datasets" in sys.modules and sys.modules["datasets"].__dict__.get("__polards__", False)
False
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Mapping, Sequence
from typing import Any

DATASETS_VERSION = "5.2.0"
"""The ``datasets`` release whose API polards follows (``datasets.__version__`` under the compat layer)."""

# compat module name -> (explicit names: attribute -> "module:attr" or "module" for a submodule, fallback modules)
_PROGRESS = {
    n: f"polards.progress:{n}"
    for n in (
        "disable_progress_bar",
        "enable_progress_bar",
        "disable_progress_bars",
        "enable_progress_bars",
        "are_progress_bars_disabled",
        "is_progress_bar_enabled",
    )
}
MODULES: dict[str, tuple[Mapping[str, str], Sequence[str]]] = {
    "datasets": (
        {
            "NamedSplit": "polards.compat.splits:NamedSplit",
            "Split": "polards.compat.splits:Split",
            "SplitInfo": "polards.hub.info:SplitInfo",
            "DatasetInfo": "polards.compat.info:DatasetInfo",
            "logging": "polards.logging",
            **{n: f"polards.features:{n}" for n in ("Array2D", "Array3D", "Array4D", "Array5D", "Json")},
            "TranslationVariableLanguages": "polards.features:TranslationVariableLanguages",
        },
        ("polards",),
    ),
    "datasets.arrow_dataset": ({}, ("polards.dataset.dataset", "polards")),
    "datasets.iterable_dataset": ({}, ("polards.dataset.iterable", "polards")),
    "datasets.dataset_dict": ({}, ("polards.dataset.dataset_dict", "polards")),
    "datasets.features": ({}, ("polards.features",)),
    "datasets.features.features": ({}, ("polards.features.features", "polards.features")),
    "datasets.features.image": ({"Image": "polards.features:Image"}, ()),
    "datasets.features.audio": ({"Audio": "polards.features:Audio"}, ()),
    "datasets.features.translation": ({}, ("polards.features.translation",)),
    "datasets.load": (
        {"load_from_disk": "polards.dataset.disk:load_from_disk"},
        ("polards.loading",),
    ),
    "datasets.combine": (
        {
            "concatenate_datasets": "polards.dataset.combine:concatenate_datasets",
            "interleave_datasets": "polards.dataset.combine:interleave_datasets",
        },
        (),
    ),
    "datasets.distributed": ({"split_dataset_by_node": "polards.distributed:split_dataset_by_node"}, ()),
    "datasets.exceptions": ({"DatasetsError": "polards.exceptions:PolardsError"}, ("polards.exceptions",)),
    "datasets.utils": ({**_PROGRESS, "logging": "polards.logging"}, ()),
    "datasets.utils.logging": ({}, ("polards.logging",)),
    "datasets.config": ({}, ("polards.compat.config",)),
    "datasets.info": (
        {"DatasetInfo": "polards.compat.info:DatasetInfo", "SplitInfo": "polards.hub.info:SplitInfo"},
        (),
    ),
    "datasets.splits": ({}, ("polards.compat.splits",)),
    "datasets.builder": ({}, ("polards.exceptions",)),
}

_saved: dict[str, types.ModuleType] | None = None
_finder: _LenientFinder | None = None


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    mod = importlib.import_module(module)
    return getattr(mod, attr) if attr else mod


_permissive = False


def set_permissive(on: bool) -> None:
    """While on, calling a lenient placeholder gives a placeholder instance instead of raising.

    The pytest plugin turns it on during collection only, so that test files whose module level builds internal
    objects (e.g. in ``parametrize`` lists) still load; inside tests placeholders raise ``NotImplementedError``.
    """
    global _permissive
    _permissive = on


class _Missing(Exception):
    """Base of the placeholders that lenient mode hands out for names polards does not provide."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _missing(f"{type(self).__qualname__}.{attr}")


class _MissingMeta(type):
    """Placeholders are classes (so they can be subclassed or used in ``except``) that raise when used."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if _permissive:
            return Exception.__new__(cls)
        raise NotImplementedError(f"{cls.__qualname__} is not provided by polards")

    def __getattr__(cls, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _missing(f"{cls.__qualname__}.{attr}")


def _missing(qualname: str) -> type:
    return _MissingMeta(qualname.rpartition(".")[2], (_Missing,), {"__qualname__": qualname})


class CompatModule(types.ModuleType):
    """A ``datasets.*`` module whose attributes are polards' equivalents, resolved on first access."""

    def __init__(
        self, name: str, names: Mapping[str, str], fallbacks: Sequence[str], lenient: bool = False
    ) -> None:
        super().__init__(name, f"polards' stand-in for ``{name}`` (see polards.compat).")
        self.__path__: list[str] = []  # a package, so its submodules can be imported
        self.__polards__ = True
        self._compat_names = dict(names)
        self._compat_fallbacks = tuple(fallbacks)
        self._compat_lenient = lenient

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr.startswith("_compat_"):
            raise AttributeError(attr)
        target = self._compat_names.get(attr)
        if target is not None:
            value = _resolve(target)
        else:
            value = self._from_fallbacks(attr)
        setattr(self, attr, value)
        return value

    def _from_fallbacks(self, attr: str) -> Any:
        for fallback in self._compat_fallbacks:
            try:
                return getattr(importlib.import_module(fallback), attr)
            except AttributeError:
                continue
        if self._compat_lenient:
            return _missing(f"{self.__name__}.{attr}")
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r} (not provided by polards)")

    def __dir__(self) -> list[str]:
        names = set(self.__dict__) | set(self._compat_names)
        for fallback in self._compat_fallbacks:
            names |= set(dir(importlib.import_module(fallback)))
        return sorted(n for n in names if not n.startswith("_compat_"))


class _LenientLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return CompatModule(spec.name, {}, (), lenient=True)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _LenientFinder(importlib.abc.MetaPathFinder):
    """Serves any other ``datasets.*`` import as an empty module of placeholders (conformance runs only)."""

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.startswith("datasets.") and fullname not in sys.modules:
            return importlib.machinery.ModuleSpec(fullname, _LenientLoader(), is_package=True)
        return None


def _build(lenient: bool) -> dict[str, types.ModuleType]:
    modules: dict[str, types.ModuleType] = {}
    for name, (names, fallbacks) in MODULES.items():
        if name == "datasets.config":
            modules[name] = importlib.import_module("polards.compat.config")
            continue
        modules[name] = CompatModule(name, names, fallbacks, lenient)
    top = modules["datasets"]
    top.__version__ = DATASETS_VERSION  # type: ignore[attr-defined]
    for name, module in modules.items():  # `import datasets` then `datasets.config.X` works, as in datasets
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(modules[parent], child, module)
    return modules


def is_installed() -> bool:
    """Whether ``sys.modules["datasets"]`` is polards' stand-in."""
    module = sys.modules.get("datasets")
    return module is not None and getattr(module, "__dict__", {}).get("__polards__", False) is True


def install(*, lenient: bool = False) -> None:
    """Make ``import datasets`` (and its public submodules) give polards.

    Parameters
    ----------
    lenient:
        Also serve every other ``datasets.*`` name as a placeholder that raises ``NotImplementedError`` when used,
        so that a test file importing internals at its top still loads (conformance runs). Off by default: a name
        polards does not provide raises ``AttributeError``/``ModuleNotFoundError`` at import.
    """
    global _saved, _finder
    if is_installed():
        return
    _saved = {k: m for k, m in sys.modules.items() if k == "datasets" or k.startswith("datasets.")}
    for key in _saved:
        del sys.modules[key]
    sys.modules.update(_build(lenient))
    if lenient:
        _finder = _LenientFinder()
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Remove polards' ``datasets`` modules and put back the ones :func:`install` replaced."""
    global _saved, _finder
    if not is_installed():
        return
    for key in [k for k in sys.modules if k == "datasets" or k.startswith("datasets.")]:
        del sys.modules[key]
    sys.modules.update(_saved or {})
    _saved = None
    if _finder is not None:
        sys.meta_path.remove(_finder)
        _finder = None


__all__ = [
    "DATASETS_VERSION",
    "MODULES",
    "CompatModule",
    "install",
    "is_installed",
    "set_permissive",
    "uninstall",
]
