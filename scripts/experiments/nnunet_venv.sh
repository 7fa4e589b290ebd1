#!/usr/bin/env bash
# Creates the Python environment that runs nnU-Net v2's own trainer for comparisons
# (.venv-nnunet/, git-ignored): nnunetv2 with PyTorch for the CPU. The product never uses it.
# PyPI's default torch wheel carries the CUDA libraries (gigabytes); a CPU-only wheel found in
# PIP_FIND_LINKS (default /opt/wheels) is installed first when there is one.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${VENV:-.venv-nnunet}
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import nnunetv2, torch" 2>/dev/null; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
cpu_wheel=$(ls "${PIP_FIND_LINKS:-/opt/wheels}"/torch-*+cpu-*.whl 2>/dev/null | sort | tail -n 1 || true)
[ -n "$cpu_wheel" ] && "$venv/bin/pip" install --quiet "$cpu_wheel"
"$venv/bin/pip" install --quiet "nnunetv2==2.8.1"
"$venv/bin/python" -c "import torch, nnunetv2; print('nnU-Net venv: torch', torch.__version__)"
