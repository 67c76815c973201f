#!/bin/sh
# 督查台账工具箱 离线安装（统信 UOS、麒麟等 Linux）：在本文件夹建立 .venv，从 wheels/ 安装，不需要联网。
cd "$(dirname "$0")" || exit 2
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "需要 Python 3.11 或更高版本（当前：$("$PY" --version 2>&1 || echo 未安装)）。"
  echo "统信 UOS / 麒麟：在应用商店或终端安装 python3.11（或 python3.12）及 python3.11-venv，然后重新运行本文件；"
  echo "如系统自带的 python3 版本较低，可用 PYTHON=python3.11 sh install.sh 指定。"
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  echo "创建虚拟环境 .venv …"
  "$PY" -m venv .venv || { echo "无法创建虚拟环境：请安装 python3-venv（或 python3.11-venv）后重试。"; exit 2; }
fi
echo "从 wheels/ 安装督查台账工具箱（不联网）…"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-index --find-links wheels ducha-toolkit \
  || { echo "安装失败：wheels/ 中缺少本机所需的文件（本安装包的目标平台见 wheels/目标平台.txt）。"; exit 2; }
.venv/bin/toolkit --version || exit 2
echo "安装完成。双击“督查台账.sh”打开控制台；在终端中使用命令：$(pwd)/.venv/bin/toolkit"
