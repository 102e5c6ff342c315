#!/usr/bin/env bash
# Lay mmaction2 1.2.0 over the project's environment, for running the test
# suite on mmaction2 1.2 as well (tools/run_tests.sh does): the 1.2.0 wheel
# is installed without dependencies into .mmaction12/ (the rest of the stack
# is the venv's), which goes first on PYTHONPATH.
#
# Upstream bug worked around here, in this test overlay only: the
# mmaction2 1.2.0 wheel on PyPI lacks mmaction/models/localizers/drn, which
# mmaction/models/localizers/__init__.py imports, so `import mmaction.models`
# fails. A stand-in module with an empty DRN class is added (avcl_mm never
# uses DRN). Installing mmaction2 1.2 from source has no such gap.
#
#   bash tools/setup_mmaction12.sh     # prints the folder to prepend
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${AVCL_VENV:-.venv}
DIR=${AVCL_MMACTION12_DIR:-.mmaction12}
if [ ! -f "$DIR/.complete" ]; then
    rm -rf "$DIR"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
        --no-deps --target "$DIR" "mmaction2==1.2.0" >&2
    drn="$DIR/mmaction/models/localizers/drn"
    if [ ! -e "$drn" ]; then
        mkdir -p "$drn"
        echo '"""Stand-in for the module the mmaction2 1.2.0 wheel lacks."""' \
            > "$drn/__init__.py"
        printf '%s\n' \
            '"""Stand-in: the mmaction2 1.2.0 wheel lacks this module."""' \
            '' '' 'class DRN:' \
            '    """Not in the mmaction2 1.2.0 wheel (test overlay only)."""' \
            > "$drn/drn.py"
    fi
    touch "$DIR/.complete"
fi
PYTHONPATH="$DIR" "$VENV/bin/python" -c \
    "import mmaction, mmaction.models; assert mmaction.__version__ == '1.2.0'" \
    >&2 2>/dev/null || { echo "[setup] mmaction2 1.2.0 overlay in $DIR does not import" >&2; exit 1; }
echo "$DIR"
