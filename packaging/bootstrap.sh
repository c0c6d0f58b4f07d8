#!/usr/bin/env bash
# Prepare a fresh machine: the Debian runtime libraries Qt, PortAudio and the tests need
# (only those missing), then a virtual environment in .venv with the project installed.
# Idempotent: a second run installs nothing. Usage: packaging/bootstrap.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_pkgs=(libportaudio2 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
              libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0)
# The tests also use: espeak-ng (speech fixture), ffmpeg (benchmark reference only),
# Xvfb (real-window screenshots), desktop-file-utils and appstream (packaging checks).
test_pkgs=(espeak-ng ffmpeg xvfb xauth desktop-file-utils appstream)

want=("${runtime_pkgs[@]}")
py=${PYTHON:-python3}
# Debian and Ubuntu ship venv/ensurepip separately from python3.
if ! "$py" -c "import ensurepip, venv" 2>/dev/null; then want+=(python3-venv); fi
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})) && command -v apt-get >/dev/null; then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
    "$py" -m venv .venv
fi
stamp=.venv/.installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
    touch "$stamp"
fi
