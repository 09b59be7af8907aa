#!/usr/bin/env bash
# Builds the viewer's image engine (viewer/, Cornerstone3D) into ResultsApi/wwwroot/viewer/engine, from the versions
# pinned in viewer/package-lock.json. run.sh and test.sh call it; it skips the build when nothing changed since.
set -euo pipefail
cd "$(dirname "$0")/../viewer"
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is not installed, and the viewer's image engine needs it to build. Install it with: sudo apt-get install -y nodejs npm" >&2
  exit 1
fi
# Vite 8 runs on Node.js 20.19 or later.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "error: the viewer's image engine needs Node.js 20.19 or later to build; this is $(node --version). Install a newer nodejs (e.g. from NodeSource: https://github.com/nodesource/distributions)." >&2
  exit 1
fi
engine=../ResultsApi/wwwroot/viewer/engine/engine.js
if [ -f "$engine" ] && [ -z "$(find package.json package-lock.json vite.config.js src -newer "$engine" -print -quit)" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
npm run --silent build >/dev/null 2>&1 || { npm run build; exit 1; }
echo "viewer: built the image engine into ResultsApi/wwwroot/viewer/engine"
