"""Leaving a remote stream mid-shard and exiting must not abort the interpreter (found by bench W8)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import os, tempfile
from polards.testing.hub import HubEmulator
with HubEmulator() as hub:
    os.environ["HF_ENDPOINT"] = hub.endpoint
    os.environ["HF_HOME"] = tempfile.mkdtemp()
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    import polards as pds
    it = pds.load_dataset("openai/gsm8k", "main", split="train", streaming=True)
    assert next(iter(it))["question"]
    assert len(next(it.iter(16))["question"]) == 16
print("exiting")
"""


def test_abandoned_remote_stream_exits_cleanly() -> None:
    for _ in range(4):
        proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Fatal" not in proc.stderr and "FATAL" not in proc.stderr, proc.stderr[-2000:]
