#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment with the pinned stack
# and install avcl_mm in editable mode. Safe to run again: it only installs
# when requirements/lock.txt changed since the last successful run.
#
#   bash tools/setup_env.sh            # venv in ./.venv
#   AVCL_VENV=/path/venv bash tools/setup_env.sh
#   AVCL_LOCK=requirements/lock-torch21.txt AVCL_VENV=.venv-torch21 \
#       bash tools/setup_env.sh        # the oldest declared stack (tests)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${AVCL_VENV:-.venv}
LOCK=${AVCL_LOCK:-requirements/lock.txt}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

if [ ! -x "$VENV/bin/python" ]; then
    echo "[setup] creating virtual environment in $VENV"
    "$PY" -m venv "$VENV"
fi
stamp="$VENV/.avcl_requirements.sha256"
want=$(sha256sum "$LOCK" setup.py | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && \
        "$VENV/bin/python" -c "import avcl_mm" >/dev/null 2>&1; then
    echo "[setup] environment up to date ($VENV)"
    exit 0
fi
echo "[setup] installing the pinned stack of $LOCK into $VENV; first time takes a few minutes"
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$LOCK"
"$VENV/bin/python" -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
"$VENV/bin/python" -c "import avcl_mm, mmaction, torch; print('[setup] avcl_mm', avcl_mm.__version__, '| mmaction2', mmaction.__version__, '| torch', torch.__version__)"
echo "$want" > "$stamp"
