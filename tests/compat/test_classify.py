"""conformance.classify: the public-API rule on small synthetic test files (fast, no datasets needed)."""

from __future__ import annotations

import textwrap

from conformance.classify import classify_source, node_key, reasons_for

SOURCE = textwrap.dedent(
    """
    import pytest
    import datasets
    from datasets import Dataset, config
    from datasets.iterable_dataset import ExamplesIterable
    from datasets.features.features import _align_features


    @pytest.fixture
    def internal_fixture():
        return ExamplesIterable(None, {})


    def helper():
        return Dataset.from_dict({"a": [1]})._data


    def test_public(tmp_path):
        ds = Dataset.from_dict({"a": [1]})
        assert config.HF_DATASETS_CACHE and datasets.Value("int64")


    def test_private_attr():
        assert Dataset.from_dict({"a": [1]})._fingerprint


    def test_internal_class():
        ExamplesIterable(None, {})


    def test_private_function():
        _align_features([])


    def test_helper_is_followed():
        helper()


    def test_fixture_is_followed(internal_fixture):
        pass


    def test_patch_string(monkeypatch):
        monkeypatch.setattr("datasets.arrow_dataset.Dataset._map_single", None)


    def test_config_patch_is_public(monkeypatch):
        monkeypatch.setattr("datasets.config.HF_DATASETS_CACHE", "x")


    @pytest.mark.integration
    def test_marked_integration():
        pass


    def test_hub_url():
        Dataset.from_parquet("hf://datasets/x/y/data.parquet")


    def test_torch_format():
        Dataset.from_dict({"a": [1]}).with_format("torch")


    class FooTest:
        def _make(self):
            return Dataset.from_dict({"a": [1]})

        def test_own_helper_is_fine(self):
            self._make()

        def _bad(self):
            return self._make()._indices

        def test_own_helper_using_private(self):
            self._bad()
    """
)


def test_rule_on_synthetic_file() -> None:
    v = classify_source(SOURCE)
    public = {k for k, r in v.items() if not r}
    assert public == {"test_public", "test_config_patch_is_public", "FooTest::test_own_helper_is_fine"}
    assert v["test_private_attr"] == ["private attribute ._fingerprint"]
    assert v["test_internal_class"] == ["internal name datasets.iterable_dataset.ExamplesIterable"]
    assert "internal name datasets.features.features._align_features" in v["test_private_function"]
    assert v["test_helper_is_followed"] == ["private attribute ._data"]
    assert v["test_fixture_is_followed"] == ["internal name datasets.iterable_dataset.ExamplesIterable"]
    assert any("_map_single" in r for r in v["test_patch_string"])
    assert v["test_marked_integration"] == ["marker integration"]
    assert v["test_hub_url"] == ["network URL"]
    assert v["test_torch_format"] == ["framework 'torch'"]
    assert v["FooTest::test_own_helper_using_private"] == ["private attribute ._indices"]


def test_node_ids_map_to_tests() -> None:
    v = {"test_a": [], "FooTest::test_b": ["private attribute ._x"]}
    assert node_key("tests/t.py::test_a[1-2]") == ("tests/t.py", "test_a")
    assert reasons_for("tests/t.py::test_a[x]", v) == []
    # absl's parameterized expands test_b into test_b_in_memory
    assert reasons_for("tests/t.py::FooTest::test_b_in_memory", v) == ["private attribute ._x"]
    assert reasons_for("tests/t.py::test_unknown", v) is None
