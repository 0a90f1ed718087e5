"""polards.compat: `import datasets` gives polards (in subprocesses, so the real package stays in this one)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    import datasets
    from datasets import load_dataset, Dataset
    from datasets.features import Value
    from datasets.features.features import Features
    from datasets.arrow_dataset import Dataset as ArrowDataset
    from datasets.iterable_dataset import IterableDataset
    from datasets.dataset_dict import DatasetDict
    from datasets.combine import concatenate_datasets
    from datasets.distributed import split_dataset_by_node
    from datasets.exceptions import DatasetNotFoundError
    from datasets.utils.logging import get_logger
    from datasets.splits import NamedSplit
    from datasets.info import DatasetInfo
    import datasets.config
    import polards

    assert Dataset is polards.Dataset is ArrowDataset, Dataset
    assert Value is polards.Value and Features is polards.Features
    assert IterableDataset is polards.IterableDataset and DatasetDict is polards.DatasetDict
    assert load_dataset is polards.load_dataset
    assert "polards" in DatasetNotFoundError.__module__
    assert datasets.__polards__ is True
    assert not any(getattr(m, "__file__", "") and "site-packages/datasets" in m.__file__
                   for k, m in sys.modules.items() if k.startswith("datasets"))
    ds = Dataset.from_dict({"a": [1, 2]}, features=Features({"a": Value("int32")}))
    print(ds.features["a"].dtype, sys.argv[1:], isinstance(datasets.config.HF_DATASETS_CACHE, str))
    """
)


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_script_through_python_m_polards_compat(tmp_path: Path) -> None:
    script = tmp_path / "uses_datasets.py"
    script.write_text(SCRIPT)
    out = _run("-m", "polards.compat", str(script), "x", "--y")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["int32", "['x',", "'--y']", "True"]


def test_unknown_name_fails_at_import_unless_lenient(tmp_path: Path) -> None:
    script = tmp_path / "internal.py"
    script.write_text("import datasets.table\n")
    out = _run("-m", "polards.compat", str(script))
    assert out.returncode != 0 and "No module named 'datasets.table'" in out.stderr
    lenient = "from polards import compat; compat.install(lenient=True)\n" + textwrap.dedent(
        """
        from datasets.table import InMemoryTable
        try:
            InMemoryTable()
        except NotImplementedError as e:
            print(e)
        """
    )
    out = _run("-c", lenient)
    assert out.returncode == 0, out.stderr
    assert "InMemoryTable is not provided by polards" in out.stdout


def test_usage_without_script() -> None:
    out = _run("-m", "polards.compat")
    assert out.returncode == 2 and "usage" in out.stderr


def test_pytest_plugin_installs_before_collection(tmp_path: Path) -> None:
    (tmp_path / "test_uses_datasets.py").write_text(
        "import datasets\nimport polards\n\n\ndef test_it():\n    assert datasets.Dataset is polards.Dataset\n"
    )
    out = _run(
        "-m",
        "pytest",
        "-q",
        "-p",
        "polards.compat.pytest_plugin",
        "-p",
        "no:cacheprovider",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed" in out.stdout


def test_install_uninstall_restores_real_package() -> None:
    real = pytest.importorskip("datasets")
    from polards import compat

    compat.install()
    try:
        import datasets

        assert datasets.__polards__ is True and compat.is_installed()
    finally:
        compat.uninstall()
    import datasets

    assert datasets is real and not compat.is_installed()
