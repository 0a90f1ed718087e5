"""The `polards` CLI end to end against the local Hub emulator: outputs, files written, exit codes, error lines."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import polars as pl
import pytest

from polards.cli.main import main

REPO = "openai/gsm8k"


@pytest.fixture
def cli(hf_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `polards ARGS...` in-process; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("POLARDS_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("POLARDS_CACHE", str(tmp_path / "pcache"))
    monkeypatch.setenv("COLUMNS", "160")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _one_error_line(err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("polards: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_info(cli) -> None:
    code, out, _ = cli("info", REPO)
    assert code == 0
    assert "config main" in out and "config socratic" in out
    assert re.search(r"split train\s+7,473 rows", out) and "question: Value('string')" in out
    code, out, _ = cli("info", REPO, "--config", "main", "--json")
    data = json.loads(out)
    assert list(data["configs"]) == ["main"] and data["configs"]["main"]["splits"]["test"]["num_rows"] == 1319


def test_info_errors(cli) -> None:
    code, _, err = cli("info", REPO, "--config", "mian")
    assert code == 1
    _one_error_line(err, "'mian'", "did you mean 'main'")
    code, _, err = cli("info", "nobody/nothing")
    assert code == 1
    _one_error_line(err, "nobody/nothing")


def test_info_reads_no_data_files(cli, hf_env) -> None:
    hf_env.hub.reset_requests()
    assert cli("info", REPO)[0] == 0
    assert hf_env.hub.count("GET", ".parquet") == 0


def test_head(cli) -> None:
    code, out, _ = cli("head", REPO, "--config", "main", "--split", "test", "-n", "3")
    assert code == 0 and "first 3 row(s)" in out and "Janet" in out
    code, out, _ = cli(
        "head", REPO, "-c", "main", "-s", "train", "-n", "2", "--json", "--columns", "question"
    )
    rows = json.loads(out)
    assert len(rows) == 2 and list(rows[0]) == ["question"]
    code, _, err = cli("head", REPO, "-c", "main", "--split", "tset")
    assert code == 1
    _one_error_line(err, "tset")


@pytest.mark.parametrize("suffix", ["parquet", "jsonl", "csv"])
def test_load_exports_split(cli, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"train.{suffix}"
    code, _, err = cli("load", REPO, "--config", "main", "--split", "train", "--to", str(target))
    assert code == 0, err
    assert "7473/7473" in err  # the progress bar reached the total
    read = {"parquet": pl.read_parquet, "jsonl": pl.read_ndjson, "csv": pl.read_csv}[suffix]
    df = read(target)
    assert df.shape == (7473, 2) and df.columns == ["question", "answer"]
    assert df["question"][0].startswith("Natalia sold clips")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_load_all_splits_with_placeholder_and_limit(cli, tmp_path: Path) -> None:
    code, _, err = cli("load", REPO, "-c", "main", "--to", str(tmp_path / "x.parquet"))
    assert code == 1
    _one_error_line(err, "{split}", "['train', 'test']")
    code, _, err = cli(
        "load",
        REPO,
        "-c",
        "main",
        "--to",
        str(tmp_path / "{split}.jsonl"),
        "--limit",
        "10",
        "-q",
        "--columns",
        "answer",
    )
    assert code == 0, err
    for split in ("train", "test"):
        df = pl.read_ndjson(tmp_path / f"{split}.jsonl")
        assert df.shape == (10, 1) and df.columns == ["answer"]
    code, _, err = cli("load", REPO, "-c", "main", "--split", "test", "--to", str(tmp_path / "x.xlsx"))
    assert code == 1
    _one_error_line(err, ".xlsx")


def test_load_and_head_split_slices(cli, tmp_path: Path) -> None:
    code, _, err = cli(
        "load", REPO, "-c", "main", "-s", "train[10:110]", "--to", str(tmp_path / "s.parquet"), "-q"
    )
    assert code == 0, err
    sliced = pl.read_parquet(tmp_path / "s.parquet")
    assert sliced.height == 100 and sliced["question"][0].startswith("A deep-sea monster")
    code, _, err = cli(
        "load",
        REPO,
        "-c",
        "main",
        "-s",
        "test[:10%]",
        "--to",
        str(tmp_path / "p.csv"),
        "-q",
        "--no-streaming",
    )
    assert code == 0, err
    assert pl.read_csv(tmp_path / "p.csv").height == 132
    code, out, _ = cli("head", REPO, "-c", "main", "-s", "train[10:]", "-n", "1", "--json")
    assert json.loads(out)[0]["question"].startswith("A deep-sea monster")


def test_gated_repo_needs_token(cli) -> None:
    code, _, err = cli("head", "polards-test/gated-gsm8k", "-n", "1")
    assert code == 1
    _one_error_line(err, "polards-test/gated-gsm8k", "token")
    code, out, _ = cli(
        "head", "polards-test/gated-gsm8k", "-n", "1", "--token", "hf_polards_test_token", "--json"
    )
    assert code == 0 and len(json.loads(out)) == 1


def test_datasets(cli) -> None:
    code, out, _ = cli("datasets", "--domain", "math")
    assert code == 0 and "openai/gsm8k" in out and "dataset(s)" in out
    code, out, _ = cli("datasets", "--json")
    assert any(d["repo_id"] == REPO for d in json.loads(out))
    code, _, err = cli("datasets", "--domain", "maths")
    assert code == 1
    _one_error_line(err, "maths")


def _predictions(tmp_path: Path, name: str, every: int) -> Path:
    import polards as pds

    gold = pds.load_dataset(REPO, "main", split="test").to_polars()["answer"].str.extract(r"####\s*(.+)$")
    preds = [
        f"So the answer is {g.replace(',', '')}." if i % every else "The answer is 0."
        for i, g in enumerate(gold)
    ]
    path = tmp_path / f"{name}.jsonl"
    pl.DataFrame({"prediction": preds}).write_ndjson(path)
    return path


def test_eval_results_compare_report(cli, tmp_path: Path) -> None:
    a, b = _predictions(tmp_path, "a", 2), _predictions(tmp_path, "b", 4)
    common = [
        "--config",
        "main",
        "--split",
        "test",
        "--reference-column",
        "answer",
        "--extract-reference",
        "gsm8k",
        "--extract-prediction",
        "answer_is",
        "--metrics",
        "exact_match",
    ]
    code, out, err = cli(
        "eval", REPO, *common, "--predictions", str(a), "--model", "m-a", "--param", "temperature=0"
    )
    assert code == 0, err
    assert re.search(r"exact_match\s+0\.4996", out) and "stored run" in out
    code, out, err = cli(
        "eval",
        REPO,
        *common,
        "--predictions",
        str(b),
        "--model",
        "m-b",
        "--report",
        str(tmp_path / "b.html"),
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["n"] == 1319 and result["metrics"]["exact_match"] == pytest.approx(0.75, abs=0.01)
    assert (tmp_path / "b.html").read_text().count("<tr>") > 1319

    code, out, _ = cli("results", "ls")
    assert code == 0 and "m-a" in out and "m-b" in out and "2 run(s)" in out
    code, out, _ = cli("results", "ls", "--model", "m-b", "--json")
    assert [r["model"] for r in json.loads(out)] == ["m-b"]
    code, out, _ = cli("results", "show", "latest~1")
    assert code == 0 and "model: m-a" in out and "'temperature': '0'" in out
    code, out, _ = cli(
        "results", "compare", "latest~1", "latest", "--json", "--report", str(tmp_path / "cmp.html")
    )
    summary = json.loads(out)["summary"]
    # items i%4==0 are wrong in B; i%2==0 wrong in A: B gains the i%4==2 items and loses none.
    assert summary == {"gained": 330, "lost": 0, "same": 989, "only_a": 0, "only_b": 0}
    assert "gained: 330" in (tmp_path / "cmp.html").read_text()
    code, out, _ = cli("results", "export", "latest", "--to", str(tmp_path / "items.csv"))
    assert code == 0 and pl.read_csv(tmp_path / "items.csv").height == 1319
    code, _, err = cli("results", "rm", "latest", "nope")
    _one_error_line(err, "'nope'")
    code, _, err = cli("results", "rm", "latest")  # no terminal to ask on: nothing deleted without --yes
    _one_error_line(err, "--yes")
    code, out, _ = cli("results", "rm", "latest", "--yes")
    assert code == 0 and out.startswith("deleted ")
    code, out, _ = cli("results", "ls", "--json")
    assert [r["model"] for r in json.loads(out)] == ["m-a"]


def test_eval_errors(cli, tmp_path: Path) -> None:
    short = tmp_path / "short.jsonl"
    pl.DataFrame({"prediction": ["1", "2"]}).write_ndjson(short)
    base = ["eval", REPO, "-c", "main", "-s", "test", "--reference-column", "answer"]
    code, _, err = cli(*base, "--predictions", str(short))
    assert code == 1
    _one_error_line(err, "2 predictions", "1319 rows", "--limit")
    code, _, err = cli(*base, "--predictions", str(short), "--limit", "2", "--no-store")
    assert code == 0, err
    code, _, err = cli(*base[:-1], "anwser", "--predictions", str(short))
    _one_error_line(err, "'anwser'", "did you mean 'answer'")
    code, _, err = cli(*base, "--predictions", str(tmp_path / "missing.jsonl"))
    _one_error_line(err, "missing.jsonl")
    code, _, err = cli(*base, "--predictions", str(short), "--limit", "2", "--metrics", "bleurt")
    _one_error_line(err, "bleurt")


def test_results_errors(cli) -> None:
    code, _, err = cli("results", "show", "nope")
    assert code == 1
    _one_error_line(err, "'nope'", "polards results ls")
    code, _, err = cli("results", "compare", "a", "b")
    _one_error_line(err, "'a'")


def test_cache_commands(cli, hf_env) -> None:
    import polards as pds

    pds.load_dataset(REPO, "main", split="test")
    code, out, _ = cli("cache", "ls")
    assert code == 0 and REPO in out and "1 entry" in out
    code, out, _ = cli("cache", "du", "--json")
    assert json.loads(out)["hub"] > 100_000
    code, out, _ = cli("cache", "prune", "--older-than", "30d")
    assert code == 0 and "0 entries" in out
    code, _, err = cli("cache", "clear")
    _one_error_line(err, "--yes")
    code, out, _ = cli("cache", "rm", REPO)
    assert code == 0 and f"removed {REPO}" in out
    code, out, _ = cli("cache", "ls", "--json")
    assert json.loads(out) == []
    code, _, err = cli("cache", "rm", REPO)
    assert code == 1
    _one_error_line(err, REPO)
    assert cli("cache", "clear", "--yes")[0] == 0


def test_usage_errors_exit_2(cli) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["head"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    assert main([]) == 2


def test_demo_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    before = dict(os.environ)
    assert main(["demo", "--rows", "2"]) == 0
    out = capsys.readouterr().out
    assert "main       splits: train, test" in out
    assert "streamed 7,473 rows" in out
    assert "polars plan:" in out and "Parquet SCAN" in out and "FILTER" in out
    assert "final_answer" in out and "test problems need 4+ steps" in out
    assert dict(os.environ) == before  # the demo restored the environment


def test_console_script_errors_are_one_line(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("polards")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "polards.cli.main"]
    env = {
        **os.environ,
        "HF_ENDPOINT": "http://127.0.0.1:9",
        "HF_HOME": str(tmp_path),
        "POLARDS_HUB_DEADLINE": "3",
        "POLARDS_HUB_MAX_RETRIES": "0",
    }
    proc = subprocess.run([*cmd, "info", REPO], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    _one_error_line(proc.stderr)
    proc = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("polards ")


def test_hub_serve(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("polards")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "polards.cli.main"]
    proc = subprocess.Popen([*cmd, "hub", "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        endpoint = re.search(r"at (http://127\.0\.0\.1:\d+)", first).group(1)
        with urllib.request.urlopen(f"{endpoint}/api/datasets/{REPO}", timeout=10) as resp:
            assert json.load(resp)["id"] == REPO
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
