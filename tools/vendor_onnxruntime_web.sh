#!/usr/bin/env bash
# Refresh the page's copy of onnxruntime-web (its WebAssembly build only) from the npm registry:
#   bash tools/vendor_onnxruntime_web.sh [VERSION]
# The three files the page loads and the version go to static/vendor/onnxruntime-web/, beside
# LICENSE (the package declares MIT in its package.json and ships no licence file; ours holds
# onnxruntime's MIT text).
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-1.30.0}
out=static/vendor/onnxruntime-web
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "onnxruntime-web@$version" --silent >/dev/null && tar xzf onnxruntime-web-*.tgz)
grep -q '"license": "MIT"' "$work"/package/package.json
mkdir -p "$out"
cp "$work"/package/dist/ort.wasm.min.mjs "$work"/package/dist/ort-wasm-simd-threaded.mjs \
   "$work"/package/dist/ort-wasm-simd-threaded.wasm "$out"/
echo "onnxruntime-web $version from npm: ort.wasm.min.mjs, ort-wasm-simd-threaded.mjs and .wasm" > "$out"/VERSION
ls -l "$out"
