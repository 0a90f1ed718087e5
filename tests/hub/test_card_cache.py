"""README front matter is parsed once per text, and every caller gets its own copy."""

from __future__ import annotations

from polards.hub import card

TEXT = "---\nconfigs:\n- config_name: a\n  data_files: a/*.parquet\n---\n# Card\n"


def test_second_parse_is_served_from_the_cache_as_a_fresh_copy() -> None:
    card._composed.cache_clear()
    first = card.parse_front_matter(TEXT)
    first["configs"][0]["config_name"] = "changed"
    second = card.parse_front_matter(TEXT)
    assert second == {"configs": [{"config_name": "a", "data_files": "a/*.parquet"}]}
    assert card._composed.cache_info().hits == 1


def test_libyaml_and_pure_python_parsers_agree_on_a_real_card() -> None:
    import pathlib

    import yaml

    readme = pathlib.Path(card.__file__).parents[1] / "testing/fixtures/repos/ceval/ceval-exam/README.md"
    text = readme.read_text(encoding="utf-8")
    body = card._front_matter(text)
    assert card.parse_front_matter(text) == yaml.safe_load(body)
