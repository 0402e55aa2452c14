#!/usr/bin/env bash
# Creates (once) the Python virtualenv the Determined compatibility suite runs
# in, with the real Determined client pinned, and prints its python path.
#
#   $(tests/compat/setup_venv.sh) -m pytest tests/compat -q
#
# The venv lives at $MODELREG_COMPAT_VENV (default: target/compat-venv under
# the repo). An existing venv is reused as it is when determined 0.38.1,
# pytest and requests already import from it; otherwise the pinned packages
# are (re)installed into it. pip's output goes to stderr so that stdout is
# only the python path.
set -euo pipefail

DETERMINED_VERSION="0.38.1"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${MODELREG_COMPAT_VENV:-$repo_root/target/compat-venv}"
python_bin="${PYTHON:-python3}"

ready() {
    [ -x "$venv/bin/python" ] && "$venv/bin/python" - "$DETERMINED_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
import determined, pytest, requests  # noqa: F401  (must import, not just be listed)
sys.exit(0 if version("determined") == sys.argv[1] else 1)
PY
}

if ! ready; then
    if [ ! -x "$venv/bin/python" ]; then
        echo "setup_venv: creating $venv" >&2
        mkdir -p "$(dirname "$venv")"
        "$python_bin" -m venv "$venv" >&2
    fi
    echo "setup_venv: installing determined==$DETERMINED_VERSION pytest requests (about a minute)" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "determined==$DETERMINED_VERSION" pytest requests >&2
    if ! ready; then
        echo "setup_venv: $venv still cannot import determined $DETERMINED_VERSION" >&2
        exit 1
    fi
fi

echo "$venv/bin/python"
