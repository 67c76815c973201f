#!/usr/bin/env bash
# Create .venv, install the toolkit with its test extras, install LibreOffice, poppler, CJK fonts and Chromium with
# its driver (the console's browser test) when running as root and they are missing, then run the test suite.
set -euo pipefail
source "$(dirname "$0")/setup_env.sh" test

need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# grep reads all of fc-list (no -q): under pipefail an early exit would fail the pipe with SIGPIPE
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装系统软件包：${need[*]} …"
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
      || echo "提醒：系统软件包安装失败，需要 LibreOffice 或 Chromium 的测试将跳过。" >&2
  else
    echo "提醒：缺少 ${need[*]}，且不是 root，无法自动安装；需要 LibreOffice 或 Chromium 的测试将跳过。" >&2
  fi
fi

export FONTCONFIG_FILE="$ROOT/scripts/fonts-gongwen.conf"
[ -f "$FONTCONFIG_FILE" ] || unset FONTCONFIG_FILE
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
