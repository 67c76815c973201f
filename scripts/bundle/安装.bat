@echo off
chcp 65001 >nul
rem 督查台账工具箱 离线安装（Windows）：在本文件夹建立 .venv，从 wheels\ 安装，不需要联网。
setlocal
cd /d "%~dp0"
set "PY="
py -3 -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)" >nul 2>nul && set "PY=py -3"
if not defined PY python -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)" >nul 2>nul && set "PY=python"
if not defined PY goto nopython
if not exist ".venv\Scripts\python.exe" echo 创建虚拟环境 .venv ...
if not exist ".venv\Scripts\python.exe" %PY% -m venv .venv
if not exist ".venv\Scripts\python.exe" goto failed
echo 从 wheels\ 安装督查台账工具箱（不联网）...
".venv\Scripts\python.exe" -m pip install --quiet --disable-pip-version-check --no-index --find-links wheels ducha-toolkit
if errorlevel 1 goto failed
".venv\Scripts\toolkit.exe" --version
if errorlevel 1 goto failed
echo 安装完成。双击“督查台账.bat”打开控制台；命令行中使用：%~dp0.venv\Scripts\toolkit
if /i not "%~1"=="nopause" pause
exit /b 0
:nopython
echo 没有找到 Python 3.11 或更高版本。
echo 请先安装 Python 3.12：用 python.org 的 Windows 安装程序（64 位），安装时勾选“Add python.exe to PATH”，再双击本文件。
if /i not "%~1"=="nopause" pause
exit /b 2
:failed
echo 安装失败。请把上面的信息发给维护人员。
if /i not "%~1"=="nopause" pause
exit /b 2
