#!/usr/bin/env bash
# Installs the trainer's Python stack and the offline corpus sources from Debian (DESIGN.md §3, §4).
#   python3-torch 1.13 (CPU), python3-onnx 1.12, python3-numpy, python3-regex, libopenblas0-pthread
#   bible-kjv (+ bible-kjv-text), dict-jargon, dict-devil: the corpus sources (models/DATA.md)
# Idempotent: apt runs only when something is missing, and `apt-get update` at most once.
# The packages are for Debian's /usr/bin/python3 (not the pyenv python3 on PATH); override with
# DISTILLGATE_PYTHON only if that interpreter can import Debian's dist-packages.
set -euo pipefail

PY="${DISTILLGATE_PYTHON:-/usr/bin/python3}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

python_pkgs=(python3-torch python3-onnx python3-numpy python3-regex libopenblas0-pthread)
corpus_pkgs=(bible-kjv bible-kjv-text dict-jargon dict-devil)

missing=()
if ! "$PY" -c "import torch, onnx, numpy, regex" >/dev/null 2>&1; then
  missing+=("${python_pkgs[@]}")
elif ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  missing+=(libopenblas0-pthread)  # importable but would fall back to the slow reference BLAS
fi
for p in "${corpus_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-python: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup-python: everything already installed"
fi

"$PY" - <<'PY'
import os, torch, onnx, numpy, regex
torch.set_num_threads(os.cpu_count())
print(f"setup-python: torch {torch.__version__}, onnx {onnx.__version__}, numpy {numpy.__version__}, "
      f"threads {torch.get_num_threads()}")
PY
