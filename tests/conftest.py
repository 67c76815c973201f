"""Shared fixtures: the real notice and workspaces built by our own commands."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_NOTICE = ROOT / "inputs" / "济兖政发〔2024〕1号.txt"


def run_toolkit(workspace: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """Run the real command line in a child process, as a clerk would."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "toolkit", "-w", str(workspace), *args],
                            capture_output=True, text=True, env=env, cwd=str(ROOT))
    if check and result.returncode != 0:
        raise AssertionError(f"toolkit {' '.join(args)} → {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(autouse=True)
def files_written_just_now_are_settled(monkeypatch):
    """Tests write returned files a moment before collecting them; a clerk's inbox files are seconds old at least.
    The still-being-copied rule ([limits] settle_seconds) is tested on its own in test_collect_inbox.py."""
    monkeypatch.setenv("TOOLKIT_SETTLE_SECONDS", "0")


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """The toolkit's user cache (compiled templates) in a folder of the test session, not the machine's own."""
    previous = os.environ.get("TOOLKIT_CACHE_DIR")
    os.environ["TOOLKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if previous is None:
        os.environ.pop("TOOLKIT_CACHE_DIR", None)
    else:
        os.environ["TOOLKIT_CACHE_DIR"] = previous


@pytest.fixture
def seed_notice() -> Path:
    return SEED_NOTICE


@pytest.fixture
def parsed_workspace(tmp_path: Path) -> Path:
    """A fresh workspace whose ledger was made by `toolkit parse` on the real notice."""
    ws = tmp_path / "ws"
    (ws / "inputs").mkdir(parents=True)
    shutil.copy(SEED_NOTICE, ws / "inputs" / SEED_NOTICE.name)
    run_toolkit(ws, "parse", str(ws / "inputs" / SEED_NOTICE.name), check=True)
    return ws


def collected_workspace(root: Path, period: str, seed: int, mistakes: bool = False, collect: bool = True) -> Path:
    """A workspace at `root` through parse, issue, the units' returns (demo.simulate_returns, with the units'
    `mistakes` if asked) and, unless `collect` is False, collect."""
    from toolkit import demo
    from toolkit.workspace import Workspace

    (root / "inputs").mkdir(parents=True)
    shutil.copy(SEED_NOTICE, root / "inputs" / SEED_NOTICE.name)
    run_toolkit(root, "parse", str(root / "inputs" / SEED_NOTICE.name), check=True)
    run_toolkit(root, "issue", period, "--date", "2024-03-11", check=True)
    demo.simulate_returns(Workspace.at(root), period, seed=seed, mistakes=mistakes)
    if collect:
        assert run_toolkit(root, "collect", period).returncode in (0, 1)
    return root


def copy_workspace(source: Path, target: Path):
    """A copy of a workspace a module-scoped fixture built once, for one test to change."""
    from toolkit.workspace import Workspace

    shutil.copytree(source, target, symlinks=True)
    return Workspace.at(target)


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        pytest.skip("需要 LibreOffice（soffice）：apt-get install libreoffice-calc-nogui libreoffice-writer-nogui")
    return path


def convert_with_soffice(source: Path, fmt: str, outdir: Path) -> Path:
    """`soffice --headless --convert-to fmt` with a private profile; returns the converted file."""
    exe = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(outdir), str(source)], check=True, capture_output=True, timeout=180)
    result = outdir / f"{source.stem}.{fmt.split(':')[0]}"
    assert result.exists(), f"LibreOffice did not write {result}"
    return result
