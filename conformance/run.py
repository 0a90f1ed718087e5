"""Run ``datasets``' own tests through polards' compat layer and print ``K/N public tests pass``.

``python -m conformance.run`` :

1. lays out a test tree under ``/tmp/polards-conformance/tree`` made of symlinks to ``datasets``' test files (the
   repository's ``tests/`` of the 5.x line, with conftest and fixtures; the 5.2.0 release's top-level test files
   fill in any it lacks: its own need helpers the repository's ``utils.py`` no longer has); nothing is copied
   into this repository,
2. unless ``conformance/baseline.json`` exists (or ``--baseline`` is given), runs them on the real ``datasets``
   installed in the venv and records which tests pass there,
3. runs the public-API tests (:mod:`conformance.classify`) that pass on ``datasets`` through
   ``-p polards.compat.pytest_plugin`` and prints the figure and the failures grouped by cause.

No test reaches the network: ``integration`` tests are deselected and ``HF_ENDPOINT`` points at a closed port.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conformance.classify import classify_source, reasons_for, shared_fixtures

REPO_TESTS = Path(os.environ.get("DATASETS_REPO_TESTS", "/work/ext/datasets-tests-main/tests"))
RELEASE_TESTS = Path(os.environ.get("DATASETS_RELEASE_TESTS", "/work/ext/datasets-5.2.0/tests"))
WORK = Path(os.environ.get("POLARDS_CONFORMANCE_DIR", "/tmp/polards-conformance"))
BASELINE = Path(__file__).with_name("baseline.json")
DATASETS_VERSION = "5.2.0"

TEST_FILES = [
    "tests/test_arrow_dataset.py",
    "tests/test_iterable_dataset.py",
    "tests/test_dataset_dict.py",
    "tests/features/test_features.py",
    "tests/test_load.py",
    "tests/test_distributed.py",
    "tests/test_dataset_list.py",
    "tests/packaged_modules/test_parquet.py",
    "tests/packaged_modules/test_json.py",
    "tests/packaged_modules/test_csv.py",
    "tests/packaged_modules/test_text.py",
    "tests/io/test_csv.py",
    "tests/io/test_json.py",
    "tests/io/test_parquet.py",
    "tests/io/test_text.py",
    "tests/io/test_sql.py",
]
FIXTURE_FILES = [
    "tests/conftest.py",
    "tests/fixtures/files.py",
    "tests/fixtures/hub.py",
    "tests/fixtures/fsspec.py",
]
PYTEST_INI = "[pytest]\nmarkers =\n    unit: unit test\n    integration: integration test\n"


def build_tree(root: Path = WORK / "tree") -> Path:
    """A ``tests/`` tree of symlinks: the repository's tests, with the release's top-level test files on top."""
    if root.exists():
        shutil.rmtree(root)
    tests = root / "tests"
    tests.mkdir(parents=True)
    for entry in REPO_TESTS.iterdir():
        if entry.name != "__pycache__":
            (tests / entry.name).symlink_to(entry)
    for entry in RELEASE_TESTS.glob("test_*.py"):  # the release's files fill in what the repository lacks
        if not (tests / entry.name).exists():
            (tests / entry.name).symlink_to(entry)
    (root / "pytest.ini").write_text(PYTEST_INI)
    shim = root.parent / "shim"  # datasets' tests/utils.py imports httpx; huggingface_hub 2.x ships httpx2
    shim.mkdir(exist_ok=True)
    try:
        import httpx  # noqa: F401
    except ImportError:
        (shim / "httpx.py").write_text("from httpx2 import *  # noqa: F403\n")
    return root


def _env(report: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "POLARDS_", "DATASETS_"))}
    home = WORK / "hf_home"
    env.update(
        {
            "POLARDS_CONFORMANCE_REPORT": str(report),
            "HF_HOME": str(home),
            "HF_ENDPOINT": "http://127.0.0.1:9",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "PYTHONPATH": os.pathsep.join(
                [str(WORK / "tree"), str(Path(__file__).resolve().parents[1]), str(WORK / "shim")]
            ),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def _timeout_args() -> list[str]:
    try:
        import pytest_timeout  # noqa: F401
    except ImportError:
        return []
    return ["--timeout=90"]


def run_pytest(
    tree: Path, targets: Sequence[str], report: Path, *, compat: bool, log: Path, python: str = sys.executable
) -> int:
    """Run pytest on ``targets`` (node ids or files) in a subprocess; one JSON line per test lands in ``report``."""
    select = report.with_suffix(".select")
    ids = [t for t in targets if "::" in t]
    files = sorted({t.partition("::")[0] for t in targets})
    select.write_text("\n".join(ids) + "\n")
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conformance._report"]
    cmd += ["-p", "polards.compat.pytest_plugin"] if compat else []
    cmd += ["-m", "not integration", "-o", "addopts=", "--rootdir", str(tree), "-c", str(tree / "pytest.ini")]
    cmd += ["--tb=line", "-W", "ignore", *_timeout_args(), *files]
    env = _env(report)
    if ids:
        env["POLARDS_CONFORMANCE_SELECT"] = str(select)
    if compat:
        env["POLARDS_COMPAT_LENIENT"] = "1"
    with open(log, "w") as out:
        return subprocess.run(cmd, cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT).returncode


def run_groups(tree: Path, groups: Iterable[Sequence[str]], name: str, *, compat: bool) -> list[dict]:
    """Run each group of targets in its own pytest process (two at a time) and gather the JSON lines."""
    groups = [g for g in groups if g]
    reports = [WORK / f"{name}-{i}.jsonl" for i in range(len(groups))]
    for r in reports:
        r.unlink(missing_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(
            pool.map(
                lambda i: run_pytest(
                    tree, groups[i], reports[i], compat=compat, log=reports[i].with_suffix(".log")
                ),
                range(len(groups)),
            )
        )
    rows: list[dict] = []
    for r in reports:
        if r.exists():
            rows += [json.loads(line) for line in r.read_text().splitlines() if line.strip()]
    return rows


def _split_two(files: Sequence[str]) -> list[list[str]]:
    big = [f for f in files if f.endswith("test_arrow_dataset.py")]
    return [big, [f for f in files if f not in big]]


def verdicts(tree: Path) -> dict[str, dict[str, list[str]]]:
    """Classification per test file: ``{file: {test key: reasons}}``."""
    shared = shared_fixtures(tree / f for f in FIXTURE_FILES)
    return {f: classify_source((tree / f).read_text(), shared) for f in TEST_FILES}


def is_public(nodeid: str, table: dict[str, dict[str, list[str]]]) -> bool:
    path = nodeid.partition("::")[0]
    reasons = reasons_for(nodeid, table.get(path, {}))
    return reasons == []


def make_baseline(tree: Path) -> dict:
    """Run every selected file on the real ``datasets`` and keep the node ids that pass."""
    started = time.time()
    rows = run_groups(tree, _split_two(TEST_FILES), "baseline", compat=False)
    passed = sorted(r["key"] for r in rows if r["outcome"] == "passed")
    data = {
        "datasets_version": DATASETS_VERSION,
        "note": "keys (node ids, parameters as indices) of datasets' own tests that pass on the real datasets;"
        " rebuild with python -m conformance.run --baseline",
        "collected": len(rows),
        "seconds": round(time.time() - started),
        "passed": passed,
    }
    BASELINE.write_text(json.dumps(data, indent=1) + "\n")
    return data


_NORMALISE = [
    (re.compile(r"0x[0-9a-f]+"), "0x…"),
    (re.compile(r"/tmp/\S+|/work/\S+|/root/\S+"), "<path>"),
    (re.compile(r"\d+(\.\d+)?"), "N"),
    (re.compile(r"\s+"), " "),
]


def cause(row: dict) -> str:
    """Exception type + first line of the message, numbers/paths/addresses normalised."""
    message = (row.get("message") or "").strip().splitlines()
    first = message[0] if message else ""
    for pattern, repl in _NORMALISE:
        first = pattern.sub(repl, first)
    return f"{row.get('exc_type', row['outcome'])}: {first[:150]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.run", description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", action="store_true", help="re-run the tests on the real datasets first")
    parser.add_argument("--show", type=int, default=25, help="how many failure groups to print")
    parser.add_argument("--ids", type=int, default=3, help="node ids printed per group")
    parser.add_argument("-k", dest="keyword", default=None, help="only node ids containing this text")
    parser.add_argument("--json", type=Path, default=None, help="write every public test's result here")
    args = parser.parse_args(argv)

    tree = build_tree()
    if args.baseline or not BASELINE.exists():
        base = make_baseline(tree)
        print(
            f"baseline: {len(base['passed'])}/{base['collected']} pass on datasets {DATASETS_VERSION}",
            flush=True,
        )
    base = json.loads(BASELINE.read_text())
    table = verdicts(tree)
    public = [n for n in base["passed"] if is_public(n, table)]
    if args.keyword:
        public = [n for n in public if args.keyword in n]
    files = collections.defaultdict(list)
    for n in public:
        files[n.partition("::")[0]].append(n)
    big = [n for f, ids in files.items() if f.endswith("test_arrow_dataset.py") for n in ids]
    rest = [n for f, ids in files.items() if not f.endswith("test_arrow_dataset.py") for n in ids]
    started = time.time()
    rows = {r["key"]: r for r in run_groups(tree, [big, rest], "compat", compat=True)}
    results = [rows.get(n, {"nodeid": n, "outcome": "not run", "exc_type": "NotRun"}) for n in public]
    ok = [r for r in results if r["outcome"] == "passed"]
    groups: dict[str, list[str]] = collections.defaultdict(list)
    for r in results:
        if r["outcome"] != "passed":
            groups[cause(r)].append(r["nodeid"])
    print(f"\nfailure groups ({len(groups)}), largest first:")
    for key, ids in sorted(groups.items(), key=lambda kv: -len(kv[1]))[: args.show]:
        print(f"  {len(ids):4d}  {key}")
        for n in ids[: args.ids]:
            print(f"          {n}")
    per_file = collections.Counter(r["nodeid"].partition("::")[0] for r in results)
    per_file_ok = collections.Counter(r["nodeid"].partition("::")[0] for r in ok)
    print("\nper file:")
    for f in sorted(per_file):
        print(f"  {per_file_ok[f]:4d}/{per_file[f]:<4d} {f}")
    print(f"\n({round(time.time() - started)} s; logs in {WORK})")
    print(f"{len(ok)}/{len(public)} public tests pass")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
