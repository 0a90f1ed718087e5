"""Which files make which config and split: the Hub's (and ``datasets``') data-files rules, on a path list.

Pure functions over repo-relative POSIX paths, shared by Hub repos and local folders:

1. the README YAML ``configs:`` block (``config_name``, ``data_files`` per split with globs, ``data_dir``,
   ``default: true``);
2. otherwise the file-name conventions: ``data/{split}-00000-of-0000N.*`` (any split name), then split keywords
   in directory names (``train/``, ``dev/``...), then in file names (``train.jsonl.gz``, ``test-00000.parquet``),
   then everything as ``train``; without a ``configs:`` block, a top-level folder name is accepted as a config
   name (``{config}/{split}-*``, see :func:`folder_config`);
3. otherwise (nothing loadable on the branch) the ``refs/convert/parquet`` layout ``{config}/{split}/NNNN.parquet``.

>>> cfgs = resolve_configs(["README.md", "data/train-00000-of-00002.parquet",
...                         "data/train-00001-of-00002.parquet", "data/dev-00000-of-00001.parquet"])
>>> [(c.name, c.splits) for c in cfgs]  # doctest: +NORMALIZE_WHITESPACE
[('default', {'train': ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'],
              'dev': ['data/dev-00000-of-00001.parquet']})]
>>> resolve_configs(["train.jsonl.gz", "valid.jsonl.gz"])[0].splits
{'train': ['train.jsonl.gz'], 'validation': ['valid.jsonl.gz']}
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from polards.exceptions import DataFilesNotFoundError

SPLIT_KEYWORDS: dict[str, list[str]] = {
    "train": ["train", "training"],
    "validation": ["validation", "valid", "dev", "val"],
    "test": ["test", "testing", "eval", "evaluation"],
}
_SEP = "-._ 0-9"
_IN_DIR = ["**/{k}/**", "**/{k}[{s}]*/**", "**/*[{s}]{k}/**", "**/*[{s}]{k}[{s}]*/**"]
_IN_FILE = ["**/{k}[{s}]*", "**/*[{s}]{k}[{s}]*"]
_SHARDED = re.compile(r"^(?:data/)?(?P<split>[\w]+?)-\d{5}-of-\d{5}[^/]*\.[^/]+$")

COMPRESSIONS = ("gz", "zst", "bz2", "xz")
FORMAT_OF_EXTENSION = {
    "parquet": "parquet",
    "jsonl": "json",
    "json": "json",
    "ndjson": "json",
    "csv": "csv",
    "tsv": "csv",
    "txt": "text",
    "text": "text",
}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff"}
FILES_TO_IGNORE = {
    "README.md",
    "config.json",
    "dataset_info.json",
    "dataset_infos.json",
    "dataset_dict.json",
    ".gitattributes",
}


@dataclass
class ConfigFiles:
    """One config: its split -> files mapping and the builder (format) that reads them."""

    name: str
    splits: dict[str, list[str]]
    format: str = "parquet"
    default: bool = False
    revision: str | None = None  # None: the requested revision; else e.g. "refs/convert/parquet"
    features: dict[str, Any] | None = field(default=None, repr=False)
    conventional: bool = False  # made by the file-name conventions (no README ``configs:`` block)


# --------------------------------------------------------------------------------------------------- globbing
@functools.lru_cache(maxsize=1024)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile an fsspec-style glob (``**`` spans folders, ``**/`` may match none) to a regex.

    >>> bool(glob_to_regex("data/train-*").match("data/train-00000-of-00001.parquet"))
    True
    >>> bool(glob_to_regex("**/train[-._ 0-9]*").match("train.csv"))
    True
    >>> bool(glob_to_regex("*.csv").match("a/b.csv"))
    False
    """
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and "]" in pattern[i + 1 :]:
            j = pattern.index("]", i + 1)
            body = pattern[i + 1 : j]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")


def match_patterns(paths: list[str], patterns: list[str], base: str = "") -> list[str]:
    """The paths matching any pattern (relative to ``base``), in sorted order, without duplicates."""
    prefix = base.strip("/") + "/" if base.strip("/") else ""
    regexes = [glob_to_regex(prefix + p.lstrip("/")) for p in patterns]
    return sorted({p for p in paths if any(r.match(p) for r in regexes)})


# --------------------------------------------------------------------------------------------------- formats
def split_extension(path: str) -> tuple[str, str | None]:
    """``("jsonl", "gz")`` for ``a/train.jsonl.gz``; the extension lower-cased, the compression or ``None``.

    >>> split_extension("a/train.jsonl.gz"), split_extension("x.parquet")
    (('jsonl', 'gz'), ('parquet', None))
    """
    name = path.rsplit("/", 1)[-1].lower()
    parts = name.split(".")
    comp = parts[-1] if len(parts) > 2 and parts[-1] in COMPRESSIONS else None
    if comp:
        parts = parts[:-1]
    return (parts[-1] if len(parts) > 1 else "", comp)


def format_of(path: str) -> str | None:
    """The builder for one file: parquet, json, csv, text, imagefolder; ``None`` if not a data file."""
    ext, _ = split_extension(path)
    if ext in IMAGE_EXTENSIONS:
        return "imagefolder"
    return FORMAT_OF_EXTENSION.get(ext)


def is_data_file(path: str) -> bool:
    """A loadable file that is not hidden, not a script and not repo metadata."""
    parts = path.split("/")
    if any(p.startswith((".", "__")) for p in parts) or parts[-1] in FILES_TO_IGNORE:
        return False
    return format_of(path) is not None


def infer_format(files: list[str]) -> str:
    """The most common builder among ``files`` (ties: parquet > json > csv > text > imagefolder)."""
    fmts = [f for f in map(format_of, files) if f]
    if not fmts:
        raise DataFilesNotFoundError(f"No loadable data file among {files[:5]}...")
    if "imagefolder" in fmts:
        return "imagefolder"
    order = ["parquet", "json", "csv", "text"]
    counts = Counter(fmts)
    return max(counts, key=lambda f: (counts[f], -order.index(f) if f in order else -99))


# --------------------------------------------------------------------------------------------------- conventions
def _keyword_patterns(templates: list[str]) -> dict[str, list[str]]:
    return {
        split: [t.format(k=k, s=_SEP) for k in kws for t in templates]
        for split, kws in SPLIT_KEYWORDS.items()
    }


def _ordered(splits: dict[str, list[str]]) -> dict[str, list[str]]:
    """train, validation, test first, then other split names sorted (``datasets``' order)."""
    order = [s for s in SPLIT_KEYWORDS if s in splits] + sorted(set(splits) - set(SPLIT_KEYWORDS))
    return {s: splits[s] for s in order}


def convention_splits(files: list[str]) -> dict[str, list[str]]:
    """Split -> files for a folder of data files without a ``configs:`` block (``datasets``' rules)."""
    files = sorted(f for f in files if is_data_file(f))
    if not files:
        return {}
    sharded: dict[str, list[str]] = {}
    for f in files:
        m = _SHARDED.match(f)
        if m is None:
            sharded = {}
            break
        sharded.setdefault(m.group("split"), []).append(f)
    if sharded:
        return _ordered(sharded)
    for templates in (_IN_DIR, _IN_FILE):
        found = {s: match_patterns(files, pats) for s, pats in _keyword_patterns(templates).items()}
        found = {s: fs for s, fs in found.items() if fs}
        if found:
            return found
    return {"train": files}


def folder_config(files: list[str], name: str) -> ConfigFiles | None:
    """A config made of the top-level folder ``name`` (``{config}/{split}-*``), for repos without ``configs:``.

    ``datasets`` loads such a repo as one ``default`` config (``data_dir=`` picks a folder); polards does the
    same and also accepts the folder name as the config name: ``load_dataset("Anthropic/hh-rlhf",
    "harmless-base")`` equals ``load_dataset("Anthropic/hh-rlhf", data_dir="harmless-base")``.

    >>> folder_config(["a/train.csv", "a/test.csv", "b/train.csv"], "a").splits
    {'train': ['a/train.csv'], 'test': ['a/test.csv']}
    """
    inside = [f[len(name) + 1 :] for f in files if f.startswith(name + "/") and is_data_file(f)]
    splits = convention_splits(inside)
    if not splits:
        return None
    splits = {s: [f"{name}/{f}" for f in fs] for s, fs in splits.items()}
    return ConfigFiles(name, splits, infer_format([f for fs in splits.values() for f in fs]))


def _yaml_data_files(spec: Any) -> dict[str, list[str]]:
    if spec is None:
        return {}
    if isinstance(spec, str):
        return {"train": [spec]}
    if isinstance(spec, dict):
        return {str(k): v if isinstance(v, list) else [v] for k, v in spec.items()}
    out: dict[str, list[str]] = {}
    for item in spec:
        if isinstance(item, dict):
            paths = item.get("path", [])
            out.setdefault(str(item.get("split", "train")), []).extend(
                paths if isinstance(paths, list) else [paths]
            )
        else:
            out.setdefault("train", []).append(str(item))
    return out


def resolve_patterns(
    files: list[str], patterns: dict[str, list[str]], base: str = ""
) -> dict[str, list[str]]:
    """Split -> matching files for user or YAML patterns; raises if a split's patterns match nothing."""
    out = {}
    for split, pats in patterns.items():
        matched = match_patterns(files, pats, base)
        if not matched:
            where = f" under {base!r}" if base else ""
            raise DataFilesNotFoundError(
                f"Unable to find data files for split {split!r}{where} matching {pats}."
            )
        out[split] = matched
    return out


def _features_by_config(card: dict[str, Any]) -> dict[str, Any]:
    info = card.get("dataset_info")
    if isinstance(info, dict):
        info = [info]
    return {str(i.get("config_name", "default")): i for i in info or [] if isinstance(i, dict)}


def resolve_configs(
    files: list[str], card: dict[str, Any] | None = None, *, partial: bool = False
) -> list[ConfigFiles]:
    """Configs of a repo or folder from its file list and README YAML (``card``); empty when nothing loads.

    ``partial``: ``files`` are only the ones a cache holds (a snapshot left by ``huggingface_hub``), so a config
    whose patterns match none of them is left out instead of raising.
    """
    card = card or {}
    infos = _features_by_config(card)
    yaml_configs = card.get("configs")
    data = [f for f in files if is_data_file(f)]
    out: list[ConfigFiles] = []
    if isinstance(yaml_configs, list) and yaml_configs:
        for cfg in yaml_configs:
            name = str(cfg.get("config_name", "default"))
            data_dir = str(cfg.get("data_dir") or "").strip("/")
            patterns = _yaml_data_files(cfg.get("data_files"))
            if patterns:
                try:
                    splits = resolve_patterns(files, patterns, data_dir)
                except DataFilesNotFoundError:
                    if partial:
                        continue
                    raise
            else:
                inside = (
                    [f[len(data_dir) + 1 :] for f in data if f.startswith(data_dir + "/")]
                    if data_dir
                    else data
                )
                splits = {
                    s: [f"{data_dir}/{f}" if data_dir else f for f in fs]
                    for s, fs in convention_splits(inside).items()
                }
            fmt = infer_format([f for fs in splits.values() for f in fs]) if splits else "parquet"
            out.append(ConfigFiles(name, splits, fmt, bool(cfg.get("default")), features=infos.get(name)))
        return out
    splits = convention_splits(data)
    if splits:
        fmt = infer_format(data)
        out.append(
            ConfigFiles("default", splits, fmt, True, features=infos.get("default"), conventional=True)
        )
    return out


def convert_parquet_configs(files: list[str], revision: str) -> list[ConfigFiles]:
    """Configs of a ``refs/convert/parquet`` tree: ``{config}/{split}/NNNN.parquet`` (``partial-`` dropped)."""
    configs: dict[str, dict[str, list[str]]] = {}
    for f in sorted(files):
        parts = f.split("/")
        if len(parts) != 3 or not parts[2].endswith(".parquet"):
            continue
        split = parts[1].removeprefix("partial-")
        configs.setdefault(parts[0], {}).setdefault(split, []).append(f)
    return [
        ConfigFiles(name, _ordered(splits), "parquet", revision=revision) for name, splits in configs.items()
    ]


def pick_config(
    configs: list[ConfigFiles], name: str | None, repo: str, files: list[str] | None = None
) -> ConfigFiles:
    """The config called ``name``, or the default one (``default: true``, or the only one).

    ``files`` (the repo's paths) enable the folder-as-config fallback when the repo has no ``configs:`` block.
    """
    from polards.exceptions import ConfigNotFoundError

    names = [c.name for c in configs]
    if name is not None:
        for c in configs:
            if c.name == name:
                return c
        if files is not None and len(configs) == 1 and configs[0].conventional:
            folder = folder_config(files, name)
            if folder is not None:
                return folder
        raise ConfigNotFoundError.from_names(repo, name, names)
    defaults = [c for c in configs if c.default] or (configs if len(configs) == 1 else [])
    if defaults:
        return defaults[0]
    msg = f"Config name is missing for dataset {repo!r}. Please pick one among the available configs: {names}"
    raise ConfigNotFoundError(msg + f"\nExample of usage:\n\t`load_dataset('{repo}', '{names[0]}')`")
