"""The ledger on paper: 总览 says what its numbers rest on and cuts no text; 任务台账 hides the program's columns,
marks 预警 so that a grey print shows it, and prints legibly on one page width — on both ways of writing a sheet."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import convert_with_soffice, run_toolkit
from test_collect import PERIOD, fill, issued, issued_workspace, ws  # noqa: F401 - fixtures
from toolkit import ledger as ledger_stage
from toolkit import overview, sheets
from toolkit.models import Ledger, NoticeInfo, SubmissionRecord
from toolkit.workspace import Workspace

LEAD_UNIT = "区民政局"
A3_LANDSCAPE_PRINTABLE_PT = 420 / 25.4 * 72 - 2 * 0.4 * 72     # xlsxwriter margins: 0.4 inch left and right
BASIS_W12 = "任务状态依据2024年第12周（3月18日—3月24日）各单位报送情况，数据截至2024年3月24日。"


def collected(ws: Workspace) -> Workspace:
    """One unit's return for W12, every task behind, collected by the real command; the clerk has moved one of
    its tasks' 完成时限 to before the period's end, so that task is overdue (红) and the others behind (黄)."""
    import openpyxl

    first_lead_task = next(a.task_id for a in ledger_stage.load_ledger(ws).assignments
                           if a.unit == LEAD_UNIT and a.role == "主办")
    book = openpyxl.load_workbook(ws.ledger)
    tasks = book["任务台账"]
    due = ledger_stage.TASK_HEADERS.index("完成时限") + 1
    for row in range(2, tasks.max_row + 1):
        if tasks.cell(row, 1).value == first_lead_task:
            tasks.cell(row, due).value = "2024-03-15"
    book.save(ws.ledger)
    fill(issued(ws, LEAD_UNIT), ws.returns(PERIOD) / "民政局.xlsx", state="滞后", progress=1,
         text="正在制定工作方案。")
    result = run_toolkit(ws.root, "collect", PERIOD)
    assert result.returncode in (0, 1), result.stderr
    return ws


def workbook(ws: Workspace):
    import openpyxl
    return openpyxl.load_workbook(ws.ledger)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------------------------------ 总览

def test_overview_before_any_collection_says_so(parsed_workspace):
    sheet = workbook(Workspace.at(parsed_workspace))["总览"]
    assert sheet["A2"].value == overview.NOTHING_COLLECTED and "尚未回收任何报送" in sheet["A2"].value
    assert sheet["A3"].value.startswith("共76项任务：未报送76项；") and "红色预警0项，黄色预警0项" in sheet["A3"].value
    assert {"A1:H1", "A2:H2", "A3:H3"} <= {str(r) for r in sheet.merged_cells.ranges}


def test_overview_names_the_collected_period_and_counts_warnings(ws):
    collected(ws)
    ledger = ledger_stage.load_ledger(ws)
    assert ledger.status_period == PERIOD
    warnings = [s.warning for s in ledger.status.values()]
    assert warnings.count("红") and warnings.count("黄")
    sheet = workbook(ws)["总览"]
    assert sheet["A2"].value == BASIS_W12
    assert f"红色预警{warnings.count('红')}项，黄色预警{warnings.count('黄')}项。" in sheet["A3"].value
    for row in (2, 3):      # merged across the tables and tall enough for the wrapped sentence
        lines = sheets.wrapped_lines(sheet.cell(row, 1).value, overview.NAME_WIDTH + 7 * overview.COUNT_WIDTH)
        assert sheet.row_dimensions[row].height >= overview.LINE_PT * lines


def test_status_period_survives_other_commands_and_falls_back_to_the_newest_collection(ws):
    collected(ws)
    assert run_toolkit(ws.root, "issue", "2024-W13", "--date", "2024-03-25").returncode in (0, 1)
    assert ledger_stage.load_ledger(ws).status_period == PERIOD
    older = Ledger(info=NoticeInfo(), tasks=[], assignments=[], indicators=[], targets=[],
                   submissions=[SubmissionRecord("2024-W12", "甲", True, True), SubmissionRecord("2024-W11", "甲"),
                                SubmissionRecord("手填的期次", "乙")])
    assert overview.status_period_id(older) == "2024-W12"
    assert overview.basis_line(older) == BASIS_W12


# ------------------------------------------------------------------------------------------ 任务台账

def test_internal_columns_are_last_hidden_and_grouped_and_still_read_back(parsed_workspace):
    ws = Workspace.at(parsed_workspace)
    sheet = workbook(ws)["任务台账"]
    headers = [c.value for c in sheet[1]]
    internal = list(ledger_stage.TASK_INTERNAL_COLUMNS)
    assert headers[-len(internal):] == internal
    folded = internal + ["原完成时限"]      # issue 13: 原完成时限 is folded away until a 调整 is approved
    for col, header in enumerate(headers, start=1):
        letter = sheet.cell(1, col).column_letter
        dimension = sheet.column_dimensions[letter]
        assert bool(dimension.hidden) == (header in folded), header
        assert dimension.outlineLevel == (1 if header in folded else 0), header
    tasks = ledger_stage.load_ledger(ws).tasks
    assert [t.seq for t in tasks] == list(range(1, 77))
    assert all(t.source_digest == ledger_stage.text_digest(t.text) for t in tasks)
    assert {t.lead_rule for t in tasks} == {"position"}


def warning_rules(sheet) -> dict[str, tuple]:
    """预警 conditional formats: word → (cell range, fill colour, number format, bold)."""
    rules = {}
    for cells, rule_list in sheet.conditional_formatting._cf_rules.items():
        for rule in rule_list:
            word = rule.formula[0].strip('"')
            rules[word] = (str(cells.sqref), rule.dxf.fill.bgColor.rgb[-6:], rule.dxf.numFmt.formatCode
                           if rule.dxf.numFmt else "", bool(rule.dxf.font and rule.dxf.font.b))
    return rules


def test_warnings_are_coloured_and_marked_by_conditional_formatting_with_plain_values(ws):
    collected(ws)
    sheet = workbook(ws)["任务台账"]
    column = sheet.cell(1, ledger_stage.TASK_HEADERS.index("预警") + 1).column_letter
    assert warning_rules(sheet) == {
        "红": (f"{column}2:{column}77", "C00000", '"●"@', True),
        "黄": (f"{column}2:{column}77", "FFC000", '"▲"@', True),
        "绿": (f"{column}2:{column}77", "C6EFCE", "@", False)}
    values = {sheet[f"{column}{row}"].value for row in range(2, 78)}
    assert values <= {"红", "黄", "绿", None} and {"红", "黄"} <= values      # the cells keep the plain word
    assert {s.warning for s in ledger_stage.load_ledger(ws).status.values()} <= {"红", "黄", "绿", ""}


def printed_font_pt(sheet) -> float:
    """The size 10 pt text prints at when the visible columns are fitted to the page width (Excel's column
    pixels: the stored width, padding included, times the 7-pixel digit of the default font, at 96 dpi)."""
    total_px = sum(int(sheet.column_dimensions[sheet.cell(1, col).column_letter].width * 7 + 0.5)
                   for col in range(1, sheet.max_column + 1)
                   if not sheet.column_dimensions[sheet.cell(1, col).column_letter].hidden)
    return 10 * min(1.0, A3_LANDSCAPE_PRINTABLE_PT / (total_px * 72 / 96))


def test_task_sheet_prints_on_a3_fitted_to_width_at_8_pt_or_more(parsed_workspace):
    sheet = workbook(Workspace.at(parsed_workspace))["任务台账"]
    setup = sheet.page_setup
    assert (str(setup.paperSize), setup.orientation) == ("8", "landscape")
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth, setup.fitToHeight) in ((1, 0),
                                                                                                     (None, 0))
    assert sheet.print_title_rows == "$1:$1"
    assert sheet["A2"].font.sz == 10 and printed_font_pt(sheet) >= 8


def test_rows_are_as_tall_as_their_wrapped_text(parsed_workspace):
    """Each row is tall enough for the wrapped text of every column but 协办反馈, 类别 and 子类别 (up to Excel's
    409 pt)."""
    sheet = workbook(Workspace.at(parsed_workspace))["任务台账"]
    headers = [c.value for c in sheet[1]]
    fitted = [(col, sheet.column_dimensions[sheet.cell(1, col).column_letter].width)
              for col, header in enumerate(headers, start=1) if header in ledger_stage.TASK_FITTED_COLUMNS]
    assert "任务内容" in ledger_stage.TASK_FITTED_COLUMNS and "协办反馈" not in ledger_stage.TASK_FITTED_COLUMNS
    tall = 0
    for row in range(1, 78):
        texts = [(sheet.cell(row, col).value, width) for col, width in fitted]
        lines = max(sheets.wrapped_lines(text, width) for text, width in texts if isinstance(text, str))
        height = sheet.row_dimensions[row].height
        if lines == 1:
            assert height is None, row
        else:
            tall += 1
            assert height >= min(sheets.MAX_ROW_HEIGHT, sheets.LINE_HEIGHT * lines + 2) - 0.375, row
    assert tall > 50 and sheet.row_dimensions[1].height, "long task texts and the two-line header row"


def task_sheet_setup(path: Path) -> dict:
    import openpyxl
    sheet = openpyxl.load_workbook(path)["任务台账"]
    columns = {letter: (d.width, bool(d.hidden), d.outlineLevel) for letter, d in sheet.column_dimensions.items()}
    heights = {r: d.height for r, d in sheet.row_dimensions.items() if d.height}
    return {"columns": columns, "heights": heights, "rules": warning_rules(sheet),
            "cells": [[c.value for c in row] for row in sheet.iter_rows()]}


def test_task_sheet_setup_is_the_same_on_the_fast_path(parsed_workspace, tmp_path, monkeypatch):
    ledger = ledger_stage.load_ledger(Workspace.at(parsed_workspace))
    ledger.status["1"].warning, ledger.status["2"].warning = "红", "黄"
    slow, fast = tmp_path / "slow.xlsx", tmp_path / "fast.xlsx"
    monkeypatch.setattr(sheets, "FAST_ROWS", 10 ** 9)
    ledger_stage.write_ledger(slow, ledger)
    monkeypatch.setattr(sheets, "FAST_ROWS", 1)
    ledger_stage.write_ledger(fast, ledger)
    expected, got = task_sheet_setup(slow), task_sheet_setup(fast)
    assert got["heights"] and got == expected


# ------------------------------------------------------------------------------------------ on paper

def pdf_pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", "-l", "999", str(pdf)], capture_output=True, text=True, check=True).stdout
    return ["A3" if "1190.55 x 841.89" in line else "A4" for line in info.splitlines() if re.match(r"Page\s+\d+ size", line)]


def pdf_text(pdf: Path, first: int, last: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_printed_overview_shows_every_text_whole_and_the_task_sheet_its_marks(ws, tmp_path):
    """LibreOffice leaves out of the PDF whatever a cell cuts off, so every sentence and name of 总览 must be
    found whole on its pages; the 任务台账 pages show ●红 and ▲黄."""
    if not shutil.which("pdftotext") or not shutil.which("pdfinfo"):
        pytest.skip("需要 poppler-utils：apt-get install poppler-utils")
    collected(ws)
    ledger = ledger_stage.load_ledger(ws)
    pdf = convert_with_soffice(ws.ledger, "pdf", tmp_path / "pdf")
    papers = pdf_pages(pdf)
    overview_pages, task_pages = papers.index("A3"), papers.count("A3")
    assert 1 <= overview_pages <= 6
    printed = squeezed(pdf_text(pdf, 1, overview_pages))
    names = {t.section for t in ledger.tasks} | {n for t in ledger.tasks for n in t.leaders + t.lead_units}
    expected = [sheet_text for sheet_text in (BASIS_W12, overview.counts_line(ledger), *sorted(names))]
    missing = [text for text in expected if squeezed(text) not in printed]
    assert not missing, missing
    marks = squeezed(pdf_text(pdf, overview_pages + 1, overview_pages + task_pages))
    assert "●红" in marks and "▲黄" in marks


def chart_fills(xml: str) -> list[tuple[str, str]]:
    """Each series' fill in a chart part: (colour, pattern) — the solid colour, or a pattern's background."""
    fills = []
    for series in re.findall(r"<c:ser>.*?</c:ser>", xml, re.S):
        pattern = re.search(r'<a:pattFill prst="(\w+)">.*?<a:bgClr><a:srgbClr val="(\w+)"', series, re.S)
        solid = re.search(r'<c:spPr><a:solidFill><a:srgbClr val="(\w+)"', series)
        fills.append((pattern[2], pattern[1]) if pattern else (solid[1], ""))
    return fills


def test_overview_charts_tell_the_states_apart_in_grey(parsed_workspace):
    """The stacked charts of 总览: one series per state, each a different grey, the attention states patterned."""
    import zipfile

    with zipfile.ZipFile(Workspace.at(parsed_workspace).ledger) as package:
        charts_xml = [package.read(n).decode() for n in package.namelist() if n.startswith("xl/charts/chart")]
    stacked = [chart_fills(xml) for xml in charts_xml if 'c:grouping val="stacked"' in xml]
    assert len(stacked) == 2
    for fills in stacked:
        greys = [0.299 * int(c[:2], 16) + 0.587 * int(c[2:4], 16) + 0.114 * int(c[4:], 16) for c, _ in fills]
        assert len(fills) == 6
        assert min(abs(a - b) for i, a in enumerate(greys) for b in greys[i + 1:]) >= 30
        assert [bool(p) for _, p in fills] == [False, False, False, True, True, True]
        assert len({p for _, p in fills if p}) == 3
    pie = next(xml for xml in charts_xml if "<c:pieChart>" in xml)
    assert pie.count("<a:pattFill") == 3 and pie.count("<c:dPt>") == 6
