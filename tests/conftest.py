"""Test-wide setup: the Hub emulator fixtures, and no way to reach the internet by accident.

Before anything imports huggingface_hub, HF_ENDPOINT points at a closed loopback port and HF_HOME at a
temporary folder, so a test that forgets the emulator fails fast instead of calling the real Hub.
"""

from __future__ import annotations

import os
import tempfile

os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="polards-test-hf-"))
os.environ.setdefault("POLARDS_CACHE", tempfile.mkdtemp(prefix="polards-test-cache-"))
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_XET"] = "1"  # the emulator speaks LFS for uploads, not Xet
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ["HF_DATASETS_DISABLE_PROGRESS_BARS"] = "1"
for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
    os.environ.pop(var, None)

pytest_plugins = ["polards.testing.pytest_plugin"]
