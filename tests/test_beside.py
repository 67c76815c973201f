"""toolkit.beside: work on the second core comes back as it would have been done in place — its value, its error,
its warnings — and collect writes the same files whether it forks or not (issue 16)."""
from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import threading
import warnings
from pathlib import Path

import pytest

from conftest import SEED_NOTICE, run_toolkit

from toolkit import beside, memory
from toolkit.errors import LedgerLockedError, ToolkitWarning

PERIOD = "2024-W11"
RECEIVED = "2024-03-15 10:00"


@pytest.fixture
def forking(monkeypatch):
    """A one-shot command on a machine that may fork (as `python -m toolkit …` on Linux)."""
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        pytest.skip("这台机器不能 fork 或只有一个核：beside 只在本进程内运行")
    if threading.active_count() != 1:
        pytest.skip("测试进程里有其他线程（如控制台服务器）：beside 按规则不 fork")
    monkeypatch.delenv(beside.ONE_CORE_ENV, raising=False)
    monkeypatch.setattr(memory, "_one_shot", True)
    assert beside.can_fork()


def _pid_and(value):
    return os.getpid(), value


def _fails_with_hint():
    raise LedgerLockedError("台账正被打开", hint="关闭后重试")


class _Odd(Exception):
    def __init__(self, a, b):          # pickles, but cannot be rebuilt from its args
        super().__init__(f"{a}/{b}")


def _fails_oddly():
    raise _Odd(1, 2)


def _warns():
    warnings.warn("来自后台的提醒", ToolkitWarning)
    return 7


def _dies():
    os._exit(3)


def test_a_child_computes_and_hands_back_the_value(forking):
    pending = beside.start(_pid_and, {"rows": list(range(1000))})
    assert pending.forked
    pid, value = pending.result()
    assert pid != os.getpid() and value == {"rows": list(range(1000))}


def test_errors_and_warnings_come_back_as_they_were_raised(forking):
    with pytest.raises(LedgerLockedError, match="台账正被打开"):
        beside.start(_fails_with_hint).result()
    with pytest.raises(RuntimeError, match="_Odd: 1/2"):
        beside.start(_fails_oddly).result()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert beside.start(_warns).result() == 7
    assert [(str(w.message), w.category) for w in caught] == [("来自后台的提醒", ToolkitWarning)]


def test_a_child_that_dies_is_reported_not_waited_for(forking):
    with pytest.raises(beside.ChildDied, match="后台进程意外退出（退出码 3）"):
        beside.start(_dies).result()


def _take_all(turns) -> list[int]:
    taken = []
    while (number := turns.take()) is not None:
        taken.append(number)
    return taken


def test_turns_give_each_number_to_exactly_one_process(forking):
    turns = beside.Turns(5000)
    child = beside.start(_take_all, turns)
    mine = _take_all(turns)
    theirs = child.result()
    assert sorted(mine + theirs) == list(range(5000))          # every number once, by one of the two
    with pytest.raises(ValueError):                           # more than a pipe holds: never a writer that waits
        beside.Turns(1_000_000)


def test_where_forking_is_not_safe_the_work_is_done_in_place(forking, monkeypatch):
    monkeypatch.setenv(beside.ONE_CORE_ENV, "1")
    pending = beside.start(_pid_and, 5)
    assert not pending.forked and pending.result() == (os.getpid(), 5)
    monkeypatch.delenv(beside.ONE_CORE_ENV)
    monkeypatch.setattr(memory, "_one_shot", False)          # the console: a long-running server process
    assert not beside.can_fork()
    monkeypatch.setattr(memory, "_one_shot", True)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not beside.can_fork()                          # another thread might hold a lock the child needs
    finally:
        stop.set()
        thread.join()


def test_in_place_errors_wait_for_result(monkeypatch):
    monkeypatch.setenv(beside.ONE_CORE_ENV, "1")
    pending = beside.start(_fails_with_hint)
    with pytest.raises(LedgerLockedError):
        pending.result()


# ------------------------------------------------------------------------------------------ collect

def _workspace_with_returns(root: Path) -> Path:
    from toolkit import demo
    from toolkit.workspace import Workspace

    (root / "inputs").mkdir(parents=True)
    shutil.copy(SEED_NOTICE, root / "inputs" / SEED_NOTICE.name)
    run_toolkit(root, "parse", str(root / "inputs" / SEED_NOTICE.name), check=True)
    run_toolkit(root, "issue", PERIOD, "--date", "2024-03-11", check=True)
    demo.simulate_returns(Workspace.at(root), PERIOD, seed=7, mistakes=True)    # errors, notices, copies
    return root


def _collected(root: Path, one_core: bool, monkeypatch) -> tuple[dict, list, dict]:
    monkeypatch.setenv(beside.ONE_CORE_ENV, "1" if one_core else "0")
    result = run_toolkit(root, "collect", PERIOD, "--received", RECEIVED)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    sheets, history, notes = _outputs(root)
    return sheets, history, {"notes": notes, "stdout": result.stdout}


def _outputs(root: Path) -> tuple[dict, list, dict]:
    """Every sheet collect wrote (but 说明, which holds the time), the history rows and the 退回 notes."""
    from python_calamine import CalamineWorkbook

    outputs = root / "outputs"
    sheets = {}
    for path in [outputs / "台账.xlsx", *sorted((outputs / PERIOD).glob("*.xlsx"))]:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            if name != "说明":                          # holds the time of writing
                sheets[f"{path.name}/{name}"] = book.get_sheet_by_name(name).to_python()
    with sqlite3.connect(outputs / "进展记录.sqlite") as conn:
        history = conn.execute("SELECT * FROM progress_rows ORDER BY id").fetchall()
    notes = {p.name: p.read_text(encoding="utf-8") for p in sorted((outputs / PERIOD / "退回").glob("*.txt"))}
    return sheets, history, notes


def test_collect_writes_the_same_files_on_one_core_and_on_two(tmp_path, monkeypatch):
    if not hasattr(os, "fork"):
        pytest.skip("这台机器不能 fork：collect 只在本进程内运行")
    base = _workspace_with_returns(tmp_path / "base")
    assert len(list((base / "inputs" / "回收" / PERIOD).rglob("*.xlsx"))) >= 16     # judged in two halves
    one = shutil.copytree(base, tmp_path / "one", symlinks=True)
    two = shutil.copytree(base, tmp_path / "two", symlinks=True)
    sheets_one, history_one, rest_one = _collected(one, True, monkeypatch)
    sheets_two, history_two, rest_two = _collected(two, False, monkeypatch)
    assert sheets_two.keys() == sheets_one.keys() and len(sheets_one["台账.xlsx/进展记录"]) > 100
    for name in sheets_one:
        assert sheets_two[name] == sheets_one[name], name
    assert history_two == history_one and rest_two["notes"] == rest_one["notes"] and rest_one["notes"]
    assert rest_two["stdout"].replace(str(two), "") == rest_one["stdout"].replace(str(one), "")


def test_a_report_that_cannot_be_written_beside_leaves_ledger_and_database_as_they_were(tmp_path):
    root = _workspace_with_returns(tmp_path / "ws")
    ledger, store = root / "outputs" / "台账.xlsx", root / "outputs" / "进展记录.sqlite"
    before = ledger.read_bytes(), store.read_bytes() if store.exists() else None
    (root / "outputs" / PERIOD / "汇总.xlsx").mkdir(parents=True)       # a folder where the summary goes
    result = run_toolkit(root, "collect", PERIOD)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "无法写入" in result.stderr and "台账未作改动" in result.stderr
    assert (ledger.read_bytes(), store.read_bytes() if store.exists() else None) == before
    assert not [p for p in (root / "outputs").rglob("*") if ".tmp" in p.name]


def test_children_that_die_leave_their_work_to_the_command(tmp_path, monkeypatch, forking):
    """A child killed half-way (out of memory, a crash in a reader) costs time, not results: the command judges
    that half of the returns and writes the reports itself."""
    from datetime import datetime

    from toolkit.collect import command, judging
    from toolkit.workspace import Workspace

    base = _workspace_with_returns(tmp_path / "base")
    one = shutil.copytree(base, tmp_path / "one", symlinks=True)
    two = shutil.copytree(base, tmp_path / "two", symlinks=True)
    expected_sheets, expected_history, expected_rest = _collected(one, True, monkeypatch)
    monkeypatch.delenv(beside.ONE_CORE_ENV)

    parent = os.getpid()
    write_outputs = command._write_outputs

    def dies_in_a_child(*args):
        if os.getpid() != parent:
            os._exit(9)
        return write_outputs(*args)

    seen = []
    start = beside.start
    monkeypatch.setattr(beside, "start", lambda function, *args: seen.append(start(function, *args)) or seen[-1])
    def takes_three_files_and_dies(originals, turns, ctx):
        for _ in range(3):
            turns.take()
        os._exit(9)

    monkeypatch.setattr(judging, "_judged_in_turns", takes_three_files_and_dies)
    monkeypatch.setattr(command, "_write_outputs", dies_in_a_child)
    try:
        command.collect_period(Workspace.at(two), PERIOD, received=datetime.fromisoformat(RECEIVED))
    finally:
        gc.unfreeze()
    assert [pending.forked for pending in seen] == [True, True]       # both children were started, and died
    sheets, history, notes = _outputs(two)
    assert sheets == expected_sheets and history == expected_history and notes == expected_rest["notes"]
