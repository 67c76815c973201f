@echo off
chcp 65001 >nul
rem 督查台账 控制台（Windows：双击）：在本文件夹这个工作区上打开浏览器控制台。
rem 第一次运行时建立 .venv 并安装：有 wheels\（离线安装包）就从中安装，不联网；否则从源代码安装。
setlocal
cd /d "%~dp0"
if exist ".venv\Scripts\toolkit.exe" goto start
if exist "wheels" call "%~dp0安装.bat" nopause
if exist ".venv\Scripts\toolkit.exe" goto start
py -3 -m venv .venv 2>nul || python -m venv .venv
".venv\Scripts\python.exe" -m pip install --quiet .
if errorlevel 1 goto failed
:start
echo 正在启动督查台账控制台……关闭本窗口即关闭控制台。
".venv\Scripts\toolkit.exe" -w "%~dp0." serve %*
if errorlevel 1 pause
exit /b
:failed
echo 安装失败：需要 Python 3.11 或更高版本（python.org 的 Windows 安装程序）。
pause
exit /b 2
