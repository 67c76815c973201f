"""A circular's 通报记录 row patched into the ledger (toolkit.xlsxpatch, issue 16): every other part kept byte for
byte, the cells the same as a full write, and a full write whenever patching is not safe."""
from __future__ import annotations

import sqlite3
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import openpyxl.styles
import pytest

from conftest import collected_workspace, convert_with_soffice, copy_workspace, run_toolkit
from toolkit import ledger as ledger_stage
from toolkit.workspace import Workspace
from toolkit.xlsxpatch import replace_tables

PERIOD = "2024-W11"


@pytest.fixture(scope="module")
def first_circular(tmp_path_factory) -> Path:
    """Parsed, issued, returned, collected, and its first circular rendered."""
    root = collected_workspace(tmp_path_factory.mktemp("patch") / "ws", PERIOD, seed=5)
    run_toolkit(root, "circular", PERIOD, "--date", "2024-03-18", check=True)
    return root


@pytest.fixture
def ws(first_circular, tmp_path) -> Workspace:
    return copy_workspace(first_circular, tmp_path / "ws")


def same_as_a_full_write(ledger_path: Path, ledger, tmp_path: Path) -> None:
    """Every cell of `ledger_path` is what a full write of `ledger` gives (说明's 写入时间 aside: the patch's own)."""
    full = tmp_path / "full.xlsx"
    ledger_stage.write_ledger(full, ledger)
    patched, written = cells(ledger_path), cells(full)
    when = (ledger_stage.INFO_SHEET, "B9")
    assert patched.pop(when)[1:] == written.pop(when)[1:]
    assert patched == written


def raw_parts(path: Path) -> dict[str, tuple[int, int, int]]:
    """Each part's (CRC, compressed size, method): equal when its compressed bytes were copied."""
    with zipfile.ZipFile(path) as book:
        return {i.filename: (i.CRC, i.compress_size, i.compress_type) for i in book.infolist()}


def created(path: Path) -> str:
    """The package's creation time (docProps/core.xml): a patch keeps it, a full write stamps a new one."""
    import re

    with zipfile.ZipFile(path) as book:
        return re.search(r"<dcterms:created[^>]*>([^<]*)<", book.read("docProps/core.xml").decode()).group(1)


def sheet_part(path: Path, name: str) -> str:
    from toolkit.sheets import sheet_parts

    with zipfile.ZipFile(path) as book:
        return sheet_parts(book)[name][0]


def cells(path: Path) -> dict:
    """Every cell of every sheet: value and the style attributes a reader sees."""
    book = openpyxl.load_workbook(path)
    found = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                found[(sheet.title, cell.coordinate)] = (
                    cell.value, cell.number_format, cell.font.b, cell.font.color and cell.font.color.rgb,
                    cell.fill.fgColor.rgb, cell.alignment.wrap_text, cell.alignment.vertical, cell.border.left.style,
                    cell.protection.locked)
    return found


def test_a_second_rendering_patches_only_the_circular_sheet(ws, tmp_path):
    before = ws.ledger.read_bytes()
    previous = tmp_path / "previous.xlsx"
    previous.write_bytes(before)
    backups = set(ws.backups.glob("台账_*.xlsx"))
    run_toolkit(ws.root, "circular", PERIOD, "--date", "2024-03-19", check=True)    # 印发日期 changes
    target = sheet_part(ws.ledger, ledger_stage.CIRCULAR_SHEET)
    old, new = raw_parts(previous), raw_parts(ws.ledger)
    assert list(old) == list(new)                                   # the same parts in the same order
    changed = {name for name in old if old[name] != new[name]}
    info = sheet_part(ws.ledger, ledger_stage.INFO_SHEET)          # 说明: its 写入时间 (to the second)
    assert changed <= {target, info, "xl/workbook.xml", "docProps/core.xml"} and target in changed
    assert created(previous) == created(ws.ledger)                  # a full write stamps its own time there
    # the previous ledger was backed up, exactly as it was
    [backup] = set(ws.backups.glob("台账_*.xlsx")) - backups
    assert backup.read_bytes() == before
    ledger = ledger_stage.load_ledger(ws)
    assert [(c.period, c.number, c.issued) for c in ledger.circulars] == [(PERIOD, 1, date(2024, 3, 19))]
    same_as_a_full_write(ws.ledger, ledger, tmp_path)         # and every cell is what a full write gives


def test_the_patched_ledger_opens_in_libreoffice(ws, tmp_path):
    run_toolkit(ws.root, "circular", PERIOD, "--date", "2024-03-20", check=True)
    converted = convert_with_soffice(ws.ledger, "xlsx", tmp_path / "lo")
    sheet = openpyxl.load_workbook(converted)[ledger_stage.CIRCULAR_SHEET]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ledger_stage.CIRCULAR_HEADERS
    assert rows[1][:4] == ["周盘点", 2024, 1, PERIOD] and rows[1][5] == datetime(2024, 3, 20)


def table(rows: list[list]) -> dict:
    return {ledger_stage.CIRCULAR_SHEET: (ledger_stage.CIRCULAR_HEADERS, rows)}


def test_texts_numbers_and_dates_read_back_as_a_full_write_gives_them(ws, tmp_path):
    """Escaping as the full write does it: XML characters, control characters, edge spaces; a literal _x0041_
    escaped as Excel stores it (the fast sheet path's way; xlsxwriter's shared strings leave it for Excel to read
    as "A")."""
    from python_calamine import CalamineWorkbook

    from toolkit.sheets import write_table_workbook

    ledger = ledger_stage.load_ledger(ws)
    rows = ledger_stage.circular_rows(ledger.circulars) + [
        ["周盘点", 2024, 2, "2024-W12", " a&b <c> \x07 ", None],
        ["月调度", 2024, 1.5, "2024-03", "", date(2024, 4, 1)]]
    target, full = tmp_path / "patched.xlsx", tmp_path / "full.xlsx"
    assert replace_tables(ws.ledger, target, table(rows))
    write_table_workbook(full, [(ledger_stage.CIRCULAR_SHEET, ledger_stage.CIRCULAR_HEADERS, rows)])
    for read in (lambda path: [[c.value for c in row] for row in
                               openpyxl.load_workbook(path)[ledger_stage.CIRCULAR_SHEET].iter_rows()],
                 lambda path: CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
                     ledger_stage.CIRCULAR_SHEET).to_python()):
        assert read(target) == read(full)
    rows[1][4] = "_x0041_ stays _x0041_"
    assert replace_tables(ws.ledger, target, table(rows))
    assert CalamineWorkbook.from_path(str(target)).get_sheet_by_name(
        ledger_stage.CIRCULAR_SHEET).to_python()[2][4] == "_x0041_ stays _x0041_"
    sheet = openpyxl.load_workbook(target)[ledger_stage.CIRCULAR_SHEET]
    assert sheet.auto_filter.ref == "A1:F4" and sheet.dimensions == "A1:F4"
    with zipfile.ZipFile(target) as book:
        assert "通报记录!$A$1:$F$4" in book.read("xl/workbook.xml").decode("utf-8")


def test_a_first_row_takes_its_styles_from_the_other_small_tables(ws, tmp_path):
    """The first circular of a workspace: 通报记录 has only its header, the styles come from 说明 and the others."""
    ledger = ledger_stage.load_ledger(ws)
    rows = ledger_stage.circular_rows(ledger.circulars)
    empty, target, full = tmp_path / "empty.xlsx", tmp_path / "patched.xlsx", tmp_path / "full.xlsx"
    ledger.circulars = []
    ledger_stage.write_ledger(empty, ledger)
    assert replace_tables(empty, target, table(rows), style_sheets=ledger_stage.STYLE_SHEETS)
    ledger = ledger_stage.load_ledger(ws)
    ledger_stage.write_ledger(full, ledger)
    sheet = ledger_stage.CIRCULAR_SHEET
    assert {k: v for k, v in cells(target).items() if k[0] == sheet} == \
        {k: v for k, v in cells(full).items() if k[0] == sheet}


def test_other_headers_a_hand_formatted_table_or_a_store_ahead_mean_a_full_save(ws, tmp_path, monkeypatch):
    ledger = ledger_stage.load_ledger(ws)
    rows = ledger_stage.circular_rows(ledger.circulars)
    target = tmp_path / "patched.xlsx"
    # headers reordered by the clerk
    assert not replace_tables(ws.ledger, target, {ledger_stage.CIRCULAR_SHEET: (
        list(reversed(ledger_stage.CIRCULAR_HEADERS)), rows)})
    # a cell the clerk made bold: two styles for a text
    formatted = tmp_path / "formatted.xlsx"
    book = openpyxl.load_workbook(ws.ledger)
    book[ledger_stage.CIRCULAR_SHEET]["A2"].font = openpyxl.styles.Font(bold=True)
    book.save(formatted)
    assert not replace_tables(formatted, target, table(rows))
    # a kind of value no small table has a style for (a date and time, without 说明 to take it from)
    assert not replace_tables(ws.ledger, target, table([[*rows[0][:5], datetime(2024, 3, 18, 9, 30)]]))
    assert not target.exists()
    # the store holds a row the ledger was not written with: the full save writes both
    with sqlite3.connect(ledger_stage.store_path(ws)) as conn:
        conn.execute("DELETE FROM progress_indicator WHERE progress_id = (SELECT MAX(id) FROM progress)")
        conn.execute("DELETE FROM progress WHERE id = (SELECT MAX(id) FROM progress)")
    full = []
    monkeypatch.setattr(ledger_stage, "save_ledger", lambda *args: full.append(args) or ws.ledger)
    ledger.circulars[0].issued = date(2024, 3, 21)
    ledger_stage.save_small_tables(ws, ledger, [ledger_stage.CIRCULAR_SHEET])
    assert len(full) == 1


def test_scores_and_reminders_are_patched_once_their_sheet_exists(ws, tmp_path):
    """`toolkit score` and the 催报 log of `toolkit status` patch 考核 / 催报记录 the same way, once a full save has
    made the sheet; the cells are what a full write gives."""
    from toolkit.models import ReminderRecord

    run_toolkit(ws.root, "status", PERIOD, check=False)         # long past the due time: 催报 steps logged
    run_toolkit(ws.root, "score", "2024-03", check=True)        # the first 考核: a full save makes the sheet
    previous = tmp_path / "previous.xlsx"
    previous.write_bytes(ws.ledger.read_bytes())
    run_toolkit(ws.root, "score", "2024-03", check=True)
    ledger = ledger_stage.load_ledger(ws)
    assert ledger.scores and ledger.reminders
    ledger.reminders.append(ReminderRecord(when=datetime(2024, 3, 20, 9, 30), period=PERIOD, step="提醒",
                                           units=["区财政局", "区商务局"], number="", file=""))
    ledger_stage.save_small_tables(ws, ledger, [ledger_stage.REMINDER_SHEET])
    old, new = raw_parts(previous), raw_parts(ws.ledger)
    patched = {sheet_part(ws.ledger, name) for name in (ledger_stage.SCORE_SHEET, ledger_stage.REMINDER_SHEET,
                                                          ledger_stage.INFO_SHEET)}
    assert {name for name in old if old[name] != new[name]} <= patched | {"xl/workbook.xml", "docProps/core.xml"}
    assert created(previous) == created(ws.ledger)                  # a full write stamps its own time there
    reloaded = ledger_stage.load_ledger(ws)
    assert reloaded.reminders[-1].units == ["区财政局", "区商务局"] and len(reloaded.scores) == len(ledger.scores)
    same_as_a_full_write(ws.ledger, reloaded, tmp_path)


def test_a_ledger_the_clerk_edited_is_written_in_full(ws, monkeypatch):
    """A ledger saved by the clerk (a 审核意见, a corrected cell) is not the file the toolkit last wrote: what follows
    from the edit (the task's 销号 state, the 审核日期) is only written by a full save."""
    book = openpyxl.load_workbook(ws.ledger)
    book[ledger_stage.CIRCULAR_SHEET]["E2"].value = "outputs/2024-W11/通报/改过的名字.docx"
    book.save(ws.ledger)
    ledger = ledger_stage.load_ledger(ws)
    full = []
    monkeypatch.setattr(ledger_stage, "save_ledger", lambda *args: full.append(args) or ws.ledger)
    ledger.circulars[0].issued = date(2024, 3, 22)
    ledger_stage.save_small_tables(ws, ledger, [ledger_stage.CIRCULAR_SHEET])
    assert len(full) == 1
