"""Which of ``datasets``' own tests exercise only its public API (the rule, in code).

A test is **public-API** when its body, the test-file helpers it calls (module functions, ``self._helper``
methods, ``setUp``) and the fixtures it requests (transitively) use:

- no private attribute (``obj._x``, other than the test class's own ``self._helper``),
- no name that is not public: every ``datasets`` name used must be one ``datasets`` exports at its top level
  (minus builder/download machinery) reached through a public module (:data:`PUBLIC_MODULES`), or anything of
  ``datasets.config`` / ``datasets.exceptions`` / ``datasets.utils.logging``; strings such as
  ``"datasets.table.foo"`` handed to ``patch``/``monkeypatch`` count as uses,
- no real Hub or network (the ``integration`` marker, fixtures from ``fixtures/hub.py``, ``hf://`` URLs, hub
  constants),
- no torch / tensorflow / jax (names, ``require_*`` marks and format-type strings).

:func:`classify_source` applies the rule to one test file's text; :func:`reasons_for` answers for one node id.
Whether the test also passes on the real ``datasets`` is the other half of the selection (see ``conformance.run``).

>>> src = '''
... import datasets
... from datasets.table import InMemoryTable
... def test_ok(): datasets.Dataset.from_dict({"a": [1]})
... def test_private(): datasets.Dataset.from_dict({"a": [1]})._data
... def test_internal(): InMemoryTable.from_pydict({})
... '''
>>> v = classify_source(src)
>>> v["test_ok"], v["test_private"], v["test_internal"]
([], ['private attribute ._data'], ['internal name datasets.table', 'internal name datasets.table.InMemoryTable'])
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PUBLIC_MODULES = {
    "datasets",
    "datasets.arrow_dataset",
    "datasets.iterable_dataset",
    "datasets.dataset_dict",
    "datasets.features",
    "datasets.features.features",
    "datasets.features.image",
    "datasets.features.audio",
    "datasets.load",
    "datasets.combine",
    "datasets.distributed",
    "datasets.exceptions",
    "datasets.utils",
    "datasets.utils.logging",
    "datasets.config",
    "datasets.info",
    "datasets.splits",
}
"""Module paths the compat layer serves (``polards.compat.MODULES``)."""

OPEN_MODULES = {"datasets.config", "datasets.exceptions", "datasets.utils.logging"}
"""Every name of these is public."""

PUBLIC_NAMES = {
    # datasets/__init__.py's exports, less the builder / download / split-building machinery
    "Column", "Dataset", "concatenate_datasets", "interleave_datasets", "DatasetDict", "IterableDatasetDict",
    "disable_caching", "enable_caching", "is_caching_enabled", "DatasetInfo", "get_dataset_config_info",
    "get_dataset_config_names", "get_dataset_default_config_name", "get_dataset_infos", "get_dataset_split_names",
    "IterableColumn", "IterableDataset", "load_dataset", "load_from_disk", "NamedSplit", "Split", "SplitInfo",
    "logging", "config", "split_dataset_by_node",
    # datasets.features
    "Audio", "Array2D", "Array3D", "Array4D", "Array5D", "ClassLabel", "Features", "Json", "LargeList", "List",
    "Sequence", "Value", "Image", "Translation", "TranslationVariableLanguages", "Video", "Pdf", "Nifti", "Mesh",
    # datasets.utils
    "disable_progress_bar", "enable_progress_bar", "is_progress_bar_enabled", "disable_progress_bars",
    "enable_progress_bars", "are_progress_bars_disabled",
}  # fmt: skip

NETWORK_NAMES = {
    "HfApi", "hf_api", "hf_token", "hf_hub_url", "ci_hub_config", "CI_HUB_ENDPOINT", "CI_HUB_USER",
    "SAMPLE_DATASET_IDENTIFIER", "SAMPLE_DATASET_IDENTIFIER2", "SAMPLE_DATASET_IDENTIFIER3",
    "SAMPLE_DATASET_IDENTIFIER4", "SAMPLE_DATASET_IDENTIFIER5", "SAMPLE_DATASET_NAME_THAT_DOESNT_EXIST",
    "SAMPLE_NOT_EXISTING_DATASET_IDENTIFIER", "SAMPLE_DATASET_WITH_CONFIGS", "require_not_windows_hub",
    "offline", "OfflineSimulationMode", "RequestWouldHangIndefinitelyError",
}  # fmt: skip
NETWORK_STRINGS = ("hf://", "huggingface.co", "hub-ci", "https://", "http://", "s3://", "gs://")
FRAMEWORK_NAMES = {
    "torch", "tf", "tensorflow", "jax", "jnp", "require_torch", "require_tf", "require_jax", "to_tf_dataset",
    "require_torchcodec", "require_torchvision",
}  # fmt: skip
FRAMEWORK_STRINGS = {"torch", "tensorflow", "tf", "jax", "pt"}
FRAMEWORK_ARGS = {"torch", "tf", "jax"}
NETWORK_MARKERS = {"integration"}


@dataclass
class _Module:
    tree: ast.Module
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> dotted datasets origin
    functions: dict[str, ast.AST] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    fixtures: dict[str, ast.AST] = field(default_factory=dict)
    network_names: set[str] = field(default_factory=set)


def _is_public(origin: str) -> bool:
    module, _, name = origin.rpartition(".")
    if origin in PUBLIC_MODULES:
        return True
    if module not in PUBLIC_MODULES or name.startswith("_"):
        return False
    return module in OPEN_MODULES or name in PUBLIC_NAMES or f"{module}.{name}" in PUBLIC_MODULES


def _imports(nodes: Iterable[ast.AST]) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "datasets":
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "datasets":
                    out[a.asname or a.name.split(".")[0]] = a.asname and a.name or "datasets"
    return out


def _is_fixture(fn: ast.AST) -> bool:
    for dec in getattr(fn, "decorator_list", []):
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute) and target.attr == "fixture":
            return True
        if isinstance(target, ast.Name) and target.id == "fixture":
            return True
    return False


def parse_module(source: str) -> _Module:
    """The bindings, helpers, classes and fixtures of one test or fixture file."""
    tree = ast.parse(source)
    mod = _Module(tree, bindings=_imports(tree.body))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            (mod.fixtures if _is_fixture(node) else mod.functions)[node.name] = node
        elif isinstance(node, ast.ClassDef):
            mod.classes[node.name] = node
    return mod


def _attr_chain(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _dotted_use(chain: list[str], bindings: Mapping[str, str]) -> str | None:
    """``datasets.table.InMemoryTable`` for a chain rooted at a name bound to datasets; the longest prefix."""
    origin = bindings.get(chain[0])
    if origin is None:
        return None
    parts = origin.split(".") + chain[1:]
    # walk down: stop at the first component that is not a module path we know to be a module
    for i in range(1, len(parts)):
        prefix = ".".join(parts[: i + 1])
        if prefix not in PUBLIC_MODULES and ".".join(parts[:i]) in PUBLIC_MODULES | {"datasets"}:
            return prefix
    return ".".join(parts)


class _Checker:
    def __init__(self, mod: _Module, shared: Mapping[str, tuple[_Module, ast.AST]]) -> None:
        self.mod = mod
        self.shared = shared  # fixture name -> (module, node) from conftest / fixture files
        self.seen: set[int] = set()

    def check(self, node: ast.AST, cls: ast.ClassDef | None, mod: _Module | None = None) -> list[str]:
        mod = mod or self.mod
        if id(node) in self.seen:
            return []
        self.seen.add(id(node))
        reasons: list[str] = []
        bindings = {**mod.bindings, **_imports(ast.walk(node))}
        methods = {n.name: n for n in (cls.body if cls else []) if isinstance(n, ast.FunctionDef)}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute):
                chain = _attr_chain(sub)
                if sub.attr.startswith("_") and not sub.attr.startswith("__"):
                    owner = sub.value
                    if isinstance(owner, ast.Name) and owner.id in {"self", "cls"} and sub.attr in methods:
                        reasons += self.check(methods[sub.attr], cls, mod)
                    elif not (isinstance(owner, ast.Name) and owner.id in {"self", "cls"}):
                        reasons.append(f"private attribute .{sub.attr}")
                if chain and chain[0] in {"self", "cls"} and len(chain) == 2 and chain[1] in methods:
                    reasons += self.check(methods[chain[1]], cls, mod)
                if chain:
                    use = _dotted_use(chain, bindings)
                    if use and not _is_public(use):
                        reasons.append(f"internal name {use}")
            elif isinstance(sub, ast.Name):
                origin = bindings.get(sub.id)
                if origin and not _is_public(origin):
                    reasons.append(f"internal name {origin}")
                if sub.id in NETWORK_NAMES or sub.id in mod.network_names:
                    reasons.append(f"network {sub.id}")
                if sub.id in FRAMEWORK_NAMES:
                    reasons.append(f"framework {sub.id}")
                if sub.id in mod.functions:
                    reasons += self.check(mod.functions[sub.id], None, mod)
                if sub.id in mod.fixtures:
                    reasons += self.check(mod.fixtures[sub.id], None, mod)
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                text = sub.value
                if re.fullmatch(r"datasets(\.\w+)+", text) and not _is_public(text):
                    reasons.append(f"internal name {text}")
                if any(s in text for s in NETWORK_STRINGS):
                    reasons.append("network URL")
                if text in FRAMEWORK_STRINGS:
                    reasons.append(f"framework {text!r}")
            elif isinstance(sub, ast.arg) and sub.arg in FRAMEWORK_ARGS:
                reasons.append(f"framework {sub.arg}")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            reasons += self._markers(node)
            for a in node.args.args + node.args.kwonlyargs:
                reasons += self._fixture(a.arg, mod)
        return reasons

    def _markers(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[str]:
        out = []
        for dec in node.decorator_list:
            chain = _attr_chain(dec.func if isinstance(dec, ast.Call) else dec) or []
            if chain and chain[-1] in NETWORK_MARKERS:
                out.append(f"marker {chain[-1]}")
        return out

    def _fixture(self, name: str, mod: _Module) -> list[str]:
        if name in mod.fixtures:
            return self.check(mod.fixtures[name], None, mod)
        if name in self.shared:
            fmod, fnode = self.shared[name]
            if name in fmod.network_names:
                return [f"network fixture {name}"]
            return self.check(fnode, None, fmod)
        return []


def shared_fixtures(paths: Iterable[Path]) -> dict[str, tuple[_Module, ast.AST]]:
    """Fixtures of conftest and fixture files; every fixture of a file named ``hub.py`` counts as network."""
    out: dict[str, tuple[_Module, ast.AST]] = {}
    for path in paths:
        mod = parse_module(Path(path).read_text())
        if Path(path).name == "hub.py":
            mod.network_names = set(mod.fixtures) | set(mod.functions)
        for name, node in mod.fixtures.items():
            out[name] = (mod, node)
    return out


def classify_source(
    source: str, shared: Mapping[str, tuple[_Module, ast.AST]] | None = None
) -> dict[str, list[str]]:
    """``{"test_x" | "Class::test_x": reasons}`` for each test of one file; no reasons means public-API."""
    mod = parse_module(source)
    shared = shared or {}
    out: dict[str, list[str]] = {}
    for name, fn in mod.functions.items():
        if name.startswith("test"):
            out[name] = sorted(set(_Checker(mod, shared).check(fn, None)))
    for cname, cls in mod.classes.items():
        chain = _class_chain(cls, mod)
        for klass in chain:
            for fn in klass.body:
                if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and fn.name.startswith("test"):
                    key = f"{cname}::{fn.name}"
                    if key in out:
                        continue
                    checker = _Checker(mod, shared)
                    reasons = checker.check(fn, _merged(chain))
                    for setup in ("setUp", "setup_method", "setUpClass"):
                        node = next((n for n in _merged(chain).body if getattr(n, "name", "") == setup), None)
                        if node is not None:
                            reasons += checker.check(node, _merged(chain))
                    reasons += checker._markers(cls)
                    out[key] = sorted(set(reasons))
    return out


def _class_chain(cls: ast.ClassDef, mod: _Module) -> list[ast.ClassDef]:
    chain = [cls]
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in mod.classes:
            chain += _class_chain(mod.classes[base.id], mod)
    return chain


def _merged(chain: list[ast.ClassDef]) -> ast.ClassDef:
    body: list[ast.stmt] = []
    names: set[str] = set()
    for klass in chain:
        for n in klass.body:
            name = getattr(n, "name", None)
            if name and name not in names:
                names.add(name)
                body.append(n)
    merged = ast.ClassDef(
        name=chain[0].name, bases=[], keywords=[], body=body, decorator_list=[], type_params=[]
    )
    return merged


def node_key(nodeid: str) -> tuple[str, str]:
    """``("tests/test_x.py", "Class::test_name")`` for a node id, parameters (``[...]``) dropped."""
    path, _, rest = nodeid.partition("::")
    return path, re.sub(r"\[.*\]$", "", rest)


def reasons_for(nodeid: str, verdicts: Mapping[str, list[str]]) -> list[str] | None:
    """The reasons a node id is not public-API ([] when public), or None when its test is not found.

    ``parameterized`` expands ``test_x`` into ``test_x_0_in_memory``; such a name maps to the longest known
    test name it starts with.
    """
    _, key = node_key(nodeid)
    if key in verdicts:
        return verdicts[key]
    prefix, _, method = key.rpartition("::")
    candidates = [
        k
        for k in verdicts
        if k.startswith(f"{prefix}::" if prefix else "") and method.startswith(k.split("::")[-1])
    ]
    if not candidates:
        return None
    return verdicts[max(candidates, key=len)]
