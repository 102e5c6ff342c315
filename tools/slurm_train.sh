#!/usr/bin/env bash
# Slurm:  GPUS=16 tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args]
set -euo pipefail
exec bash "$(dirname "$0")/slurm_launch.sh" train.py "$@"
