"""Every sentence of a circular is true of the collected data (issue 10), on a real workspace built by our commands.

W11 is issued but never collected; W12 and W13 are collected from workbooks issued by `toolkit issue` and filled
the way Excel does. In W13 one unit stays silent and another sends its form back untouched (the pre-filled
本期进展 with the same state and progress as in W12).
"""
from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from conftest import SEED_NOTICE, run_toolkit

from toolkit.workspace import Workspace

SILENT_IN_W13 = "区民政局"
UNTOUCHED_IN_W13 = "区统计局"


def fill_all(ws: Workspace, period_id: str, received: datetime, skip=(), untouched=(), progress=60) -> None:
    """Every issued workbook filled and dropped in the inbox: state and progress chosen, 本期进展 typed.

    An `untouched` unit selects the state and progress it reported last time and leaves the pre-filled text.
    """
    import openpyxl

    from toolkit import forms

    inbox = ws.returns(period_id)
    inbox.mkdir(parents=True, exist_ok=True)
    for source in sorted(ws.issued_dir(period_id).glob("*.xlsx")):
        unit = source.stem
        if unit in skip:
            continue
        book = openpyxl.load_workbook(source)
        sheet = book[forms.TASK_SHEET]
        columns = {c.value: c.column for c in sheet[forms.TASK_HEADER_ROW] if c.value}
        row = forms.TASK_FIRST_ROW
        while sheet.cell(row, columns["序号"]).value not in (None, ""):
            sheet.cell(row, columns["本期状态"]).value = "序时推进"
            sheet.cell(row, columns["完成进度（%）"]).value = 40 if unit in untouched else progress
            if unit not in untouched:
                sheet.cell(row, columns["本期进展"]).value = f"{period_id}：{unit}按计划推进第{row}行任务。"
            row += 1
        for r in range(row, row + 6):
            if sheet.cell(r, 2).value in ("填报人", "联系电话"):
                sheet.cell(r, 3).value = "张明" if sheet.cell(r, 2).value == "填报人" else "0537-3412345"
        target = inbox / f"{unit}.xlsx"
        book.save(target)
        os.utime(target, (received.timestamp(), received.timestamp()))


def collect(root: Path, period_id: str) -> None:
    result = run_toolkit(root, "collect", period_id)
    assert result.returncode in (0, 1), result.stdout + result.stderr


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("truth")
    (root / "inputs").mkdir()
    shutil.copy(SEED_NOTICE, root / "inputs" / SEED_NOTICE.name)
    run_toolkit(root, "parse", str(root / "inputs" / SEED_NOTICE.name), check=True)
    ws = Workspace.at(root)
    for period_id, monday in (("2024-W11", "2024-03-11"), ("2024-W12", "2024-03-18")):
        assert run_toolkit(root, "issue", period_id, "--date", monday).returncode in (0, 1)
    # W12: everybody reports 40 % with the same words the untouched unit will find pre-filled in W13
    fill_all(ws, "2024-W12", datetime(2024, 3, 20, 10), progress=40, untouched=())
    collect(root, "2024-W12")
    return root


@pytest.fixture(scope="module")
def cycle_w13(cycle, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("truth13") / "ws"
    shutil.copytree(cycle, root)
    ws = Workspace.at(root)
    assert run_toolkit(root, "issue", "2024-W13", "--date", "2024-03-25").returncode in (0, 1)
    fill_all(ws, "2024-W13", datetime(2024, 3, 27, 10), skip=(SILENT_IN_W13,), untouched=(UNTOUCHED_IN_W13,))
    collect(root, "2024-W13")
    return root


def circular_text(root: Path, period_id: str) -> str:
    result = run_toolkit(root, "circular", period_id)
    assert result.returncode == 0, result.stdout + result.stderr
    files = sorted((root / "outputs" / period_id / "通报").glob("*.docx"))
    assert len(files) == 1
    body = Document(str(files[0])).element.body
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p")))


def circular_records(root: Path) -> list[tuple]:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(root / "outputs" / "台账.xlsx")).get_sheet_by_name("通报记录").to_python()
    return [tuple(r) for r in rows]


# ------------------------------------------------------------------------------------------ no invented comparison

def test_first_collected_week_prints_no_change_numbers(cycle):
    text = circular_text(cycle, "2024-W12")
    assert "依据第12周（3月18日—3月24日）各单位报送情况，数据截至3月24日。" in text
    assert "上期未开展回收，本期起建立比较基线" in text
    assert "相比" not in text and "新完成" not in text and "新增滞后" not in text
    assert "第11周" not in text     # issued but never collected: never named as data


def test_xun_and_month_do_not_compare_with_periods_never_collected(cycle):
    xun = circular_text(cycle, "2024-03中旬")
    month = circular_text(cycle, "2024-03")
    for text in (xun, month):
        assert "相比" not in text and "新增滞后" not in text and "上期未开展回收" in text
    assert "上旬" not in xun and "2月" not in month
    # only W12 was collected, and it ends after 3月中旬: the 旬 circular says it rests on that overlapping week
    assert "依据第12周（3月18日—3月24日）各单位报送情况（本旬内没有回收周期结束" in xun
    assert "依据第12周（3月18日—3月24日）各单位报送情况，数据截至3月24日。" in month


def test_week_compares_with_the_previous_collected_week(cycle_w13):
    text = circular_text(cycle_w13, "2024-W13")
    assert "与上周（第12周）相比，" in text and "基线" not in text


# ------------------------------------------------------------------------------------------ refusing

@pytest.mark.parametrize("period_id", ["2024-W15", "2023-W14", "2024-05"])
def test_a_period_without_collected_data_is_refused_and_uses_no_number(cycle, tmp_path, period_id):
    root = tmp_path / "ws"
    shutil.copytree(cycle, root)
    before = circular_records(root)
    ledger_bytes = (root / "outputs" / "台账.xlsx").read_bytes()
    result = run_toolkit(root, "circular", period_id)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    message = result.stdout + result.stderr
    assert "不能生成通报" in message and ("toolkit collect" in message or "通知印发日期" in message)
    assert not (root / "outputs" / period_id).exists()
    assert circular_records(root) == before
    assert (root / "outputs" / "台账.xlsx").read_bytes() == ledger_bytes


def test_refusal_names_the_issued_but_uncollected_week(cycle, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(cycle, root)
    result = run_toolkit(root, "circular", "2024-W11")
    assert result.returncode == 2
    assert "toolkit collect 2024-W11" in result.stdout + result.stderr


# ------------------------------------------------------------------------------------------ reporting per unit

def test_month_names_the_week_a_unit_missed(cycle_w13):
    text = circular_text(cycle_w13, "2024-03")
    reporting = next(p for p in text.split("\n") if p.startswith("本月共2次回收"))
    assert reporting.startswith("本月共2次回收（第12周（3月18日—3月24日）、第13周（3月25日—3月31日））")
    assert f"{SILENT_IN_W13}（第13周未报送）" in reporting
    assert not re.search(f"{SILENT_IN_W13}(?!（第13周未报送）)", reporting)   # never plainly 未报送


# ------------------------------------------------------------------------------------------ 未更新

def sole_lead_tasks(root: Path, unit: str) -> list[str]:
    from toolkit.directory import load_directory
    from toolkit.ledger import load_ledger
    from toolkit.progress import task_holders

    ws = Workspace.at(root)
    holders = task_holders(load_ledger(ws), load_directory(ws))
    return [task_id for task_id, h in holders.items() if h.leads == (unit,)]


def test_untouched_return_gets_unchanged_reminders_and_counts_as_not_updated(cycle_w13):
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(cycle_w13 / "outputs" / "2024-W13" / "校验报告.xlsx")) \
        .get_sheet_by_name("校验报告").to_python()
    header = [str(c) for c in rows[0]]
    code, unit = header.index("代码"), header.index("单位")
    flagged = [r for r in rows[1:] if r[code] == "unchanged"]
    assert flagged and {r[unit] for r in flagged} == {UNTOUCHED_IN_W13}
    tasks = sole_lead_tasks(cycle_w13, UNTOUCHED_IN_W13)
    assert tasks
    text = circular_text(cycle_w13, "2024-W13")
    not_updated = text.split("本期未更新进展任务", 1)[1].split("\n", 1)[0]
    for task_id in tasks:
        assert f"第{task_id}项 " in not_updated
    assert f"（其中{len(tasks)}项报送内容与上次相同）" in text    # only this unit sent its form back untouched


def test_only_the_circulars_that_rank_units_compute_the_scores(cycle_w13, monkeypatch):
    """The 考核 scores (every month end evaluated, every 校验报告 read) are for the ranking of 月调度 and reports."""
    from toolkit import circular, scoring

    calls = []
    real = scoring.unit_scores
    monkeypatch.setattr(scoring, "unit_scores", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(scoring, "read_rejected_rows", lambda *a, **k: calls.append(2) or [])
    ws = Workspace.at(cycle_w13)
    circular.render_circulars(ws, "2024-W13", None, pdf=False)
    assert calls == []
    circular.render_circulars(ws, "2024-03", None, pdf=False)
    assert 1 in calls and 2 in calls
