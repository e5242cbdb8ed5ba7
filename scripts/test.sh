#!/usr/bin/env bash
# Install everything hipcam's tests need on a fresh Debian machine, then run them.
# Usage: bash scripts/test.sh [extra pytest args]
# - system packages (as root, via apt-get, only those missing): OSMesa for the synthetic renderer,
#   Xvfb and a small window manager (matchbox: full screen, resizing) for the live-window tests
#   (screenshot via ffmpeg x11grab), Chromium for the HTML report test, ffmpeg, espeak-ng for spoken
#   counts, libportaudio2 for sound (sounddevice), strace + iproute2 for the OS-level no-network test
# - a virtualenv in .venv with hipcam and its dev, synth and dask extras
#   (torch 2.13.0 CPU is installed first so the synth extra never pulls a CUDA build)
# - ruff, then pytest (including the notebook, executed)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libosmesa6 xvfb matchbox-window-manager chromium ffmpeg espeak-ng libportaudio2 strace
              iproute2)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[dev,synth,dask]"

.venv/bin/ruff check src tests benchmarks scripts
exec .venv/bin/python -m pytest "$@"
