"""The progress history in outputs/进展记录.sqlite and the 进展记录 sheet as its view (issue 6).

A real five-week workspace (real notice → issue → simulated returns → collect, each week) is evaluated with a
windowed load and with the full history; both must agree. One lead unit stays silent from the second week on,
so that its only report lies before every window and 未报送 turns red.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import warnings
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import SEED_NOTICE, copy_workspace, run_toolkit

from toolkit import ledger as ledger_stage
from toolkit.errors import ToolkitWarning
from toolkit.models import ProgressRecord
from toolkit.store import store_state_text
from toolkit.workspace import Workspace

WEEKS = ("2024-W10", "2024-W11", "2024-W12", "2024-W13", "2024-W14")


def store_count(ws: Workspace) -> int:
    with sqlite3.connect(ledger_stage.store_path(ws)) as conn:
        return conn.execute("SELECT COUNT(*) FROM progress").fetchone()[0]


def sheet_rows(ws: Workspace) -> list[dict]:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(ws.ledger)).get_sheet_by_name(ledger_stage.PROGRESS_SHEET).to_python()
    return ledger_stage._records(rows, ledger_stage.PROGRESS_SHEET)


def key(record: ProgressRecord) -> tuple:
    return record.period, record.unit, record.task_id, record.sha256


def silent_lead_unit(ws: Workspace) -> str:
    """A lead unit whose name is no part of another unit's name (its returned files are found by name)."""
    ledger = ledger_stage.load_ledger(ws)
    leads = sorted({a.unit for a in ledger.assignments if a.role == "主办"})
    return next(u for u in leads if ws.issued_dir(WEEKS[0]).joinpath(f"{u}.xlsx").exists()
                and not any(u != other and u in other for other in leads))


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, str, int]:
    """(workspace, the unit silent after week 1, rows added by the five collections)."""
    from toolkit.collect import collect_period
    from toolkit.demo import add_towns, simulate_returns
    from toolkit.forms import issue_forms

    root = tmp_path_factory.mktemp("history") / "ws"
    (root / "inputs").mkdir(parents=True)
    shutil.copy(SEED_NOTICE, root / "inputs" / SEED_NOTICE.name)
    run_toolkit(root, "parse", str(root / "inputs" / SEED_NOTICE.name), check=True)
    ws = Workspace.at(root)
    add_towns(ws)
    silent, added = None, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        for index, week in enumerate(WEEKS):
            issue_forms(ws, week, as_of=date.fromisocalendar(2024, int(week[-2:]), 1))
            silent = silent or silent_lead_unit(ws)
            simulate_returns(ws, week, seed=11, silent=4, late=3, mistakes=False)
            if index:
                for path in [p for p in ws.returns(week).rglob("*") if p.is_file() and silent in p.name]:
                    path.unlink()
            added += collect_period(ws, week).added_rows
    return root, silent, added


@pytest.fixture
def copy_of(history, tmp_path) -> Workspace:
    return copy_workspace(history[0], tmp_path / "ws")


def test_history_start_reaches_back_missed_reports_red_periods():
    from toolkit.config import Config
    from toolkit.periods import parse_period

    config = Config()
    period = parse_period("2024-W12", config)
    assert ledger_stage.history_start(period, config) == date(2024, 3, 4)           # W10 (default: 2 periods)
    assert ledger_stage.history_start(period, config, extra_periods=1) == date(2024, 2, 26)
    month = parse_period("2024-03", config)
    assert ledger_stage.history_start(month, config) == date(2024, 1, 1)


@pytest.mark.parametrize("period_id", [*WEEKS, "2024-03", "2024-03中旬"])
def test_windowed_load_evaluates_like_the_full_history(history, period_id):
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.periods import parse_period

    ws = Workspace.at(history[0])
    config = load_config(ws)
    period = parse_period(period_id, config)
    full = ledger_stage.load_ledger(ws)
    windowed = ledger_stage.load_ledger(ws, since=ledger_stage.history_start(period, config, extra_periods=1))
    for evaluated in (period, period.previous(config)):
        assert progress.evaluate(windowed, evaluated, config) == progress.evaluate(full, evaluated, config)
    assert progress.indicator_values(windowed, period) == progress.indicator_values(full, period)
    assert {key(r) for r in windowed.progress} <= {key(r) for r in full.progress}


def test_the_window_really_leaves_history_out_and_the_silent_unit_turns_red(history):
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.periods import parse_period

    root, silent, _ = history
    ws = Workspace.at(root)
    config = load_config(ws)
    period = parse_period(WEEKS[-1], config)
    windowed = ledger_stage.load_ledger(ws, since=ledger_stage.history_start(period, config))
    full = ledger_stage.load_ledger(ws)
    assert len(windowed.progress) < len(full.progress)
    old_reports = [r for r in windowed.progress if r.unit == silent]
    assert old_reports and {r.period for r in old_reports} == {WEEKS[0]}, "its latest report comes from before"
    statuses = progress.evaluate(windowed, period, config)
    led = [a.task_id for a in windowed.assignments if a.unit == silent and a.role == "主办"
           and len(windowed.task(a.task_id).lead_units) == 1]
    assert led and all(statuses[t].state in ("未报送", "已完成") for t in led)
    assert any(statuses[t].warning == "红" for t in led)


def test_sheet_is_the_latest_report_per_unit_and_task_plus_the_latest_period(history):
    from toolkit.periods import period_end_of

    ws = Workspace.at(history[0])
    full = ledger_stage.load_ledger(ws).progress
    latest: dict[tuple, ProgressRecord] = {}
    for r in full:
        current = latest.get((r.unit, r.task_id))
        if current is None or (period_end_of(r.period), r.received) >= (period_end_of(current.period),
                                                                         current.received):
            latest[(r.unit, r.task_id)] = r
    expected = {key(r) for r in latest.values()} | {key(r) for r in full if r.period == WEEKS[-1]}
    shown = {(ledger_stage.as_text(r["期次"]), ledger_stage.as_text(r["单位"]), ledger_stage.as_text(r["任务序号"]),
              ledger_stage.as_text(r["SHA-256"])) for r in sheet_rows(ws)}
    assert shown == expected
    assert {(u, t) for _, u, t, _ in shown} == set(latest)


def test_no_row_is_lost_when_the_sheet_shows_fewer(history):
    root, silent, added = history
    ws = Workspace.at(root)
    assert store_count(ws) == added == len(ledger_stage.load_ledger(ws).progress)
    assert len(sheet_rows(ws)) < added
    periods = {r.period for r in ledger_stage.load_ledger(ws).progress}
    assert periods == set(WEEKS)
    info = {ledger_stage.as_text(r["项目"]): ledger_stage.as_text(r["内容"])
            for r in ledger_stage._records(_sheet(ws, ledger_stage.INFO_SHEET), ledger_stage.INFO_SHEET)}
    assert "进展记录.sqlite" in info[ledger_stage.VIEW_NOTE_KEY]


def _sheet(ws: Workspace, name: str) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(ws.ledger)).get_sheet_by_name(name).to_python()


def test_recollecting_a_week_changes_neither_store_nor_ledger(copy_of):
    from toolkit.collect import collect_period

    before_count, before = store_count(copy_of), ledger_stage.load_ledger(copy_of)
    before_sheet = sheet_rows(copy_of)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        outcome = collect_period(copy_of, WEEKS[-1])
    assert outcome.added_rows == 0
    assert store_count(copy_of) == before_count
    after = ledger_stage.load_ledger(copy_of)
    assert after == before
    assert sheet_rows(copy_of) == before_sheet


def test_failed_ledger_write_rolls_the_store_back(copy_of, monkeypatch):
    ledger = ledger_stage.load_ledger(copy_of)
    count, ledger_bytes = store_count(copy_of), copy_of.ledger.read_bytes()
    ledger.progress.append(ProgressRecord("2024-W30", "区民政局", "1", "主办", "序时推进", 50.0, "新的一行", "", "",
                                          sha256="f" * 64, received=datetime(2024, 7, 24, 9, 0)))

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        ledger_stage.save_ledger(copy_of, ledger)
    monkeypatch.undo()
    assert store_count(copy_of) == count
    assert copy_of.ledger.read_bytes() == ledger_bytes
    assert "2024-W30" not in {r.period for r in ledger_stage.load_ledger(copy_of).progress}
    ledger_stage.save_ledger(copy_of, ledger)                  # and the same save succeeds afterwards
    assert store_count(copy_of) == count + 1


def test_failed_first_save_leaves_no_store_that_hides_the_sheet(copy_of, monkeypatch):
    full = ledger_stage.load_ledger(copy_of)
    old_ledger = _write_old_ledger(copy_of, full, monkeypatch)
    ledger_stage.store_path(copy_of).unlink()
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        ledger_stage.save_ledger(copy_of, ledger_stage.load_ledger(copy_of))
    monkeypatch.undo()
    assert copy_of.ledger.read_bytes() == old_ledger
    assert ledger_stage.load_ledger(copy_of).progress == full.progress


def _write_old_ledger(ws: Workspace, ledger, monkeypatch) -> bytes:
    """台账.xlsx as the toolkit wrote it before the store: every row in 进展记录, no view note in 说明."""
    with monkeypatch.context() as patch:
        patch.setattr(ledger_stage, "progress_view", lambda records: records)
        info_rows = ledger_stage._info_rows
        patch.setattr(ledger_stage, "_info_rows",
                      lambda led: [r for r in info_rows(led) if r[0] != ledger_stage.VIEW_NOTE_KEY])
        ledger_stage.write_ledger(ws.ledger, ledger)
    return ws.ledger.read_bytes()


def test_old_ledger_without_store_is_imported_once(copy_of, monkeypatch):
    full = ledger_stage.load_ledger(copy_of)
    _write_old_ledger(copy_of, full, monkeypatch)
    ledger_stage.store_path(copy_of).unlink()
    assert len(sheet_rows(copy_of)) == len(full.progress)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ToolkitWarning)    # a full old sheet is no reason to warn
        migrated = ledger_stage.load_ledger(copy_of)
    assert {key(r) for r in migrated.progress} == {key(r) for r in full.progress}
    assert not ledger_stage.store_path(copy_of).exists(), "reading alone writes nothing"
    ledger_stage.save_ledger(copy_of, migrated)
    assert store_count(copy_of) == len(full.progress)
    assert len(sheet_rows(copy_of)) < len(full.progress), "the sheet is a view from now on"
    again = ledger_stage.load_ledger(copy_of)
    assert {key(r) for r in again.progress} == {key(r) for r in full.progress}
    ledger_stage.save_ledger(copy_of, again)
    assert store_count(copy_of) == len(full.progress)


def test_copied_ledger_without_its_store_warns_and_keeps_the_recent_rows(copy_of):
    ledger_stage.store_path(copy_of).unlink()
    with pytest.warns(ToolkitWarning, match="进展记录.sqlite"):
        ledger = ledger_stage.load_ledger(copy_of)
    assert len(ledger.progress) == len(sheet_rows(copy_of))


def test_indicator_value_reported_only_before_the_window_is_kept(copy_of):
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.periods import parse_period

    ledger = ledger_stage.load_ledger(copy_of)
    task = next(t for t in ledger.tasks if len(t.indicators) >= 2 and len(t.lead_units) == 1)
    lead = ledger.assignments_of(task.id)[0].unit
    ids = [i.id for i in ledger.indicators if i.task_id == task.id][:2]
    base = dict(unit=lead, task_id=task.id, role="主办", state="序时推进", progress=30.0, text="推进中",
                problems="", plan="")
    ledger.progress += [
        ProgressRecord("2024-W15", **base, indicator_values={ids[0]: 1.0, ids[1]: 2.0}, sha256="a" * 64,
                       received=datetime(2024, 4, 17)),
        ProgressRecord("2024-W16", **base, indicator_values={ids[0]: 3.0}, sha256="b" * 64,
                       received=datetime(2024, 4, 24)),
        ProgressRecord("2024-W20", **base, sha256="c" * 64, received=datetime(2024, 5, 22)),
        ProgressRecord("第几周", **base, sha256="d" * 64),   # not a period id: kept in every load
    ]
    ledger_stage.save_ledger(copy_of, ledger)
    config = load_config(copy_of)
    period = parse_period("2024-W22", config)
    windowed = ledger_stage.load_ledger(copy_of, since=ledger_stage.history_start(period, config))
    assert "第几周" in {r.period for r in windowed.progress}
    windowed.progress = [r for r in windowed.progress if r.period != "第几周"]   # evaluation needs real periods
    values = progress.indicator_values(windowed, period)
    assert values[ids[0]] == 3.0 and values[ids[1]] == 2.0
    assert len(windowed.progress) < len(ledger.progress)


def test_parse_moves_an_orphan_store_aside(copy_of):
    copy_of.ledger.unlink()
    result = run_toolkit(copy_of.root, "parse", str(copy_of.inputs / SEED_NOTICE.name))
    assert result.returncode == 0, result.stderr
    assert "进展记录数据库" in result.stdout
    assert list(copy_of.backups.glob("进展记录_*.sqlite"))
    assert ledger_stage.load_ledger(copy_of).progress == []


# ------------------------------------------------------------------------------------------ a database of version 1

VERSION_1_SCHEMA = (   # what toolkit versions before the compact schema created (one wide row per report row)
    """CREATE TABLE progress (id INTEGER PRIMARY KEY, period TEXT NOT NULL, unit TEXT NOT NULL,
       task_id TEXT NOT NULL, role TEXT, state TEXT, progress REAL, text TEXT, problems TEXT, plan TEXT,
       indicator_values TEXT, filler TEXT, phone TEXT, received TEXT, late INTEGER, file TEXT,
       sha256 TEXT NOT NULL, period_end TEXT, UNIQUE (period, unit, task_id, sha256))""",
    "CREATE INDEX progress_pair_end ON progress (unit, task_id, period_end)",
    "CREATE INDEX progress_end ON progress (period_end)",
    """CREATE TABLE progress_indicator (progress_id INTEGER NOT NULL REFERENCES progress (id), unit TEXT NOT NULL,
       task_id TEXT NOT NULL, indicator_id TEXT NOT NULL, period_end TEXT, UNIQUE (progress_id, indicator_id))""",
    "CREATE INDEX progress_indicator_pair ON progress_indicator (unit, task_id, indicator_id, period_end)",
)


def _write_version_1_store(ws: Workspace, records: list[ProgressRecord]) -> None:
    """outputs/进展记录.sqlite replaced by a version-1 database holding `records` (ids 1… in their order)."""
    import json

    path = ledger_stage.store_path(ws)
    path.unlink()
    ends: dict = {}
    with sqlite3.connect(path) as conn:
        for statement in VERSION_1_SCHEMA:
            conn.execute(statement)
        for r in records:
            end = ledger_stage._period_end_text(r.period, ends)
            row_id = conn.execute(
                "INSERT INTO progress (period, unit, task_id, role, state, progress, text, problems, plan, "
                "indicator_values, filler, phone, received, late, file, sha256, period_end) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (r.period, r.unit, r.task_id, r.role, r.state, r.progress, r.text, r.problems, r.plan,
                 json.dumps(r.indicator_values, ensure_ascii=False) if r.indicator_values else "", r.filler,
                 r.phone, r.received.isoformat(sep=" ") if r.received else None, int(r.late), r.file, r.sha256,
                 end)).lastrowid
            conn.executemany("INSERT INTO progress_indicator VALUES (?, ?, ?, ?, ?)",
                             [(row_id, r.unit, r.task_id, key, end) for key in r.indicator_values])
        conn.execute("CREATE TABLE evidence (id INTEGER PRIMARY KEY, period TEXT NOT NULL, unit TEXT NOT NULL, "
                     "task_id TEXT NOT NULL, name TEXT NOT NULL, archived TEXT, sha256 TEXT NOT NULL, size INTEGER, "
                     "linked_by TEXT, flag TEXT, UNIQUE (period, unit, name, sha256))")
    conn.close()


@pytest.fixture
def version_1(copy_of) -> tuple[Workspace, list[ProgressRecord], list[ProgressRecord], date]:
    """A workspace whose database is of version 1, with rows of every odd kind; (ws, every row, the rows of a
    windowed load, its start) as this version reads them before the database is replaced."""
    from toolkit.config import load_config
    from toolkit.periods import parse_period

    ledger = ledger_stage.load_ledger(copy_of)
    base = dict(unit=ledger.progress[0].unit, task_id=ledger.progress[0].task_id, role="主办", state="序时推进",
                text="推进中", problems="", plan="")
    ledger.progress += [
        ProgressRecord("第几周", **base, progress=None, sha256="d" * 64),       # not a period; nothing received
        ProgressRecord("2024-W15", **base, progress=12.5, sha256="", file="", filler="王五"),
        ProgressRecord("2024-W15", **base, progress=13.0, sha256="e" * 64, late=True,
                       received=datetime(2024, 4, 19, 8, 30), indicator_values={"1#1": 7.0}),
    ]
    ledger_stage.save_ledger(copy_of, ledger)
    config = load_config(copy_of)
    since = ledger_stage.history_start(parse_period("2024-W14", config), config)
    full, windowed = ledger_stage.load_history(copy_of), ledger_stage.load_history(copy_of, since)
    _write_version_1_store(copy_of, full)
    return copy_of, full, windowed, since


def test_a_version_1_database_is_backed_up_and_upgraded_with_every_row(version_1):
    ws, full, windowed, since = version_1
    path = ledger_stage.store_path(ws)
    old_size = path.stat().st_size
    with warnings.catch_warnings():
        warnings.simplefilter("error", ToolkitWarning)              # in step with the ledger: nothing to say
        ledger = ledger_stage.load_ledger(ws)
    backups = list(ws.backups.glob("进展记录_升级前_*.sqlite"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:                        # the backup is the old database
        assert conn.execute("SELECT COUNT(*), MAX(id) FROM progress").fetchone() == (len(full), len(full))
        assert "period_end" in {row[1] for row in conn.execute("PRAGMA table_info(progress)")}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*), MAX(id) FROM progress").fetchone() == (len(full), len(full))
    assert path.stat().st_size < old_size
    assert ledger_stage.load_history(ws) == full
    assert ledger_stage.load_history(ws, since) == windowed
    assert [r.period for r in ledger.progress if r.period == "第几周"] == ["第几周"]
    ledger_stage.save_ledger(ws, ledger)                             # and it is written on as usual
    assert store_count(ws) == len(full)
    assert len(list(ws.backups.glob("进展记录_升级前_*.sqlite"))) == 1, "upgraded once"


def test_an_upgrade_that_fails_leaves_the_version_1_database_as_it_was(version_1, monkeypatch):
    from toolkit import store
    from toolkit.errors import ToolkitError

    ws, full, _, _ = version_1
    path = ledger_stage.store_path(ws)
    before = path.read_bytes()

    def failing(*args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_index_indicators", failing)        # the last step of the upgrade
    with pytest.raises(ToolkitError, match="进展记录数据库"):
        ledger_stage.load_ledger(ws)
    assert path.read_bytes() == before
    monkeypatch.undo()
    assert ledger_stage.load_history(ws) == full


# ------------------------------------------------------------------------------------------ collect's window

@pytest.mark.parametrize("period_id", WEEKS)
def test_a_window_from_the_period_start_evaluates_like_the_full_history(history, period_id):
    """collect reads history from the collected period's start only: each (unit, task)'s latest report before it
    stands for every earlier period, also for 未报送 twice in a row."""
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.periods import parse_period

    root, silent, _ = history
    ws = Workspace.at(root)
    config = load_config(ws)
    period = parse_period(period_id, config)
    full = ledger_stage.load_ledger(ws)
    windowed = ledger_stage.load_ledger(ws, since=period.start)
    later = [p for p in (parse_period(w, config) for w in WEEKS) if p.start >= period.start]
    for evaluated in later:
        assert progress.evaluate(windowed, evaluated, config) == progress.evaluate(full, evaluated, config)
        assert progress.indicator_values(windowed, evaluated) == progress.indicator_values(full, evaluated)
    assert ledger_stage.progress_view(windowed.progress) == ledger_stage.progress_view(full.progress)
    if period_id == WEEKS[-1]:
        assert len(windowed.progress) < len(full.progress)
        statuses = progress.evaluate(windowed, period, config)
        led = [a.task_id for a in windowed.assignments if a.unit == silent and a.role == "主办"
               and len(windowed.task(a.task_id).lead_units) == 1]
        assert any(statuses[t].warning == "红" for t in led)


def test_a_store_ahead_by_periods_before_the_window_rebuilds_them_from_all_their_rows(copy_of):
    from toolkit.config import load_config
    from toolkit.periods import parse_period

    full = ledger_stage.load_ledger(copy_of)
    behind = [r for r in full.progress if r.period in WEEKS[:2]]
    kept = copy_of.ledger.read_bytes()
    full.submissions = [s for s in full.submissions if s.period in WEEKS[:2]]
    full.store_state = store_state_text(len(behind), len(behind))        # as written before W12 was collected
    ledger_stage.write_ledger(copy_of.ledger, full)
    since = parse_period(WEEKS[-1], load_config(copy_of)).start            # W12 and W13 lie before the window
    with pytest.warns(ToolkitWarning, match="补齐"):
        rebuilt = ledger_stage.load_ledger(copy_of, since=since)
    copy_of.ledger.write_bytes(kept)
    original = ledger_stage.load_ledger(copy_of)

    def shown(ledger, period_id):
        return [(s.unit, s.expected, s.reported, s.received, s.late, s.file) for s in ledger.submissions
                if s.period == period_id]
    for period_id in WEEKS[2:]:
        assert shown(rebuilt, period_id) == shown(original, period_id)


@pytest.mark.parametrize("period_id", ["2024-W12", WEEKS[-1], "2024-03"])
def test_a_circular_from_its_window_is_the_circular_from_the_full_history(history, tmp_path, monkeypatch, period_id):
    """circular loads this period and the one before (issue 16); the document is the one the whole history gives,
    the silent unit's 未报送 and the month's unit ranking included."""
    import zipfile

    from toolkit.circular import render_circulars

    def document(root: Path) -> bytes:
        [docx] = render_circulars(Workspace.at(root), period_id, date(2024, 4, 8), pdf=False)
        with zipfile.ZipFile(docx) as book:
            return book.read("word/document.xml")

    windowed_root, full_root = tmp_path / "windowed", tmp_path / "full"
    shutil.copytree(history[0], windowed_root)
    shutil.copytree(history[0], full_root)
    windowed = document(windowed_root)
    real_load = ledger_stage.load_ledger
    monkeypatch.setattr(ledger_stage, "load_ledger", lambda ws, since=None, **kw: real_load(ws, **kw))
    assert document(full_root) == windowed
