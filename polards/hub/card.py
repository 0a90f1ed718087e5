"""README front matter: parsed strictly, so a malformed ``configs:`` block is an error and never a silent fallback.

``datasets`` raises on a README whose YAML does not parse (``yaml.YAMLError``) and on a ``configs:`` block of
the wrong shape (``ValueError``). polards raises :class:`~polards.exceptions.MalformedYAMLError` (both a
``yaml.YAMLError`` and a ``ValueError``) and :class:`~polards.exceptions.MalformedMetadataError` (a
``ValueError``), each naming the file (``repo@revision/README.md`` for a Hub repo) and the line. Falling back to
the file-name conventions instead would load a different file set with no error.

Checked: the front matter is a mapping; ``configs`` is a list of mappings; ``config_name`` and ``data_dir`` are
strings; ``data_files`` is a string, a list of strings, a list of ``{split, path}`` mappings whose ``path`` is a
string or a list of strings, or a split -> patterns mapping. Other keys (``dataset_info`` ...) are read leniently.

>>> parse_front_matter("---\\nconfigs:\\n- config_name: a\\n---\\n# T")
{'configs': [{'config_name': 'a'}]}
>>> parse_front_matter("# no front matter")
{}
>>> try:
...     parse_front_matter("---\\nconfigs:\\n  config_name: a\\n---\\n", source="acme/x@main/README.md")
... except ValueError as err:
...     print(err)
acme/x@main/README.md, line 3: `configs:` must be a list of configs (`- config_name: ...`), got a mapping.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import yaml

from polards.exceptions import MalformedMetadataError

_STR = "tag:yaml.org,2002:str"


def _front_matter(text: str) -> str | None:
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    return None if end < 0 else text[3:end]


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1  # the YAML starts on line 1 of the README, after the opening ``---``


def _fail(source: str, node: yaml.Node, what: str) -> MalformedMetadataError:
    return MalformedMetadataError(f"{source}, line {_line(node)}: {what}")


def _shown(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value) if node.tag == _STR else node.value
    return "a mapping" if isinstance(node, yaml.MappingNode) else "a list"


def _get(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _is_str(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _STR


def _check_patterns(source: str, node: yaml.Node, what: str) -> None:
    if _is_str(node):
        return
    if isinstance(node, yaml.SequenceNode) and all(_is_str(n) for n in node.value):
        return
    raise _fail(source, node, f"{what} must be a string or a list of strings, got {_shown(node)}.")


def _check_data_files(source: str, node: yaml.Node) -> None:
    if _is_str(node):
        return
    if isinstance(node, yaml.MappingNode):  # split -> patterns
        for _, v in node.value:
            _check_patterns(source, v, "each split's data_files")
        return
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(source, node, f"data_files must be a string or a list, got {_shown(node)}.")
    for item in node.value:
        if _is_str(item):
            continue
        if not isinstance(item, yaml.MappingNode):
            raise _fail(
                source, item, f"a data_files entry must be a string or {{split, path}}, got {_shown(item)}."
            )
        path = _get(item, "path")
        if path is None:
            raise _fail(source, item, "a data_files entry needs a `path:` (a string or a list of strings).")
        _check_patterns(source, path, "`path:`")
        split = _get(item, "split")
        if split is not None and not _is_str(split):
            raise _fail(source, split, f"`split:` must be a string, got {_shown(split)}.")


def _check_configs(source: str, root: yaml.Node) -> None:
    configs = _get(root, "configs") if isinstance(root, yaml.MappingNode) else None
    if configs is None or (isinstance(configs, yaml.ScalarNode) and configs.value in ("", "null", "~")):
        return
    if not isinstance(configs, yaml.SequenceNode):
        raise _fail(
            source,
            configs,
            f"`configs:` must be a list of configs (`- config_name: ...`), got {_shown(configs)}.",
        )
    for cfg in configs.value:
        if not isinstance(cfg, yaml.MappingNode):
            raise _fail(source, cfg, f"each entry of `configs:` must be a mapping, got {_shown(cfg)}.")
        for key in ("config_name", "data_dir"):
            value = _get(cfg, key)
            if value is not None and not _is_str(value):
                raise _fail(source, value, f"`{key}:` must be a string, got {_shown(value)}.")
        data_files = _get(cfg, "data_files")
        if data_files is not None:
            _check_data_files(source, data_files)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: ~10x faster


@functools.lru_cache(maxsize=64)
def _composed(body: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and the data of one YAML text, parsed once (a repo's README is read on every load)."""
    loader = _LOADER(body)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def _parsed(body: str) -> tuple[yaml.Node | None, Any]:
    root, data = _composed(body)
    return root, copy.deepcopy(data)  # the caller may change its dict; the cached one stays as parsed


def parse_front_matter(text: str | None, *, source: str = "README.md") -> dict[str, Any]:
    """The README's YAML front matter as a dict (``{}`` without front matter), validated.

    Raises
    ------
    MalformedYAMLError
        The YAML does not parse (a ``yaml.YAMLError`` and a ``ValueError``), naming ``source`` and the line.
    MalformedMetadataError
        The YAML parses but is not a mapping, or its ``configs:`` block has the wrong shape.
    """
    body = _front_matter(text or "")
    if body is None:
        return {}
    try:
        try:
            root, data = _parsed(body)
        except yaml.YAMLError:  # libyaml points past the culprit: the pure-Python parser names its line
            yaml.compose(body, Loader=yaml.SafeLoader)
            raise
    except yaml.YAMLError as err:
        from polards.exceptions import MalformedYAMLError

        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise MalformedYAMLError(
            f"{source}{where}: the YAML front matter does not parse: {problem}."
        ) from err
    if data is None:
        return {}
    if not isinstance(data, dict) or root is None:
        raise MalformedMetadataError(
            f"{source}: the YAML front matter must be a mapping, got {type(data).__name__}."
        )
    _check_configs(source, root)
    return data
