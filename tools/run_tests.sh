#!/usr/bin/env bash
# Set up the environment (if needed) and run the whole test suite on CPU:
# first on the pinned stack (mmaction2 1.1.0), then again with mmaction2
# 1.2.0 laid over it (tools/setup_mmaction12.sh; AVCL_TEST_MMACTION12=0
# skips that second pass).
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
VENV=${AVCL_VENV:-.venv}
export CUDA_VISIBLE_DEVICES=""
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
echo "[tests] pass 1: the pinned stack (mmaction2 1.1.0)"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
if [ "${AVCL_TEST_MMACTION12:-1}" != "0" ]; then
    overlay=$(bash tools/setup_mmaction12.sh)
    echo "[tests] pass 2: mmaction2 1.2.0 ($overlay on PYTHONPATH)"
    PYTHONPATH="$PWD/$overlay${PYTHONPATH:+:$PYTHONPATH}" \
        "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
fi
