# Several tools/train_on_gpu.py runs at once on one GPU, each for as many epochs as a time
# budget holds: their speed is measured with all of them running, then every run gets the
# same number of epochs (so a twin and its refit share a schedule).
#
#   FACES=packed BUDGET=540 RUNS="twin:0 refit:0 twin:1 refit:1" OUT=gpu_runs bash tools/gpu_runs.sh
#
# FACES: what tools/pack_faces.py wrote. BUDGET: seconds the whole script may take (it stops
# 15 s short). RUNS: SET:SEED pairs, all trained with the packed teachers' outputs. OUT: where
# SET_sSEED.keras and train.log go. EPOCHS: a fixed schedule instead (no speed measured), to
# add seeds to runs already trained at that length. WHEELS: a folder of wheels to install
# first (keras where the machine lacks it). PY: the python to use. SMOKE=1: a few steps only,
# to check on a CPU.
set -o pipefail
START=$(date +%s)
PY=${PY:-python3}
BUDGET=${BUDGET:-540}
RUNS=${RUNS:-"twin:0 refit:0 refit:1"}
OUT=${OUT:-gpu_runs}; mkdir -p "$OUT"
LOGS=$(mktemp -d)
if [ -n "$WHEELS" ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$LOGS/site" "$WHEELS"/*.whl || exit 3
fi
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
export PYTHONPATH=$LOGS/site:$PWD KERAS_BACKEND=jax XLA_PYTHON_CLIENT_MEM_FRACTION=0.1 PYTHONUNBUFFERED=1
echo "cores $(nproc), runs: $RUNS"
WORKERS=$(( $(nproc) / $(echo $RUNS | wc -w) )); [ $WORKERS -ge 1 ] || WORKERS=1
T="$PY tools/train_on_gpu.py --faces ${FACES:?FACES: the packed faces folder} --teachers --workers $WORKERS --steps-per-execution 8"
BENCH=160; SMALL=""
[ -n "$SMOKE" ] && { BENCH=16; SMALL="--steps-per-epoch 3"; }

# 1. speed, all runs at once, as they will train (nothing to measure for a fixed EPOCHS)
i=0
if [ -n "$EPOCHS" ]; then
  : > "$LOGS/bench.txt"; USED=$(( $(date +%s) - START )); E=$EPOCHS
else
  for run in $RUNS; do
    i=$((i + 1)); $T --set ${run%:*} --seed ${run#*:} --bench $BENCH > "$LOGS/bench$i.log" 2>&1 &
  done
  wait
  tail -qn1 "$LOGS"/bench*.log | tee "$LOGS/bench.txt"
  USED=$(( $(date +%s) - START ))

  # 2. epochs: the slowest rate over the time left, less 60 s to compile and save, at a
  #    refit's steps an epoch (all packed faces, batch 64), with 5% to spare
  E=$($PY - "$BUDGET" "$USED" "$i" "$LOGS/bench.txt" "$FACES" <<'EOF'
import json, sys
import numpy as np
budget, used, runs, path, faces = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
with np.load(f"{faces}/labels.npz") as packed:
    steps = len(packed["age"]) // 64
rates = []
for line in open(path):
    try:
        rates.append(json.loads(line)["steps_per_s"])
    except (ValueError, KeyError):
        pass
print(0 if len(rates) < runs else max(0, min(400, int(0.95 * (budget - used - 60) * min(rates) / steps))))
EOF
  )
fi
[ -n "$SMOKE" ] && E=4
echo "measured in $USED s; every run: $E epochs"
[ "$E" -ge 10 ] || [ -n "$SMOKE" ] || { echo "too slow for a useful run (E=$E):"; tail -20 "$LOGS/bench1.log"; exit 5; }

# 3. the runs
DL=$((BUDGET - USED - 15))
i=0
for run in $RUNS; do
  i=$((i + 1))
  $T --set ${run%:*} --seed ${run#*:} --epochs $E --deadline-s $DL $SMALL \
     --out "$OUT/${run%:*}_s${run#*:}.keras" > "$LOGS/run$i.log" 2>&1 &
done
if [ -z "$SMOKE" ] && command -v nvidia-smi > /dev/null; then  # how busy the GPU is, once they all train
  sleep 60; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
fi
wait
{ cat "$LOGS/bench.txt"; echo "every run: $E epochs, deadline $DL s"
  i=0; for run in $RUNS; do i=$((i + 1)); echo "== $run"; grep -v "^[WIE][0-9]\{4\} " "$LOGS/run$i.log"; done
} > "$OUT/train.log"
tail -qn1 "$LOGS"/run*.log; ls -la "$OUT"; echo "total $(( $(date +%s) - START )) s"
