#!/usr/bin/env bash
# Set up the environment (if needed) and run the whole test suite on CPU.
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
VENV=${AVCL_VENV:-.venv}
export CUDA_VISIBLE_DEVICES=""
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
