#!/usr/bin/env bash
# Build dist/督查台账工具箱-<版本>-离线安装包.zip: the toolkit wheel and every dependency's wheel for each target
# (Linux x86_64 and Windows x64, CPython 3.11 and 3.12), the install scripts, the launchers, the README, the bundled
# notice and the circular templates. Run it on a machine that can reach the package index; install offline.
#
# usage: bash scripts/make_offline_bundle.sh [--targets "linux-3.11 linux-3.12 windows-3.11 windows-3.12"]
#                                            [--here] [--out DIR] [--print-targets]
#   --here           only the running interpreter's target (quick; used by the tests)
#   --print-targets  print the pip download command of each target and stop
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
TARGETS="linux-3.11 linux-3.12 windows-3.11 windows-3.12"
OUT="$ROOT/dist"
PRINT_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --targets) TARGETS="$2"; shift 2 ;;
    --here) TARGETS="$("$PYTHON" -c 'import sys; print(("windows" if sys.platform == "win32" else "linux") + "-%d.%d" % sys.version_info[:2])')"; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --print-targets) PRINT_ONLY=1; shift ;;
    *) echo "不认识的参数：$1（见脚本开头的用法说明）" >&2; exit 2 ;;
  esac
done

platform_args() {   # pip --platform options of a target; Linux up to glibc 2.28 (统信 UOS 20, 麒麟 V10)
  case "$1" in
    linux-*) echo "--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64" ;;
    windows-*) echo "--platform win_amd64" ;;
    *) echo "不支持的目标：$1（可用 linux-3.11 linux-3.12 windows-3.11 windows-3.12）" >&2; exit 2 ;;
  esac
}

extra_requirements() {   # pip judges "; platform_system == 'Windows'" by this machine, so name those here
  case "$1" in
    windows-*) echo "colorama" ;;   # click's console colours on Windows
  esac
}

download_command() {   # the pip download command for one target
  local target="$1" wheel="$2" dest="$3" version="${1#*-}"
  local abi="cp${version/./}"
  echo "$PYTHON -m pip download --quiet --disable-pip-version-check --only-binary=:all: $(platform_args "$target")" \
       "--python-version $version --implementation cp --abi $abi --abi abi3 --abi none --dest $dest $wheel" \
       "$(extra_requirements "$target")"
}

if [ "$PRINT_ONLY" = 1 ]; then
  for target in $TARGETS; do echo "$target: $(download_command "$target" "<toolkit.whl>" "<wheels>")"; done
  exit 0
fi

VERSION="$("$PYTHON" -c 'import re, pathlib; print(re.search(r"__version__ = \"(.+?)\"", pathlib.Path("toolkit/__init__.py").read_text()).group(1))')"
NAME="督查台账工具箱-${VERSION}"
STAGE="$(mktemp -d)/$NAME"
trap 'rm -rf "$(dirname "$STAGE")"' EXIT
mkdir -p "$STAGE/wheels" "$STAGE/inputs" "$STAGE/outputs" "$STAGE/scripts"

echo "构建督查台账工具箱 ${VERSION} 的 wheel …"
if "$PYTHON" -c "import setuptools, wheel" 2>/dev/null; then ISOLATION="--no-build-isolation"; else ISOLATION=""; fi
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps $ISOLATION -w "$STAGE/wheels" . 2>&1 \
  | grep -v "is ignored" || true
WHEEL="$(ls "$STAGE"/wheels/ducha_toolkit-*.whl)"

LOG="$(dirname "$STAGE")/pip.log"
for target in $TARGETS; do
  echo "下载依赖：$target …"
  if ! $(download_command "$target" "$WHEEL" "$STAGE/wheels") >"$LOG" 2>&1; then
    grep -v "is ignored" "$LOG" >&2 || true
    echo "下载 $target 的依赖失败（见上面的 pip 输出）。需要能访问软件包索引；离线安装包只能在联网的电脑上制作。" >&2
    exit 2
  fi
done
count="$(ls "$STAGE/wheels" | wc -l)"
[ "$count" -gt 5 ] || { echo "依赖下载不完整（只有 $count 个 wheel），请检查上面的 pip 输出。" >&2; exit 2; }

cp scripts/bundle/install.sh scripts/bundle/安装.bat "$STAGE/"
cp 督查台账.sh 督查台账.bat README.md "$STAGE/"
cp inputs/济兖政发〔2024〕1号.txt inputs/toolkit.toml "$STAGE/inputs/"
cp -r templates "$STAGE/templates"
cp scripts/fonts-gongwen.conf "$STAGE/scripts/"
printf '%s\n' $TARGETS > "$STAGE/wheels/目标平台.txt"

mkdir -p "$OUT"
ZIP="$OUT/${NAME}-离线安装包.zip"
"$PYTHON" - "$STAGE" "$ZIP" <<'PY'
import os, sys, zipfile
from pathlib import Path

stage, target = Path(sys.argv[1]), Path(sys.argv[2])
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
    for path in sorted(stage.rglob("*")):
        name = (Path(stage.name) / path.relative_to(stage)).as_posix() + ("/" if path.is_dir() else "")
        info = zipfile.ZipInfo(name)
        info.external_attr = ((0o40755 if path.is_dir() else 0o100755 if path.suffix == ".sh" else 0o100644) << 16)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, b"" if path.is_dir() else path.read_bytes())
PY
echo "已生成：$ZIP（$count 个 wheel，目标：$TARGETS）"
