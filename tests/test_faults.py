"""Faults and clerk mistakes (issue 12, points 1–4 and 10–13): nothing lost, nothing misleading.

Disk full and read-only are made real by making the write raise the real OSError (errno.ENOSPC / EROFS /
EACCES): the tests run as root, and root writes into a chmod 555 directory anyway, so a read-only directory
cannot be made real here without a read-only mount.
"""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import sqlite3
import subprocess
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import convert_with_soffice, run_toolkit
from test_collect import NOTICE, ON_TIME, PERIOD, collect, fill, issued, returns
from test_collect import issued_workspace, unit, ws  # noqa: F401 - pytest fixtures shared with test_collect

from toolkit import ledger as ledger_stage
from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.workspace import Workspace

OTHER = "区财政局"


def store_rows(ws: Workspace) -> int:
    with sqlite3.connect(ledger_stage.store_path(ws)) as conn:
        return conn.execute("SELECT COUNT(*) FROM progress").fetchone()[0]


def collected(ws: Workspace) -> Workspace:
    """A workspace after one collect of two good returns."""
    fill(issued(ws, "区民政局"), returns(ws) / "民政局.xlsx")
    fill(issued(ws, OTHER), returns(ws) / "财政局.xlsx")
    collect(ws, received=ON_TIME)
    return ws


def cli(ws: Workspace, *args: str):
    from toolkit.cli import main

    return CliRunner().invoke(main, ["-w", str(ws.root), *args])


# ---------------------------------------------------------------------------------------------- 1. OS errors

def test_disk_full_while_the_ledger_is_written_says_disk_full_and_keeps_everything(ws, unit, monkeypatch):
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    before, rows = ws.ledger.read_bytes(), store_rows(ws)

    def full(path, ledger):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(ledger_stage, "write_ledger", full)
    result = cli(ws, "collect", PERIOD)
    assert result.exit_code == 2
    assert "磁盘空间不足" in result.output and "剩余" in result.output and "约需" in result.output
    assert "进展记录数据库" not in result.output.split("磁盘空间不足")[0]
    assert "改名" not in result.output and "重建" not in result.output and "程序内部错误" not in result.output
    assert ws.ledger.read_bytes() == before and store_rows(ws) == rows


def test_disk_full_in_xlsxwriter_is_unwrapped(ws, unit, monkeypatch):
    from xlsxwriter.exceptions import FileCreateError

    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")

    def full(path, ledger):
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(ledger_stage, "write_ledger", full)
    with pytest.raises(ToolkitError, match="磁盘空间不足"):
        collect(ws)


def test_disk_full_while_issuing_forms_is_no_internal_error(ws, monkeypatch):
    from xlsxwriter.exceptions import FileCreateError

    from toolkit import forms

    def full(*args, **kwargs):
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device", "区民政局.xlsx"))

    monkeypatch.setattr(forms.command, "write_unit_workbook", full)   # where issue_forms finds it
    result = cli(ws, "issue", PERIOD)
    assert result.exit_code == 2
    assert "磁盘空间不足" in result.output and "程序内部错误" not in result.output


def test_read_only_archive_folder_says_read_only(ws, unit, monkeypatch):
    from toolkit.collect import inbox

    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")

    def read_only(src, dst):
        raise OSError(errno.EROFS, "Read-only file system", str(dst))

    monkeypatch.setattr(inbox.shutil, "copyfile", read_only)
    result = cli(ws, "collect", PERIOD)
    assert result.exit_code == 2 and "只读" in result.output and "程序内部错误" not in result.output


def test_no_permission_for_the_reports_says_so(ws, unit, monkeypatch):
    from toolkit.collect import command

    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    before = ws.ledger.read_bytes()

    def denied(path, problems):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(command, "write_problem_report", denied)
    with pytest.raises(ToolkitError, match="没有写入.*权限"):
        collect(ws)
    assert ws.ledger.read_bytes() == before


@pytest.mark.parametrize("code, winerror, words", [
    (errno.ENOSPC, None, "磁盘空间不足"), (errno.EROFS, None, "只读"), (errno.EACCES, None, "权限"),
    (errno.ENAMETOOLONG, None, "路径太长"), (errno.EACCES, 32, "正被其他程序使用"), (errno.EBUSY, None, "正被其他程序使用")])
def test_each_fixable_os_error_has_its_own_sentence(tmp_path, code, winerror, words):
    from toolkit.oserrors import clerk_error, is_clerk_fixable

    exc = OSError(code, os.strerror(code), str(tmp_path / "台账.xlsx"))
    if winerror:
        exc.winerror = winerror
    assert is_clerk_fixable(exc)
    assert words in clerk_error(exc).message


def test_database_rename_advised_only_when_integrity_check_fails(ws):
    path = ledger_stage.store_path(ws)
    full = ledger_stage.store_error(path, sqlite3.OperationalError("database or disk is full"))
    assert "磁盘空间不足" in full.message and "改名" not in full.message
    locked = ledger_stage.store_error(path, sqlite3.OperationalError("database is locked"))
    assert "改名" not in locked.message
    other = ledger_stage.store_error(path, sqlite3.OperationalError("unable to open database file"))
    assert "完好" in other.message and "改名后" not in other.message
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    damaged = ledger_stage.store_error(path, sqlite3.DatabaseError("database disk image is malformed"))
    assert "已损坏" in damaged.message and "改名" in damaged.message


# ---------------------------------------------------------------------------------------------- 2. in step

def test_ledger_restored_from_backup_is_reconciled_from_the_database(ws):
    collected(ws)
    after = ledger_stage.load_ledger(ws)
    reported = {s.unit for s in after.submissions if s.period == PERIOD and s.reported}
    first_backup = sorted(ws.backups.glob("台账_*.xlsx"))[-1]          # the ledger before the collect
    shutil.copy(first_backup, ws.ledger)
    with pytest.warns(ToolkitWarning, match="以数据库为准"):
        restored = ledger_stage.load_ledger(ws)
    assert {s.unit for s in restored.submissions if s.period == PERIOD and s.reported} == reported
    assert sum(s.expected for s in restored.submissions if s.period == PERIOD) > 0
    outcome = _check(ws)
    assert outcome.exit_code == 0 and any("补齐" in f.text for f in outcome.findings)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ToolkitWarning)
        ledger_stage.load_ledger(ws)                                      # in step again: no warning


def test_emptied_database_is_refused_and_check_puts_the_recent_rows_back(ws):
    collected(ws)
    rows = store_rows(ws)
    with sqlite3.connect(ledger_stage.store_path(ws)) as conn:
        conn.execute("DELETE FROM progress_indicator")
        conn.execute("DELETE FROM progress")
    with pytest.raises(ToolkitError, match="只有 0 行") as caught:
        ledger_stage.load_ledger(ws)
    assert "toolkit check" in caught.value.message
    result = cli(ws, "circular", PERIOD)
    assert result.exit_code == 2 and "只有 0 行" in result.output, "circular refuses rather than cut 进展记录"
    outcome = _check(ws)
    assert store_rows(ws) == rows and outcome.exit_code == 0
    assert len(ledger_stage.load_ledger(ws).progress) == rows


def _check(ws: Workspace):
    from toolkit.health import check_workspace

    return check_workspace(ws)


def test_check_reports_and_repairs(ws, unit):
    collected(ws)
    stale = ws.outputs / ".台账.999999.tmp.xlsx"
    stale.write_bytes(b"half")
    (ws.outputs / ".toolkit.lock").write_text("999999")
    result = cli(ws, "check")
    assert result.exit_code == 0, result.output
    assert "已修复" in result.output and not stale.exists() and not (ws.outputs / ".toolkit.lock").exists()
    ws.office_key.unlink()
    result = cli(ws, "check", "--no-repair")
    assert result.exit_code == 1 and ".office_key" in result.output


# ---------------------------------------------------------------------------------------------- 3. .xls ledger

def _edited_copy_as(ws: Workspace, suffix: str, tmp_path: Path) -> str:
    """The clerk edits 任务内容 of task 1 in WPS and saves as .xls; the old .xlsx stays beside it."""
    import openpyxl

    original = ws.ledger.read_bytes()
    book = openpyxl.load_workbook(ws.ledger)
    sheet = book["任务台账"]
    header = [c.value for c in sheet[1]]
    text_cell = sheet.cell(2, header.index("任务内容") + 1)
    text_cell.value = "督查室在WPS中改过的任务内容"
    edited = tmp_path / "edited" / "台账.xlsx"
    edited.parent.mkdir()
    book.save(edited)
    converted = convert_with_soffice(edited, "ods" if suffix == ".ods" else "xls", tmp_path / "converted")
    shutil.copy(converted, ws.ledger.with_suffix(suffix))
    ws.ledger.write_bytes(original)
    old = datetime(2024, 1, 1).timestamp()
    os.utime(ws.ledger, (old, old))
    return text_cell.value


@pytest.mark.parametrize("suffix", [".xls", ".et", ".ods"])
def test_ledger_saved_as_xls_beside_the_old_xlsx_is_read_and_written_back(ws, tmp_path, suffix):
    text = _edited_copy_as(ws, suffix, tmp_path)
    with pytest.warns(ToolkitWarning, match=f"台账{suffix}"):
        ledger = ledger_stage.load_ledger(ws)
    assert ledger.tasks[0].text == text
    ledger_stage.save_ledger(ws, ledger)
    assert not ws.ledger.with_suffix(suffix).exists()
    assert list(ws.backups.glob(f"台账_另存_*{suffix}"))
    assert ledger_stage.load_ledger(ws).tasks[0].text == text


def test_check_writes_an_xls_ledger_back_as_xlsx(ws, tmp_path):
    text = _edited_copy_as(ws, ".xls", tmp_path)
    outcome = _check(ws)
    assert any(f.state == "已修复" and "台账.xls" in f.text for f in outcome.findings)
    assert not ws.ledger.with_suffix(".xls").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ToolkitWarning)
        assert ledger_stage.load_ledger(ws).tasks[0].text == text


def test_only_an_xls_ledger_is_read_and_parse_is_never_advised(ws, tmp_path):
    collected(ws)
    rows = store_rows(ws)
    text = _edited_copy_as(ws, ".xls", tmp_path)
    ws.ledger.unlink()
    with pytest.warns(ToolkitWarning):
        assert ledger_stage.load_ledger(ws).tasks[0].text == text
    result = run_toolkit(ws.root, "parse", str(NOTICE))
    assert result.returncode == 2 and "--force" in result.stderr, "an .xls ledger counts as an existing ledger"
    run_toolkit(ws.root, "parse", str(NOTICE), "--force", check=True)
    assert store_rows(ws) == rows, "the history stays with the ledger read from the .xls"
    assert not ws.ledger.with_suffix(".xls").exists() and ws.ledger.exists()
    ws.ledger.unlink()
    with pytest.raises(ToolkitError) as caught:
        ledger_stage.load_ledger(ws)
    assert "请先运行" not in caught.value.message and "备份" in caught.value.message


# ---------------------------------------------------------------------------------------------- 4. typos

def _add_assignment(ws: Workspace, task_id: str, unit_name: str) -> None:
    import openpyxl

    book = openpyxl.load_workbook(ws.ledger)
    book["责任分工"].append([task_id, "", unit_name, "协办", "人工"])
    book.save(ws.ledger)


def test_unknown_unit_in_assignments_gets_no_form_and_a_nearest_name_warning(ws):
    from toolkit.collect import period_status
    from toolkit.forms import issue_forms

    _add_assignment(ws, "1", "区商务局局")
    _add_assignment(ws, "2", "兖州区统计局")
    outcome = issue_forms(ws, PERIOD, as_of=datetime(2024, 3, 18).date())
    notes = "\n".join(outcome.warnings)
    assert "“区商务局局”" in notes and "“区商务局”" in notes
    assert "“兖州区统计局”" in notes and "“区统计局”" in notes
    assert not (ws.issued_dir(PERIOD) / "区商务局局.xlsx").exists()
    assert not (ws.issued_dir(PERIOD) / "兖州区统计局.xlsx").exists()
    expected = period_status(ws, PERIOD).expected_units
    assert "区商务局局" not in expected and "兖州区统计局" not in expected


# ---------------------------------------------------------------------------------------------- 10. temp files

def test_temporary_files_of_a_killed_run_are_removed_by_the_next_run(ws, unit):
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead, alive = gone.pid, os.getpid()
    period_dir = ws.period_dir(PERIOD)
    period_dir.mkdir(parents=True, exist_ok=True)
    stale = [ws.outputs / f".台账.{dead}.tmp.xlsx", period_dir / f".汇总.xlsx.{dead}.tmp",
             period_dir / f".汇总.xlsx.{dead}.splice", ws.outputs / f".台账.xlsx.{dead}.splice"]
    for path in stale:
        path.write_bytes(b"partial")
    running = ws.archive(PERIOD) / f".0123456789ab.{alive}.tmp"      # a live process's file is left alone
    running.parent.mkdir(parents=True, exist_ok=True)
    running.write_bytes(b"being written")
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    collect(ws)
    assert not any(p.exists() for p in stale)
    assert running.exists()


# ---------------------------------------------------------------------------------------------- 11. backups

def test_backups_keep_the_last_n_and_one_per_month(parsed_workspace):
    ws = Workspace.at(parsed_workspace)
    ws.config.write_text("[backups]\nkeep_last = 3\n", encoding="utf-8")
    ws.backups.mkdir(parents=True, exist_ok=True)
    for month, day in [(1, d) for d in (3, 10, 17)] + [(2, d) for d in (5, 12)] + [(3, d) for d in (1, 8, 15, 22)]:
        (ws.backups / f"台账_2024{month:02d}{day:02d}-090000-000000.xlsx").write_bytes(b"x")
    ledger_stage.save_ledger(ws, ledger_stage.load_ledger(ws))
    kept = sorted(p.name[3:11] for p in ws.backups.glob("台账_*.xlsx"))
    today = datetime.now().strftime("%Y%m%d")
    assert "20240117" in kept and "20240212" in kept, "the newest copy of each earlier month"
    assert "20240103" not in kept and "20240205" not in kept and "20240301" not in kept
    assert kept.count(today) + sum(k.startswith("202403") for k in kept) >= 3


# ---------------------------------------------------------------------------------------------- 12. clerk columns

def test_columns_the_clerk_adds_to_the_task_sheet_survive_every_write(ws, unit):
    import openpyxl

    book = openpyxl.load_workbook(ws.ledger)
    sheet = book["任务台账"]
    last = sheet.max_column
    sheet.cell(1, last + 1).value = "备注"
    sheet.cell(1, last + 2).value = "督查意见"
    ids = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(ids["1"], last + 1).value = "领导关注"
    sheet.cell(ids["3"], last + 2).value = "下周实地督查"
    book.save(ws.ledger)
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    collect(ws)
    ledger = ledger_stage.load_ledger(ws)
    assert ledger.clerk_columns["备注"] == {"1": "领导关注"}
    assert ledger.clerk_columns["督查意见"] == {"3": "下周实地督查"}
    run_toolkit(ws.root, "parse", str(NOTICE), "--force", check=True)
    again = ledger_stage.load_ledger(ws)
    assert again.clerk_columns["备注"] == {"1": "领导关注"} and again.clerk_columns["督查意见"] == {"3": "下周实地督查"}


# ---------------------------------------------------------------------------------------------- 13. new year

def _notice_of_2025(tmp_path: Path) -> Path:
    text = NOTICE.read_text(encoding="utf-8").replace("〔2024〕", "〔2025〕").replace("2024年", "2025年")
    path = tmp_path / "济兖政发〔2025〕1号.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_new_years_notice_is_refused_in_last_years_workspace_and_newyear_starts_one(ws, tmp_path):
    collected(ws)
    new_notice = _notice_of_2025(tmp_path)
    before = _digests(ws.root)
    result = run_toolkit(ws.root, "parse", str(new_notice), "--force")
    assert result.returncode == 2 and "newyear" in result.stderr and "2025" in result.stderr
    assert _digests(ws.root) == before
    target = tmp_path / "督查2025"
    result = run_toolkit(ws.root, "newyear", str(target), "--notice", str(new_notice))
    assert result.returncode in (0, 1), result.stderr
    new = Workspace.at(target)
    assert new.directory.read_bytes() == ws.directory.read_bytes()
    assert new.office_key.read_bytes() == ws.office_key.read_bytes()
    fresh = ledger_stage.load_ledger(new)
    assert fresh.info.doc_no and "2025" in fresh.info.doc_no and not fresh.progress and not fresh.submissions
    assert _digests(ws.root) == before, "last year's workspace is untouched"
    assert "2024" in ledger_stage.load_ledger(ws).info.doc_no


def test_same_notice_revised_is_still_a_revision(ws):
    result = run_toolkit(ws.root, "parse", str(NOTICE), "--force")
    assert result.returncode in (0, 1), result.stderr
