#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: pytest unit tests plus nbval over the notebooks.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
exec python -m pytest "$@"
