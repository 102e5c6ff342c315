#!/usr/bin/env bash
# Slurm testing:  GPUS=8 tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
# (machines without GPUs: the tasks use the gloo backend, as tools/test.py does)
set -euo pipefail
exec bash "$(dirname "$0")/slurm_launch.sh" test.py "$@"
