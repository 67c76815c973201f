#!/usr/bin/env bash
# Create .venv, install the toolkit and run the whole weekly cycle on the bundled notice.
set -euo pipefail
source "$(dirname "$0")/setup_env.sh"
export FONTCONFIG_FILE="$ROOT/scripts/fonts-gongwen.conf"
[ -f "$FONTCONFIG_FILE" ] || unset FONTCONFIG_FILE
.venv/bin/toolkit -w "$ROOT" demo --to "$ROOT/outputs/演示"
