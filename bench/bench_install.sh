#!/usr/bin/env bash
# What a CPU Space installs and how soon it serves: this version's requirements.txt against one
# that still serves through TensorFlow (REV, default 62b5d36: 0.5.0), each in a fresh virtualenv.
#   bash bench/bench_install.sh [REV]
# Reports the install's wall time (pip's cache off), the virtualenv's size on disk, and the seconds
# from `python app.py` to its first answer (the checkout's app; the old requirements need the old app).
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-62b5d36}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git show "$rev:requirements.txt" > "$work/old-requirements.txt"
git worktree add -q --detach "$work/old" "$rev"
trap 'git worktree remove --force "$work/old"; rm -rf "$work"' EXIT
for which in new old; do
  reqs=requirements.txt; app=app.py
  [ "$which" = old ] && reqs="$work/old-requirements.txt" && app="$work/old/app.py"
  python3 -m venv "$work/$which-venv"
  start=$(date +%s.%N)
  "$work/$which-venv/bin/pip" install -q --no-cache-dir -r "$reqs" 2>/dev/null
  install_s=$(echo "$(date +%s.%N) - $start" | bc)
  size=$(du -sm "$work/$which-venv" | cut -f1)
  port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
  start=$(date +%s.%N)
  GRADIO_SERVER_PORT=$port GRADIO_ANALYTICS_ENABLED=False "$work/$which-venv/bin/python" "$app" >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/" >/dev/null; do sleep 0.2; done
  serve_s=$(echo "$(date +%s.%N) - $start" | bc)
  kill $pid; wait $pid 2>/dev/null || true
  printf '{"requirements": "%s", "install_s": %.1f, "venv_mb": %s, "app_serving_s": %.1f}\n' "$which" "$install_s" "$size" "$serve_s"
done
