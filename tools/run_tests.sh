#!/usr/bin/env bash
# Set up the environment (if needed) and run the whole test suite on CPU:
# first on the pinned stack (mmaction2 1.1.0), then again with mmaction2
# 1.2.0 laid over it (tools/setup_mmaction12.sh; AVCL_TEST_MMACTION12=0
# skips that second pass), then the model, engine and data tests on the
# oldest declared stack, torch 2.1 (requirements/lock-torch21.txt, in
# .venv-torch21; AVCL_TEST_TORCH21=0 skips that third pass).
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
if [ "${AVCL_TEST_TORCH21:-1}" != "0" ]; then
    OLD=${AVCL_VENV_TORCH21:-.venv-torch21}
    AVCL_VENV="$OLD" AVCL_LOCK=requirements/lock-torch21.txt bash tools/setup_env.sh
    echo "[tests] pass 3: torch 2.1 ($OLD): models, engine, data, checkpoints"
    "$OLD/bin/python" -m pytest -q -p no:cacheprovider tests/models \
        tests/engine tests/datasets tests/reliability/test_checkpoint_safety.py \
        tests/reliability/test_numerical_guards.py \
        tests/tools/test_train_resume_test.py "$@"
fi
