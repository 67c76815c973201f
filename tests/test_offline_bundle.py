"""The offline install: scripts/make_offline_bundle.sh builds the bundle, and it installs and runs with no network.

The test builds the full bundle (Linux x86_64 and Windows x64, CPython 3.11 and 3.12: about 20 s with pip's cache),
checks every target has its compiled wheels, then installs it for this machine inside `unshare -n`."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from console_helpers import printed_address

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_offline_bundle.sh"
NOTICE = "inputs/济兖政发〔2024〕1号.txt"


def no_network_prefix() -> list[str]:
    """`unshare -n` (a network namespace with only a down loopback), or a skip saying why it is not available."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("没有 unshare 命令（util-linux），无法在无网络的命名空间中验证离线安装")
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"本机不允许 unshare -n（{probe.stderr.strip()[:120]}）：需要 root 或开放用户命名空间")
    return [unshare, "-n"]


def test_the_script_knows_all_four_targets():
    result = subprocess.run(["bash", str(SCRIPT), "--print-targets"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["linux-3.11", "linux-3.12", "windows-3.11", "windows-3.12"]
    for line in lines:
        assert "--only-binary=:all:" in line and "--implementation cp" in line
        version = re.search(r"--python-version (3\.1[12])", line).group(1)
        assert f"--abi cp{version.replace('.', '')}" in line
        assert ("--platform win_amd64" in line) == line.startswith("windows")
        assert ("--platform manylinux_2_17_x86_64" in line) == line.startswith("linux")
        assert ("colorama" in line) == line.startswith("windows")


def test_dist_is_not_committed():
    ignored = subprocess.run(["git", "check-ignore", "-q", "dist/督查台账工具箱-0.1.0-离线安装包.zip"], cwd=ROOT)
    assert ignored.returncode == 0


def test_the_bundle_installs_and_runs_without_network(tmp_path):
    if sys.platform != "linux":
        pytest.skip("离线安装测试在 Linux 上运行（unshare -n）")
    prefix = no_network_prefix()
    out = tmp_path / "dist"
    build = subprocess.run(["bash", str(SCRIPT), "--out", str(out)], capture_output=True, text=True,
                           cwd=ROOT, env={**os.environ, "PYTHON": sys.executable}, timeout=900)
    assert build.returncode == 0, build.stdout + build.stderr
    bundles = list(out.glob("督查台账工具箱-*-离线安装包.zip"))
    assert len(bundles) == 1, list(out.iterdir())

    with zipfile.ZipFile(bundles[0]) as archive:
        names = archive.namelist()
        top = names[0].split("/")[0]
        for expected in ("install.sh", "安装.bat", "督查台账.sh", "督查台账.bat", "README.md", NOTICE,
                         "templates/周盘点.docx", "wheels/目标平台.txt"):
            assert f"{top}/{expected}" in names, expected
        wheels = [n for n in names if n.endswith(".whl")]
        for package in ("ducha_toolkit", "flask", "waitress", "click", "pandas", "openpyxl", "docxtpl", "colorama"):
            assert any(Path(w).name.lower().startswith(package) for w in wheels), package
        assert not [w for w in wheels if Path(w).name.lower().startswith("matplotlib-")], "the chart needs Pillow only"
        for compiled in ("numpy", "pandas", "lxml", "pillow", "python_calamine", "markupsafe"):
            for tag in ("cp311-cp311-win_amd64", "cp312-cp312-win_amd64", "cp311-cp311-manylinux", "cp312-cp312-manylinux"):
                assert any(Path(w).name.lower().startswith(compiled + "-") and tag in w for w in wheels), (compiled, tag)
        assert not [n for n in names if n.endswith((".tar.gz", ".zip"))], "only wheels: nothing to compile offline"
        archive.extractall(tmp_path)
        mode = archive.getinfo(f"{top}/督查台账.sh").external_attr >> 16
        assert mode & 0o111, "the launcher must be executable after unzipping"
    bundle = tmp_path / top
    for script in ("install.sh", "督查台账.sh"):
        (bundle / script).chmod(0o755)

    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PYTHON=getattr(sys, "_base_executable", sys.executable), PIP_CONFIG_FILE=os.devnull)
    offline = subprocess.run([*prefix, sys.executable, "-c",
                              "import socket; socket.create_connection(('8.8.8.8', 53), timeout=3)"],
                             capture_output=True, text=True)
    assert offline.returncode != 0, "the namespace still has a network"

    install = subprocess.run([*prefix, "sh", "install.sh"], capture_output=True, text=True, cwd=bundle, env=env,
                             timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    assert "安装完成" in install.stdout

    toolkit = bundle / ".venv" / "bin" / "toolkit"
    version = subprocess.run([*prefix, str(toolkit), "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0 and re.fullmatch(r"督查台账工具箱 \d+\.\d+\.\d+\s*", version.stdout)
    check = subprocess.run([*prefix, str(toolkit), "-w", str(bundle), "parse", "--check", NOTICE],
                           capture_output=True, text=True, env=env, cwd=bundle)
    assert check.returncode in (0, 1), check.stderr
    assert "识别任务 76 项" in check.stdout and "没有写入任何文件" in check.stdout
    assert not (bundle / "outputs" / "台账.xlsx").exists()
    console = subprocess.run([*prefix, str(bundle / ".venv" / "bin" / "python"), "-c",
                              "from toolkit.console import create_app; create_app('.', 't', 1)"],
                             capture_output=True, text=True, env=env, cwd=bundle)
    assert console.returncode == 0, console.stderr      # templates and static files are in the wheel
    assert_launcher_serves(bundle, env)


def assert_launcher_serves(bundle: Path, env: dict) -> None:
    """督查台账.sh starts the console on the folder it sits in and prints the address with its token."""
    import signal
    import urllib.request

    process = subprocess.Popen(["sh", "督查台账.sh", "--no-browser"], cwd=bundle, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = printed_address(process)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(url, timeout=30).read().decode("utf-8")
        assert "工作台" in page and str(bundle) in page
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


@pytest.mark.parametrize("name", ["督查台账.bat", "scripts/bundle/安装.bat"])
def test_windows_scripts_are_crlf_and_utf8_aware(name):
    data = (ROOT / name).read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 5, "cmd.exe needs CRLF line endings"
    text = data.decode("utf-8")
    assert text.splitlines()[1] == "chcp 65001 >nul"     # Chinese messages shown right in a Chinese Windows console
    if name == "督查台账.bat":
        assert '-w "%~dp0." serve' in text and "安装.bat" in text and "wheels" in text
    else:
        assert "--no-index --find-links wheels ducha-toolkit" in text and "3, 11" in text


def test_linux_launcher_uses_the_folder_it_sits_in():
    text = (ROOT / "督查台账.sh").read_text(encoding="utf-8")
    assert 'cd "$(dirname "$0")"' in text and '-w "$(pwd)" serve' in text and "install.sh" in text
    assert os.access(ROOT / "督查台账.sh", os.X_OK)
