#!/usr/bin/env bash
# The whole GPU measurement of issue 17 in one run (about 7 minutes on one
# H100; every step has a time limit, and each writes its figures as it goes):
#   1. training step of the paper R(2+1)D AVCL model at batch 2 and 16:
#      fp32, bf16, fp32 + channels_last_3d, bf16 + channels_last_3d, and
#      bf16 + channels_last_3d + torch.compile (benchmark_gpu_step.py);
#   2. what feeds it, on this machine's CPU: samples/s per core of the K32
#      training pipeline on Kinetics-like 340 px originals vs short-side-128
#      copies with their audio (and .npy sidecars), log-mel in the workers vs
#      on the GPU (LogMelDataPreprocessor, timed on the GPU), DataLoader
#      samples/s with several workers, and the cores one GPU needs at the
#      fastest measured step (benchmark_feed.py).
# Results: OUT/steps.{json,md}, OUT/feed.{json,md}, OUT/summary.md.
#
#   bash tools/analysis/gpu_check.sh [OUT]      # OUT: work_dirs/gpu_check
#   PYTHON=/path/to/python bash tools/analysis/gpu_check.sh
# QUICK=1 DEVICE=cpu runs the same steps on tiny inputs (a check of this
# script on a machine without a GPU, about 1.5 minutes; figures meaningless).
set -u
cd "$(dirname "$0")/../.."
OUT=${1:-work_dirs/gpu_check}
PY=${PYTHON:-python}
DEVICE=${DEVICE:-cuda}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
START=$(date +%s)
CORES=$(nproc)
if [ "${QUICK:-0}" = 1 ]; then
  STEP_ARGS=(--batch-size 2 --frames 8 --crop 32 --base-channels 8
             --warmup 1 --steps 1 --compile-backend aot_eager)
  FEED_ARGS=(--clips 2 --seconds 1 --passes 1 --batch-size 2
             --loader-samples 4)
  LOADER_WORKERS="0 2"
else
  STEP_ARGS=(--batch-size 2 16)
  FEED_ARGS=(--clips 16 --passes 2)
  LOADER_WORKERS="4 8 $(( CORES > 9 ? CORES - 1 : CORES ))"
fi

{ nvidia-smi --query-gpu=name,memory.total,driver_version \
    --format=csv,noheader 2>&1 | head -4
  grep -m1 'model name' /proc/cpuinfo
  echo "cores: $CORES"
  "$PY" -c 'import torch; print("torch", torch.__version__)'
} > "$OUT/machine.txt"

# 1. the step matrix; no new variant starts after 210 s
timeout -k 10 300 "$PY" tools/analysis/benchmark_gpu_step.py \
    --device "$DEVICE" "${STEP_ARGS[@]}" --budget 210 \
    --json "$OUT/steps.json" --md "$OUT/steps.md" > "$OUT/steps.log" 2>&1
echo "steps: exit $? after $(( $(date +%s) - START )) s"

# 2. the feed, against the fastest measured step
STEPS_JSON=()
[ -s "$OUT/steps.json" ] && STEPS_JSON=(--steps-json "$OUT/steps.json")
timeout -k 10 150 "$PY" tools/analysis/benchmark_feed.py --device "$DEVICE" \
    "${FEED_ARGS[@]}" --loader-workers $LOADER_WORKERS \
    --work-dir "$OUT/clips" ${STEPS_JSON[@]+"${STEPS_JSON[@]}"} \
    --json "$OUT/feed.json" --md "$OUT/feed.md" > "$OUT/feed.log" 2>&1
echo "feed: exit $? after $(( $(date +%s) - START )) s"

{ echo "# GPU check ($(date -u +%Y-%m-%d), $(( $(date +%s) - START )) s)"
  echo; echo '```'; cat "$OUT/machine.txt"; echo '```'
  echo; echo '## Training step'; echo
  cat "$OUT/steps.md" 2>/dev/null || tail -20 "$OUT/steps.log"
  echo; echo '## Feeding it'; echo
  cat "$OUT/feed.md" 2>/dev/null || tail -20 "$OUT/feed.log"
} > "$OUT/summary.md"
rm -rf "$OUT/clips"
cat "$OUT/summary.md"
