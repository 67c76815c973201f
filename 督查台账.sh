#!/bin/sh
# 督查台账 控制台（Linux 桌面：双击，选择“在终端中运行”）：在本文件夹这个工作区上打开浏览器控制台。
# 第一次运行时建立 .venv 并安装：有 wheels/（离线安装包）就从中安装，不联网；否则从源代码安装。
cd "$(dirname "$0")" || exit 2
if [ ! -x .venv/bin/toolkit ]; then
  if [ -d wheels ]; then
    sh ./install.sh || { echo "安装失败，按回车键关闭。"; read -r _; exit 2; }
  else
    PY="${PYTHON:-python3}"
    { [ -x .venv/bin/python ] || "$PY" -m venv .venv; } && .venv/bin/python -m pip install --quiet . \
      || { echo "安装失败（需要 Python 3.11+ 和 python3-venv），按回车键关闭。"; read -r _; exit 2; }
  fi
fi
echo "正在启动督查台账控制台……关闭本窗口即关闭控制台。"
.venv/bin/toolkit -w "$(pwd)" serve "$@"
status=$?
[ "$status" = 0 ] || { echo "控制台没有正常启动，按回车键关闭。"; read -r _; }
exit "$status"
