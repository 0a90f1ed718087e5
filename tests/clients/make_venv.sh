#!/usr/bin/env bash
# Build the venv in which tests/clients/test_tinker_cookbook.py runs tinker-cookbook 0.6.1's own dataset code.
#
#   bash tests/clients/make_venv.sh            # into $TINKER_VENV (default /work/venv-tinker)
#
# The cookbook imports `tinker` and `torch` at import time, so it cannot live in the main venv. The venv gets:
# polards (editable, with its test extra), the CPU torch wheel from $TORCH_WHEEL (else torch from PyPI), tinker
# and tinker-cookbook 0.6.1 (the wheel at $COOKBOOK_WHEEL if present, else PyPI), `datasets` 5.2.0 as the oracle,
# plus what the cookbook's dataset modules import (graders: math-verify, pylatexenc, sympy; the search-tool
# recipe: chromadb, google-genai).
# Nothing here downloads a model or a data set.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${TINKER_VENV:-/work/venv-tinker}"
PY="${PYTHON:-python3}"
TORCH_WHEEL="${TORCH_WHEEL:-/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl}"
COOKBOOK_WHEEL="${COOKBOOK_WHEEL:-/work/ext/tinker_cookbook-0.6.1-py3-none-any.whl}"

"$PY" -m venv "$VENV"  # re-running on an existing venv only adds what is missing
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -q)
"${PIP[@]}" --upgrade pip

# torch first, from the CPU wheel on disk, so that the cookbook's `torch>=2.10` never pulls the CUDA build.
if [[ -f "$TORCH_WHEEL" ]]; then
  "${PIP[@]}" "$TORCH_WHEEL"
else
  echo "make_venv: $TORCH_WHEEL not found; installing torch from PyPI" >&2
  "${PIP[@]}" torch
fi

"${PIP[@]}" -e "$REPO[test]" --config-settings editable_mode=compat

if [[ -f "$COOKBOOK_WHEEL" ]]; then
  COOKBOOK="$COOKBOOK_WHEEL"
else
  COOKBOOK="tinker-cookbook==0.6.1"
fi
# The cookbook pins tml-renderers>=0.4.1, which the package index does not have (newest: 0.2.1); the dataset
# code never imports it (only model renderers/tokenizers do), so the cookbook goes in without its deps and these
# are its other requirements. The same huggingface_hub as the main venv: polards and the emulator are tested
# against it.
"${PIP[@]}" --no-deps "$COOKBOOK"
"${PIP[@]}" tinker "datasets==5.2.0" "huggingface_hub==2.4.0" \
  aiohttp anyio blobfile chz cloudpickle numpy pillow pydantic pyrage rich safetensors termcolor tiktoken tqdm \
  "transformers>=4.57.6,!=5.3.0,!=5.4.*,!=5.5.0,!=5.5.1,!=5.5.2,!=5.5.3,!=5.6.*" pandas \
  math-verify pylatexenc sympy soundfile chromadb google-genai
# Not installed: torchcodec, which `datasets` 5.2 needs to decode Audio. Its PyPI wheels are CUDA builds (they link
# libtorch_cuda / libnvrtc), so they cannot load next to the CPU torch; the audio cases then have no oracle and
# the test says so (polards decodes audio with soundfile/soxr, installed by its test extra).

"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
for name in ("tinker-cookbook", "tinker", "datasets", "huggingface_hub", "torch", "transformers", "polards"):
    try:
        print(f"{name}=={md.version(name)}")
    except md.PackageNotFoundError:
        print(f"{name}: not installed")
PY
