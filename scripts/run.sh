#!/usr/bin/env bash
# Set up (if needed) and run the main job on the shipped data: `bash scripts/run.sh [ldi run options]`.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
exec ldi run "$@"
