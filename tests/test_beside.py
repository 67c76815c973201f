"""toolkit.beside: work on the second core comes back as it would have been done in place — its value, its error,
its warnings — and collect writes the same files whether it forks or not (issue 16)."""
from __future__ import annotations

import dataclasses
import gc
import os
import sqlite3
import sys
import threading
import warnings
from datetime import datetime
from pathlib import Path

import pytest

from conftest import collected_workspace, copy_workspace, run_toolkit

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
    if not beside.can_fork():
        pytest.skip("beside 在这个系统上不 fork（如 macOS）：只在本进程内运行")


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
    assert beside.start(_dies).result_or("the caller's") == "the caller's"
    assert beside.start(_pid_and, 4).result_or(None)[1] == 4


_KILLED_COMMAND = """
import os, signal, sys, time
from pathlib import Path
from toolkit import beside, memory
memory.one_shot_command()
folder = Path(sys.argv[1])

def slow_write():
    (folder / "child.pid").write_text(str(os.getpid()))
    time.sleep(2)
    (folder / "written").write_text("an orphan wrote on")

beside.start(slow_write)
while not (folder / "child.pid").exists():
    time.sleep(0.01)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG 只在 Linux 上有")
def test_a_child_ends_with_a_command_killed_by_kill_9(tmp_path, forking):
    """kill -9 of the command (the fault-injection moments) takes its child too: no orphan writes a temporary
    file after the command's next run cleaned them up."""
    import subprocess
    import time

    from conftest import ROOT

    result = subprocess.run([sys.executable, "-c", _KILLED_COMMAND, str(tmp_path)], cwd=str(ROOT), timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    assert result.returncode == -9, result.stderr
    child = int((tmp_path / "child.pid").read_text())
    for _ in range(200):
        if not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]:
            break
        time.sleep(0.01)
    else:
        pytest.fail("the child outlived the command")
    time.sleep(2.5)
    assert not (tmp_path / "written").exists()


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

@pytest.fixture(scope="module")
def returned(tmp_path_factory) -> Path:
    """Parsed, issued and returned by the units, with their mistakes (errors, notices, copies): not collected."""
    return collected_workspace(tmp_path_factory.mktemp("beside") / "ws", PERIOD, seed=7, mistakes=True,
                               collect=False)


@pytest.fixture(scope="module")
def on_one_core(returned, tmp_path_factory) -> tuple[Path, tuple, str]:
    """`toolkit collect` run on a copy with TOOLKIT_ONE_CORE=1: (workspace, its outputs, what it printed)."""
    root = copy_workspace(returned, tmp_path_factory.mktemp("one") / "ws").root
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(beside.ONE_CORE_ENV, "1")
        result = run_toolkit(root, "collect", PERIOD, "--received", RECEIVED)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    return root, _outputs(root), result.stdout


def _outputs(root: Path) -> tuple[dict, list, dict]:
    """Every sheet collect wrote (说明 without its 写入时间), the history rows and the 退回 notes."""
    from python_calamine import CalamineWorkbook

    outputs = root / "outputs"
    sheets = {}
    for path in [outputs / "台账.xlsx", *sorted((outputs / PERIOD).glob("*.xlsx"))]:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python()
            sheets[f"{path.name}/{name}"] = [row for row in rows if row[:1] != ["写入时间"]]
    with sqlite3.connect(outputs / "进展记录.sqlite") as conn:
        history = conn.execute("SELECT * FROM progress_rows ORDER BY id").fetchall()
    notes = {p.name: p.read_text(encoding="utf-8") for p in sorted((outputs / PERIOD / "退回").glob("*.txt"))}
    return sheets, history, notes


def _collect_counting_children(root: Path, monkeypatch) -> tuple[list, list[str]]:
    """collect_period in this process (a one-shot command, see `forking`): the children beside.start made, and
    the lines the command prints."""
    from toolkit.collect import command
    from toolkit.workspace import Workspace

    started = []
    start = beside.start
    monkeypatch.setattr(beside, "start", lambda function, *args: started.append(start(function, *args)) or started[-1])
    try:
        outcome = command.collect_period(Workspace.at(root), PERIOD, received=datetime.fromisoformat(RECEIVED))
    finally:
        gc.unfreeze()                                   # load_ledger froze what it loaded (toolkit.memory)
    return started, outcome.lines()


def test_collect_writes_the_same_files_on_one_core_and_on_two(returned, on_one_core, tmp_path, monkeypatch,
                                                               forking):
    one, expected, printed = on_one_core
    two = copy_workspace(returned, tmp_path / "two").root
    started, lines = _collect_counting_children(two, monkeypatch)
    assert [pending.forked for pending in started] == [True, True, True]    # archived, judged in turns, ledger
    sheets, history, notes = _outputs(two)
    assert sheets.keys() == expected[0].keys() and len(sheets["台账.xlsx/进展记录"]) > 100
    assert any(row[0] == "进展记录数据库" for row in sheets["台账.xlsx/说明"])     # the store state is compared too
    for name in sheets:
        assert sheets[name] == expected[0][name], name
    assert history == expected[1] and notes == expected[2] and notes
    assert "\n".join(lines).replace(str(two), "") == printed.strip().replace(str(one), "")


@pytest.mark.parametrize("one_core", ["1", "0"])
def test_a_report_that_cannot_be_written_leaves_ledger_and_database_as_they_were(returned, tmp_path, monkeypatch,
                                                                                 one_core):
    """In place, or written beside the ledger and taken before its commit: the database is rolled back either way."""
    if one_core == "0" and not (hasattr(os, "fork") and sys.platform != "darwin" and (os.cpu_count() or 1) >= 2):
        pytest.skip("这台机器上 collect 不 fork")
    root = copy_workspace(returned, tmp_path / "ws").root
    ledger, store = root / "outputs" / "台账.xlsx", root / "outputs" / "进展记录.sqlite"
    before = ledger.read_bytes(), store.read_bytes() if store.exists() else None
    (root / "outputs" / PERIOD / "汇总.xlsx").mkdir(parents=True)       # a folder where the summary goes
    monkeypatch.setenv(beside.ONE_CORE_ENV, one_core)
    result = run_toolkit(root, "collect", PERIOD)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "无法写入" in result.stderr and "台账未作改动" in result.stderr
    assert (ledger.read_bytes(), store.read_bytes() if store.exists() else None) == before
    assert not [p for p in (root / "outputs").rglob("*") if ".tmp" in p.name]


def test_children_that_die_leave_their_work_to_the_command(returned, on_one_core, tmp_path, monkeypatch, forking):
    """A child killed half-way (out of memory, a crash in a reader) costs time, not results: the command archives
    the returns, judges the files that child took and writes the ledger itself."""
    from toolkit import ledger
    from toolkit.collect import command, judging

    parent = os.getpid()

    def dies_in_a_child(function):
        def work(*args):
            if os.getpid() != parent:
                os._exit(9)
            return function(*args)
        return work

    def takes_three_files_and_dies(originals, turns, ctx):
        for _ in range(3):
            turns.take()
        os._exit(9)

    monkeypatch.setattr(judging, "_judged_in_turns", takes_three_files_and_dies)
    monkeypatch.setattr(ledger, "_write_ledger_file", dies_in_a_child(ledger._write_ledger_file))
    monkeypatch.setattr(command, "_archive_all", dies_in_a_child(command._archive_all))
    two = copy_workspace(returned, tmp_path / "two").root
    started, _ = _collect_counting_children(two, monkeypatch)
    assert [pending.forked for pending in started] == [True, True, True]    # all three were started, and died
    assert _outputs(two) == on_one_core[1]


def test_a_ledger_written_beside_for_a_store_state_that_did_not_come_is_written_again(on_one_core, tmp_path,
                                                                                        monkeypatch, forking):
    """The child records the store state the insert should give; a row the store already holds (ignored by the
    insert, so the count comes out lower) makes the command write the ledger again with the state that came."""
    from toolkit import ledger as ledger_module
    from toolkit.store import parse_store_state, store_counts
    from toolkit.workspace import Workspace

    ws = Workspace.at(copy_workspace(on_one_core[0], tmp_path / "ws").root)
    before = store_counts(ws)
    try:
        ledger = ledger_module.load_ledger(ws)
    finally:
        gc.unfreeze()
    stored = next(r for r in ledger.progress if r._stored_in)
    ledger.progress.append(dataclasses.replace(stored, _stored_in=""))    # already in the store: ignored
    started = []
    start = beside.start
    monkeypatch.setattr(beside, "start", lambda function, *args: started.append(start(function, *args)) or started[-1])
    original, written = ledger_module.write_ledger, []           # what a child appends stays in the child
    monkeypatch.setattr(ledger_module, "write_ledger",
                        lambda path, led: written.append(led.store_state) or original(path, led))
    ledger_module.save_ledger(ws, ledger, meanwhile=lambda: None)
    assert [pending.forked for pending in started] == [True]
    assert store_counts(ws) == before                                   # nothing added
    assert written == [ledger_module.store_state_text(*before)]          # written again here, once
    from python_calamine import CalamineWorkbook

    info = CalamineWorkbook.from_path(str(ws.ledger)).get_sheet_by_name("说明").to_python()
    assert parse_store_state(next(row[1] for row in info if row[0] == "进展记录数据库")) == before
