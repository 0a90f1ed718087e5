"""``push_to_hub``: publish a ``Dataset`` or ``DatasetDict`` as ``datasets`` does, through ``huggingface_hub``.

What lands in the repo is what ``datasets`` 5.2 writes, so either library loads it: parquet shards
``{data_dir}/{split}-{i:05d}-of-{n:05d}.parquet`` (``data_dir`` = ``data`` for the default config, else the
config name), each with the ``huggingface`` schema metadata, and a README whose YAML front matter carries
``dataset_info`` (features, split sizes, download and dataset size) and ``configs`` (``data_files`` patterns,
``default``). Older shards of the pushed splits are deleted in the same commit; the card of other configs and
splits is kept. One commit per push, made against the commit the card was read from (``parent_commit``), so a
concurrent push fails instead of being overwritten.

Shard count: ``num_shards``, else ``int(nbytes / max_shard_size) + 1`` with ``max_shard_size`` 500MB by
default, where ``nbytes`` is the in-memory (Arrow) size of the split.
"""

from __future__ import annotations

import fnmatch
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from polards.exceptions import InvalidArgumentError
from polards.hub.client import hf_api, hub_settings, translate_error

_SPLIT_RE = r"^\w+(\.\w+)*$"  # datasets' naming._split_re
_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}
MAX_SHARD_SIZE = "500MB"


def size_in_bytes(size: int | str) -> int:
    """``"500MB"`` -> 500000000, as ``datasets``' ``convert_file_size_to_int``.

    >>> size_in_bytes("500MB"), size_in_bytes("1GiB"), size_in_bytes(10)
    (500000000, 1073741824, 10)
    """
    if isinstance(size, int):
        return size
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]I?B)\s*", size.upper())
    if not match:
        raise InvalidArgumentError(
            f"max_shard_size={size!r} is not a size. Hint: write it like '500MB' or 10**8."
        )
    bits = 8 if size.strip().endswith("b") and not size.strip().endswith("B") else 1
    return int(float(match.group(1)) * _UNITS[match.group(2)]) // bits


# ------------------------------------------------------------------------------------------ card YAML
def features_to_yaml(features: Any) -> list[dict[str, Any]]:
    """Features in the card's ``dataset_info.features`` list form (``datasets``' ``Features._to_yaml_list``).

    >>> from polards.features import Features, Value, ClassLabel, List
    >>> features_to_yaml(Features({"q": Value("string"), "t": List(Value("int32"))}))
    [{'name': 'q', 'dtype': 'string'}, {'name': 't', 'list': 'int32'}]
    >>> features_to_yaml(Features({"y": ClassLabel(names=["a", "b"])}))
    [{'name': 'y', 'dtype': {'class_label': {'names': {'0': 'a', '1': 'b'}}}}]
    """

    def snake(name: str) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

    def simplify(feature: dict[str, Any]) -> dict[str, Any]:
        for kind in ("large_list", "list", "sequence"):
            inner = feature.get(kind)
            if isinstance(inner, dict) and list(inner) == ["dtype"]:
                feature[kind] = inner["dtype"]
            if isinstance(inner, dict) and list(inner) == ["struct"]:
                feature[kind] = inner["struct"]
        label = feature.get("class_label")
        if isinstance(label, dict) and isinstance(label.get("names"), list):
            label["names"] = {str(i): name for i, name in enumerate(label["names"])}
        return feature

    def inner(obj: Any) -> dict[str, Any]:
        if isinstance(obj, dict):
            obj = dict(obj)
            kind = obj.pop("_type", None)
            if kind in ("List", "LargeList"):
                sub = obj.pop("feature")
                return simplify({"list" if kind == "List" else "large_list": inner(sub), **obj})
            if kind == "Value":
                return obj
            if kind and not obj:
                return {"dtype": snake(kind)}
            if kind:
                return {"dtype": simplify({snake(kind): obj})}
            return {"struct": [{"name": name, **inner(sub)} for name, sub in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return simplify({"list": simplify(inner(obj[0]))})
        raise TypeError(f"Cannot write feature {obj!r} to a dataset card.")

    return [{"name": name, **inner(sub)} for name, sub in features.to_dict().items()]


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    if text.startswith("---"):
        head, sep, body = text[3:].partition("\n---")
        if sep:
            data = yaml.safe_load(head) or {}
            if not isinstance(data, dict):
                raise InvalidArgumentError(
                    "The repo's README.md YAML header is not a mapping; fix it before pushing."
                )
            return data, body.lstrip("-").lstrip("\n")
    return {}, text


def _config_name(entry: Mapping[str, Any]) -> str:
    return str(entry.get("config_name") or "default")


def update_card(
    text: str | None,
    *,
    config_name: str,
    data_dir: str,
    features: Any,
    splits: Mapping[str, tuple[int, int, int, int]],
    set_default: bool | None,
    remove_other_splits: bool,
) -> str:
    """The README after pushing ``splits`` (name -> (num_examples, num_bytes, uploaded bytes, deleted bytes)).

    >>> from polards.features import Features, Value
    >>> card = update_card(None, config_name="default", data_dir="data", features=Features({"a": Value("int64")}),
    ...                    splits={"train": (3, 24, 500, 0)}, set_default=None, remove_other_splits=False)
    >>> print(card)  # doctest: +NORMALIZE_WHITESPACE
    ---
    dataset_info:
      features:
      - name: a
        dtype: int64
      splits:
      - name: train
        num_bytes: 24
        num_examples: 3
      download_size: 500
      dataset_size: 24
    configs:
    - config_name: default
      data_files:
      - split: train
        path: data/train-*
    ---
    """
    meta, body = _split_front_matter(text) if text else ({}, "")
    infos = meta.get("dataset_info")
    info_list: list[dict[str, Any]] = (
        [dict(i) for i in infos if isinstance(i, dict)]
        if isinstance(infos, list)
        else [dict(infos)]
        if infos
        else []
    )
    info = next((i for i in info_list if _config_name(i) == config_name), None)
    yaml_features = features_to_yaml(features)
    if info is None or remove_other_splits:
        if info is not None:
            info_list.remove(info)
        info = {"features": yaml_features, "splits": [], "download_size": 0, "dataset_size": 0}
        if config_name != "default":
            info["config_name"] = config_name
        info_list.append(info)
    elif (
        any(s.get("name") not in splits for s in info.get("splits") or [])
        and info.get("features") != yaml_features
    ):
        raise InvalidArgumentError(
            f"Features of the new split(s) {sorted(splits)} don't match the features of the existing splits of "
            f"config {config_name!r} on the Hub: {yaml_features} != {info.get('features')}"
        )
    info["features"] = yaml_features
    old = {s.get("name"): s for s in info.get("splits") or []}
    for name, (examples, nbytes, uploaded, deleted) in splits.items():
        previous = old.pop(name, None)
        info["download_size"] = int(info.get("download_size") or 0) - deleted + uploaded
        info["dataset_size"] = (
            int(info.get("dataset_size") or 0) + nbytes - int((previous or {}).get("num_bytes") or 0)
        )
        old[name] = {"name": name, "num_bytes": nbytes, "num_examples": examples}
    info["splits"] = list(old.values())
    info_list = [
        {k: i[k] for k in ("config_name", "features", "splits", "download_size", "dataset_size") if k in i}
        for i in info_list
    ]
    meta["dataset_info"] = info_list[0] if len(info_list) == 1 else info_list  # datasets' form

    configs = [dict(c) for c in meta.get("configs") or [] if isinstance(c, dict)]
    config = next((c for c in configs if _config_name(c) == config_name), None)
    files: dict[str, Any] = {}
    if config is not None and not remove_other_splits:
        existing = config.get("data_files") or []
        if isinstance(existing, list):
            files = {d["split"]: d["path"] for d in existing if isinstance(d, dict) and "split" in d}
    for name in splits:
        files[name] = f"{data_dir}/{name}-*"
    new_config: dict[str, Any] = {"config_name": config_name}
    if set_default and config_name != "default":
        if any(_config_name(c) == "default" for c in configs):
            raise InvalidArgumentError(
                "There exists a configuration named 'default'. To set a different configuration as default, "
                "rename the 'default' one first."
            )
        for c in configs:
            c.pop("default", None)
        new_config["default"] = True
    elif config is not None and config.get("default"):
        new_config["default"] = True
    new_config["data_files"] = [{"split": s, "path": p} for s, p in files.items()]
    configs = [new_config if _config_name(c) == config_name else c for c in configs]
    if config is None:
        configs.append(new_config)
    meta["configs"] = configs
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n{body}"


# ------------------------------------------------------------------------------------------ the push
def _write_shards(
    ds: Any, folder: Path, data_dir: str, split: str, num_shards: int
) -> tuple[list[Path], int]:
    paths = []
    size = 0
    for index in range(num_shards):
        shard = ds.shard(num_shards=num_shards, index=index, contiguous=True)
        path = folder / data_dir / f"{split}-{index:05d}-of-{num_shards:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        shard.to_parquet(str(path))
        size += path.stat().st_size
        paths.append(path)
    return paths, size


def push_splits(
    splits: Mapping[str, Any],
    repo_id: str,
    *,
    config_name: str = "default",
    set_default: bool | None = None,
    data_dir: str | None = None,
    commit_message: str | None = None,
    commit_description: str | None = None,
    private: bool | None = None,
    token: str | None = None,
    revision: str | None = None,
    create_pr: bool | None = False,
    max_shard_size: int | str | None = None,
    num_shards: int | Mapping[str, int] | None = None,
    embed_external_files: bool = True,
    num_proc: int | None = None,
    remove_other_splits: bool = False,
) -> Any:
    """Push ``splits`` (split name -> ``Dataset``) as one config of ``repo_id``; the ``CommitInfo``."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, RepositoryNotFoundError

    if config_name == "data":
        raise InvalidArgumentError(
            "`config_name` cannot be 'data'. Please, choose another name for configuration."
        )
    if max_shard_size is not None and num_shards is not None:
        raise InvalidArgumentError(
            "Failed to push_to_hub: please specify either max_shard_size or num_shards, but not both."
        )
    for split in splits:
        if not re.match(_SPLIT_RE, split):
            raise InvalidArgumentError(f"Split name should match '{_SPLIT_RE}' but got '{split}'.")
    if isinstance(num_shards, Mapping) and set(num_shards) - set(splits):
        raise InvalidArgumentError(
            f"num_shards names unknown splits: {sorted(set(num_shards) - set(splits))}"
        )
    _ = embed_external_files, num_proc  # images/audio are stored with their bytes already; one process writes
    data_dir = data_dir or (config_name if config_name != "default" else "data")
    settings = hub_settings(token=token)
    api = hf_api(settings)
    try:
        try:
            repo_id = api.repo_info(repo_id, repo_type="dataset").id
        except RepositoryNotFoundError:
            repo_id = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True).repo_id
        if revision is not None and not revision.startswith("refs/pr/"):
            api.create_branch(repo_id, branch=revision, repo_type="dataset", exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="polards-push-") as tmp:
            additions, new_paths, sizes = [], set(), {}
            for split, ds in splits.items():
                nbytes = int(ds.to_polars().estimated_size())
                if isinstance(num_shards, Mapping):
                    n = num_shards.get(split)
                else:
                    n = num_shards
                n = n or int(nbytes / size_in_bytes(max_shard_size or MAX_SHARD_SIZE)) + 1
                paths, uploaded = _write_shards(
                    ds, Path(tmp), data_dir, split, max(1, min(n, max(len(ds), 1)))
                )
                for path in paths:
                    rel = path.relative_to(tmp).as_posix()
                    new_paths.add(rel)
                    additions.append(CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(path)))
                sizes[split] = (len(ds), nbytes, uploaded)
            parent = api.repo_info(repo_id, repo_type="dataset", revision=revision).sha
            existing = api.list_repo_files(repo_id, repo_type="dataset", revision=parent)
            patterns = [f"{data_dir}/*"] if remove_other_splits else [f"{data_dir}/{s}-*" for s in splits]
            stale = [
                p for p in existing if any(fnmatch.fnmatch(p, pat) for pat in patterns) and p not in new_paths
            ]
            stale_size = {}
            if stale:
                infos = api.get_paths_info(repo_id, stale, repo_type="dataset", revision=parent)
                stale_size = {i.path: getattr(i, "size", 0) or 0 for i in infos}
            try:
                from huggingface_hub import hf_hub_download

                readme = hf_hub_download(
                    repo_id,
                    "README.md",
                    repo_type="dataset",
                    revision=parent,
                    endpoint=settings.endpoint,
                    token=settings.token or False,
                    cache_dir=tempfile.mkdtemp(dir=tmp),
                )
                card_text: str | None = Path(readme).read_text(encoding="utf-8")
            except EntryNotFoundError:
                card_text = None
            features = next(iter(splits.values())).features
            deleted = {
                s: sum(v for p, v in stale_size.items() if fnmatch.fnmatch(p, f"{data_dir}/{s}-*"))
                for s in splits
            }
            card = update_card(
                card_text,
                config_name=config_name,
                data_dir=data_dir,
                features=features,
                splits={s: (*sizes[s], deleted[s]) for s in splits},
                set_default=set_default,
                remove_other_splits=remove_other_splits,
            )
            operations = [
                *additions,
                CommitOperationAdd(path_in_repo="README.md", path_or_fileobj=card.encode("utf-8")),
                *(CommitOperationDelete(path_in_repo=p) for p in stale),
            ]
            return api.create_commit(
                repo_id,
                operations=operations,
                commit_message=commit_message if commit_message is not None else "Upload dataset",
                commit_description=commit_description,
                repo_type="dataset",
                revision=revision,
                create_pr=create_pr,
                parent_commit=parent,
            )
    except HfHubHTTPError as exc:
        raise translate_error(exc, repo_id, settings, "push_to_hub") from exc
