# Shared by demo.sh and test.sh: create .venv and install the toolkit (sourced, not run).
# usage: source scripts/setup_env.sh [extras]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "需要 Python 3.11 或更高版本（当前：$("$PYTHON" --version 2>&1)）。" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  echo "创建虚拟环境 .venv …"
  "$PYTHON" -m venv .venv
fi
EXTRAS="${1:-}"
SPEC="."
[ -n "$EXTRAS" ] && SPEC=".[$EXTRAS]"
echo "安装督查台账工具箱 ${SPEC} …"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$SPEC" 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import toolkit" || { echo "安装失败，请查看上面的 pip 输出。" >&2; exit 2; }
