"""Kill `toolkit collect` (SIGKILL, as kill -9 or a power cut would) at eleven moments, from taking the lock to
just after the ledger is replaced (issue 12). After each kill: the ledger is the before or the after state, the
history database passes `PRAGMA integrity_check` and matches the ledger (or is exactly the after state when the
kill fell between its commit and the ledger's replace, which every command reconciles), and a re-run gives what
an uninterrupted run gives. The moments are named in the code by toolkit.faults.checkpoint.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from test_collect import PERIOD, fill, issued, returns
from test_collect import issued_workspace, ws  # noqa: F401 - pytest fixtures shared with test_collect

from toolkit.workspace import Workspace

MOMENTS = ["collect:locked", "archive:copied", "collect:one-archived", "collect:archived", "collect:judged",
           "save:inserted", "collect:reports", "save:written", "save:committed", "save:backed-up", "save:replaced"]
RECEIVED = "2024-03-20 10:00"
COMPARED_SHEETS = ("任务台账", "责任分工", "量化指标", "主要预期目标", "进展记录", "报送情况", "通报记录")


def run_collect(root: Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOOLKIT_SETTLE_SECONDS": "0"}
    env.pop("TOOLKIT_KILL_AT", None)
    if kill_at:
        env["TOOLKIT_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "toolkit", "-w", str(root), "collect", PERIOD, "--received", RECEIVED],
                          capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=300)


def ledger_content(ws: Workspace) -> dict[str, list]:
    """Every sheet a command computes, as values (说明 holds the write time and is left out)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(ws.ledger))
    return {name: book.get_sheet_by_name(name).to_python() for name in COMPARED_SHEETS}


def store_content(ws: Workspace) -> list[tuple]:
    path = ws.outputs / "进展记录.sqlite"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return sorted(conn.execute("SELECT period, unit, task_id, state, progress, text, sha256 FROM progress_rows"))


@pytest.fixture
def prepared(ws) -> Workspace:
    fill(issued(ws, "区民政局"), returns(ws) / "民政局.xlsx")
    fill(issued(ws, "区财政局"), returns(ws) / "财政局.xlsx", progress=180)     # one row error: bad-percent
    fill(issued(ws, "区发展和改革局"), returns(ws) / "发改局.xlsx", state="滞后", progress=20)
    return ws


def copy_of(ws: Workspace, name: str) -> Workspace:
    target = ws.root.parent / name
    shutil.copytree(ws.root, target, symlinks=True)
    return Workspace.at(target)


def test_kill_at_ten_moments_never_leaves_a_ledger_the_database_disagrees_with(prepared):
    before_ledger = ledger_content(prepared)
    before_store = store_content(prepared)
    uninterrupted = copy_of(prepared, "uninterrupted")
    assert run_collect(uninterrupted.root).returncode == 1            # the bad percent is rejected input
    after_ledger, after_store = ledger_content(uninterrupted), store_content(uninterrupted)
    assert after_store != before_store and after_ledger != before_ledger

    seen = set()
    for moment in MOMENTS:
        killed = copy_of(prepared, f"killed-{moment.replace(':', '-')}")
        result = run_collect(killed.root, kill_at=moment)
        assert result.returncode == -signal.SIGKILL, f"{moment}: {result.returncode} {result.stderr}"
        ledger, store = ledger_content(killed), store_content(killed)
        assert ledger in (before_ledger, after_ledger), f"{moment}: the ledger is neither before nor after"
        if ledger == after_ledger:
            assert store == after_store, f"{moment}: the ledger claims rows the database lacks"
            seen.add("after")
        else:
            seen.add("before" if store == before_store else "database ahead")
            assert store in (before_store, after_store), f"{moment}: the database is half written"
            if store == after_store:                                  # between the commit and the replace
                assert moment in ("save:committed", "save:backed-up"), moment
                _reconciled_by_every_command(killed)

        rerun = run_collect(killed.root)
        assert rerun.returncode == 1, f"{moment}: {rerun.stderr}"
        assert "Traceback" not in rerun.stderr
        assert ledger_content(killed) == after_ledger, f"{moment}: a re-run differs from an uninterrupted run"
        assert store_content(killed) == after_store
        leftovers = [p.name for p in killed.outputs.rglob("*") if ".tmp" in p.name or p.name.endswith(".splice")
                     or p.name.startswith(".解压.")]
        assert not leftovers, f"{moment}: temporary files left behind: {leftovers}"
    assert seen == {"before", "database ahead", "after"}, seen


def _reconciled_by_every_command(ws: Workspace) -> None:
    import warnings

    from toolkit.errors import ToolkitWarning
    from toolkit.ledger import load_ledger

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ToolkitWarning)
        ledger = load_ledger(ws)
    assert any("以数据库为准" in str(w.message) for w in caught)
    assert {s.unit for s in ledger.submissions if s.period == PERIOD and s.reported} >= {"区民政局"}
