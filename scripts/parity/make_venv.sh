#!/usr/bin/env bash
# Creates the Python environment of the nnU-Net parity check (.venv-parity/, git-ignored):
# nnU-Net v2 with PyTorch for the CPU, nibabel and SimpleITK. The product never uses it.
#
# PyPI's default torch wheel carries the CUDA libraries (gigabytes). A CPU-only wheel is used
# when pip can find one locally (PIP_FIND_LINKS, e.g. a wheel folder); otherwise PyPI's wheel.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-.venv-parity}
PYTHON=${PYTHON:-python3}
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import nnunetv2, nibabel, SimpleITK, torch" 2>/dev/null; then
    exit 0
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
# A local CPU wheel first, pinned, so that no dependency (timm's torchvision) upgrades it to
# PyPI's CUDA build.
constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
cpu_wheel=$(ls ${PIP_FIND_LINKS:-/nonexistent}/torch-*+cpu-*.whl 2>/dev/null | sort | tail -n 1 || true)
if [ -n "$cpu_wheel" ]; then
    "$VENV/bin/pip" install --quiet "$cpu_wheel"
    "$VENV/bin/pip" show torch | awk '/^Version:/ { print "torch==" $2 }' > "$constraints"
fi
"$VENV/bin/pip" install --quiet --constraint "$constraints" "nnunetv2==2.8.1" nibabel SimpleITK
"$VENV/bin/python" -c "import torch, nnunetv2; print('parity venv: torch', torch.__version__)"
