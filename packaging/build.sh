#!/usr/bin/env bash
# Build the onedir bundle with PyInstaller, then smoke-test it headless:
# --version, and `analyze` on the bundled demo clip.
# Output: dist/speednet-player/ (run dist/speednet-player/speednet-player).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/bootstrap.sh
.venv/bin/python -m pip install -q "pyinstaller>=6.10"

start=$(date +%s)
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/speednet-player.spec
end=$(date +%s)

bundle=dist/speednet-player
echo "build: $((end - start)) s, bundle size: $(du -sh "$bundle" | cut -f1)"

export QT_QPA_PLATFORM=offscreen
"$bundle/speednet-player" --version
"$bundle/speednet-player" analyze "$bundle/_internal/resources/demo_baseball.mp4" --rho 0.5
echo "smoke test passed"
