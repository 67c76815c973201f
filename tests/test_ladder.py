"""The 催报 ladder of `toolkit status` (issue 14): 提醒, 催报, 督办通知单, and the 催报记录 log.

W11 and W12 are issued and collected by the real commands. 区民政局 sends nothing in either week; 区财政局 misses
only W12. W12 is due Thursday 2024-03-21 17:00, so the 提醒 starts on Wednesday 3-20 (the working day before).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from conftest import copy_workspace, run_toolkit
from test_circular_truth import collect, fill_all
from test_scoring import parse_and_issue

from toolkit.workspace import Workspace

TWICE, ONCE = "区民政局", "区财政局"
CONTACT = ("王芳", "0537-3419876")


def set_contact(ws: Workspace, unit: str, name: str, phone: str) -> None:
    import openpyxl

    book = openpyxl.load_workbook(ws.directory)
    sheet = book["单位名录"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("名称")].value == unit:
            row[header.index("联系人")].value = name
            row[header.index("电话")].value = phone
    book.save(ws.directory)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ladder")
    ws = parse_and_issue(root, {"2024-W11": "2024-03-11", "2024-W12": "2024-03-18"},
                         before_issue=lambda ws: set_contact(ws, ONCE, *CONTACT))
    fill_all(ws, "2024-W11", datetime(2024, 3, 13, 10), skip=(TWICE,))
    collect(root, "2024-W11")
    fill_all(ws, "2024-W12", datetime(2024, 3, 20, 10), skip=(TWICE, ONCE))
    collect(root, "2024-W12")
    return root


@pytest.fixture
def ws(cycle, tmp_path) -> Workspace:
    return copy_workspace(cycle, tmp_path / "ws")


def status(ws: Workspace, when: str) -> str:
    result = run_toolkit(ws.root, "status", "2024-W12", "--date", when)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def log(ws: Workspace) -> list:
    from toolkit.ledger import load_ledger
    return load_ledger(ws).reminders


def test_before_the_reminder_day_nothing_is_produced_or_written(ws):
    before = ws.ledger.read_bytes()
    out = status(ws, "2024-03-19 10:00")
    assert "未到提醒时间（3月20日起" in out and TWICE in out.split("未到提醒时间")[1]
    assert ws.ledger.read_bytes() == before and not (ws.period_dir("2024-W12") / "催办").exists()


def test_the_working_day_before_the_due_date_gives_a_reminder_listing_who_has_not_sent(ws):
    out = status(ws, "2024-03-20 10:00")
    assert "第一步 提醒（截止前）" in out
    message = out.split("催报消息（可直接复制到工作群）：")[1]
    assert f"{TWICE}、{ONCE}" in message or f"{ONCE}、{TWICE}" in message
    assert "请于3月21日17:00前报送" in message and "逾期" in message and "现已逾期" not in message
    [entry] = log(ws)
    assert (entry.step, entry.period, sorted(entry.units), entry.when) == (
        "提醒", "2024-W12", sorted([TWICE, ONCE]), datetime(2024, 3, 20, 10))
    status(ws, "2024-03-20 15:00")          # the same reminder again: logged once
    assert len(log(ws)) == 1


def test_a_monday_due_date_reminds_on_the_friday_before():
    from toolkit.collect.steps import remind_from
    from toolkit.config import Config, DueConfig
    from toolkit.periods import parse_period

    config = Config(due=DueConfig(week_weekday=1))
    assert remind_from(parse_period("2024-W12", config), config) == datetime(2024, 3, 15)   # Friday
    # 2024-W15's Monday 4-8 follows the 清明 break (4-4 to 4-6) and the 调休 Sunday 4-7, a working day
    assert remind_from(parse_period("2024-W15", config), config) == datetime(2024, 4, 7)


def test_after_the_due_time_the_chase_names_each_units_contact(ws):
    out = status(ws, "2024-03-22 09:00")
    message = out.split("催报消息（可直接复制到工作群）：")[1]
    assert "现已逾期" in message and f"{ONCE}（联系人：{CONTACT[0]} {CONTACT[1]}）" in message
    assert f"第二步 催报（已逾期，请电话联系）：{ONCE}（联系人：{CONTACT[0]} {CONTACT[1]}）" in out
    assert f"第三步 督办通知单（上期也未报送）：{TWICE}" in out
    [chase] = [r for r in log(ws) if r.step == "催报"]
    assert set(chase.units) == {TWICE, ONCE} and chase.when == datetime(2024, 3, 22, 9)


def test_a_unit_that_missed_the_previous_week_too_gets_a_numbered_notice(ws):
    out = status(ws, "2024-03-22 09:00")
    path = ws.period_dir("2024-W12") / "催办" / f"{TWICE}督办通知单.docx"
    assert path.exists() and f"已生成督办通知单：outputs/2024-W12/催办/{TWICE}督办通知单.docx" in out
    assert not (ws.period_dir("2024-W12") / "催办" / f"{ONCE}督办通知单.docx").exists()   # missed once only
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "督办〔2024〕1号" in text and f"{TWICE}：" in text and "督办通知单" in text
    assert "你单位第11周、第12周连续两期未按时报送" in text and "2024年3月21日17:00" in text
    assert "请于2024年3月25日17:00前报送" in text      # the next working day after Friday 3-22
    assert "{{" not in text and "{%" not in text
    section = doc.sections[0]
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)     # A4
    assert (section.top_margin.twips, section.left_margin.twips, section.bottom_margin.twips,
            section.right_margin.twips) == (2098, 1587, 1984, 1474)
    fonts = {p.text: p.style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for p in doc.paragraphs if p.text}
    assert fonts["督办通知单"] == "方正小标宋简体"
    assert fonts[f"{TWICE}："] == "仿宋_GB2312"
    assert all(r.font.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
               for p in doc.paragraphs if p.text.startswith("你单位") for r in p.runs)
    [notice] = [r for r in log(ws) if r.step == "督办通知单"]
    assert (notice.units, notice.number, notice.file) == (
        [TWICE], "督办〔2024〕1号", f"outputs/2024-W12/催办/{TWICE}督办通知单.docx")


def test_running_status_again_keeps_the_notice_number_and_logs_nothing_new(ws):
    status(ws, "2024-03-22 09:00")
    first = log(ws)
    path = ws.period_dir("2024-W12") / "催办" / f"{TWICE}督办通知单.docx"
    stamp = path.stat().st_mtime_ns
    out = status(ws, "2024-03-22 11:00")
    assert log(ws) == first and path.stat().st_mtime_ns == stamp and "已记入台账" not in out
    path.unlink()                       # a deleted notice is rendered again under the same number
    status(ws, "2024-03-22 11:00")
    assert "督办〔2024〕1号" in "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert len([r for r in log(ws) if r.step == "督办通知单"]) == 1


def test_the_log_is_a_ledger_sheet_the_clerk_can_read(ws):
    from python_calamine import CalamineWorkbook

    status(ws, "2024-03-20 10:00")
    status(ws, "2024-03-22 09:00")
    rows = CalamineWorkbook.from_path(str(ws.ledger)).get_sheet_by_name("催报记录").to_python()
    assert rows[0] == ["时间", "期次", "步骤", "单位", "编号", "文件"]
    assert [r[2] for r in rows[1:]] == ["提醒", "催报", "督办通知单"]
    # another command keeps it
    assert run_toolkit(ws.root, "circular", "2024-W12").returncode == 0
    assert [r.step for r in log(ws)] == ["提醒", "催报", "督办通知单"]
