#!/usr/bin/env bash
# The main job on the embedded demo dataset, end to end on CPU:
#   set up -> build the demo data -> pretrain AVCL (self-supervised)
#   -> linear probe / kNN evidence -> finetune -> test -> table.
#
#   bash tools/demo.sh            (WORK=work_dirs/demo, SEED=0 by default)
#
# The data are the same for every SEED (made with --seed 0); SEED seeds the
# pretraining, the random-init probe and the finetuning. The summary says
# where the run lies relative to the interval the README states
# (docs/demo_reference.json, made by tools/analysis/demo_seeds.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
VENV=${AVCL_VENV:-.venv}
PY="$VENV/bin/python"
WORK=${WORK:-work_dirs/demo}
DATA=${DATA:-data/demo}
SEED=${SEED:-0}
export CUDA_VISIBLE_DEVICES=""
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
mkdir -p "$WORK"
start=$(date +%s)

echo "== [1/5] demo dataset -> $DATA"
"$PY" tools/data/make_demo_dataset.py --out "$DATA" --seed 0
"$PY" tools/data/check_dataset.py "$DATA/train.txt" --data-prefix "$DATA/videos" --summary-only

echo "== [2/5] AVCL self-supervised pretraining (seed $SEED)"
"$PY" tools/train.py configs/demo/avcl_r3d_demo_pretrain.py --work-dir "$WORK/pretrain" --seed "$SEED"

echo "== [3/5] frozen-feature probes: pretrained vs random encoders"
"$PY" tools/analysis/probe_features.py configs/demo/avcl_r3d_demo_pretrain.py \
    --checkpoint "$WORK/pretrain/last_checkpoint" --seed "$SEED" --out "$WORK/probe.json"

echo "== [4/5] supervised finetuning from the pretrained encoders"
rm -f "$WORK"/finetune/best_*.pth  # a best checkpoint of an earlier run
"$PY" tools/train.py configs/demo/avcl_r3d_demo_finetune.py --work-dir "$WORK/finetune" --seed "$SEED" \
    --cfg-options load_from="$(cat "$WORK/pretrain/last_checkpoint")"

echo "== [5/5] multi-clip test of the best finetuned checkpoint"
best=$(ls "$WORK"/finetune/best_*.pth | head -n 1)
"$PY" tools/test.py configs/demo/avcl_r3d_demo_finetune.py "$best" --work-dir "$WORK/test" \
    --dump "$WORK/test/predictions.pkl"

"$PY" tools/analysis/summarize_demo.py --work "$WORK"
echo "== done in $(( $(date +%s) - start )) s"
