#!/usr/bin/env bash
# Shared by slurm_train.sh and slurm_test.sh: start SCRIPT (train.py or
# test.py) on GPUS Slurm tasks with --launcher slurm.
#   tools/slurm_launch.sh SCRIPT PARTITION JOB_NAME [SCRIPT args]
set -euo pipefail
SCRIPT=$1
PARTITION=$2
JOB_NAME=$3
shift 3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
PYTHON=${PYTHON:-python}
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 $SRUN_ARGS \
    "$PYTHON" -u "$HERE/$SCRIPT" "$@" --launcher slurm
