"""The master ledger and the unit directory made by `toolkit parse`."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from conftest import SEED_NOTICE, convert_with_soffice, run_toolkit
from toolkit import ledger as ledger_stage
from toolkit.directory import load_directory, unit_tasks, unresolved_collectives
from toolkit.errors import LedgerLockedError
from toolkit.workspace import Workspace

EXPECTED_SHEETS = ["总览", "任务台账", "责任分工", "量化指标", "主要预期目标", "进展记录", "报送情况", "销号审核", "调整审核",
                   "通报记录", "催报记录", "说明"]      # issue 13 adds the two review sheets; 催报记录 is there from the
                                                      # start, so that `status` patches it (issue 16)


def test_ledger_sheets_are_made_for_people(parsed_workspace):
    import openpyxl

    book = openpyxl.load_workbook(parsed_workspace / "outputs" / "台账.xlsx")
    assert book.sheetnames == EXPECTED_SHEETS
    tasks = book["任务台账"]
    assert [c.value for c in tasks[1]][:16] == ["序号", "类别", "任务内容", "牵头领导", "主办单位", "协办单位",
                                                "完成时限", "量化指标", "当前状态", "完成进度", "序时进度", "预警",
                                                "最新进展", "存在问题", "下步计划", "最近报送"]
    assert tasks.max_row == 77
    assert tasks.freeze_panes == "A2"
    assert tasks.auto_filter.ref.startswith("A1:")
    # A3 landscape (issue 10): the visible columns fit one page width at 8 pt or more
    assert tasks.page_setup.orientation == "landscape" and str(tasks.page_setup.paperSize) == "8"
    assert tasks.print_title_rows == "$1:$1"
    assert tasks.column_dimensions["C"].width >= 40, "任务内容 needs a wide column"
    assert tasks["C2"].alignment.wrap_text
    assert book["总览"]._charts, "the overview has native charts"


def test_assignments_one_row_per_task_and_unit(parsed_workspace):
    ledger = ledger_stage.load_ledger(Workspace.at(parsed_workspace))
    pairs = [(a.task_id, a.unit) for a in ledger.assignments]
    assert len(pairs) == len(set(pairs))
    seed = {t.id: t for t in __import__("toolkit.notice", fromlist=["x"]).parse_notice(SEED_NOTICE).tasks}
    assert len(pairs) == sum(len(t.units) for t in seed.values())
    assert {a.role for a in ledger.assignments} == {"主办", "协办"}
    assert {a.source for a in ledger.assignments} == {"位置推定"}
    task21 = [(a.unit, a.role) for a in ledger.assignments_of("21")]
    assert task21[0] == ("工业园区", "主办") and ("大安镇", "协办") in task21


def test_ledger_round_trips_through_load_and_save(parsed_workspace):
    ws = Workspace.at(parsed_workspace)
    first = ledger_stage.load_ledger(ws)
    ledger_stage.save_ledger(ws, first)
    second = ledger_stage.load_ledger(ws)
    assert second.tasks == first.tasks
    assert second.assignments == first.assignments
    assert second.indicators == first.indicators
    assert second.targets == first.targets
    assert any((ws.backups).iterdir()), "the previous ledger is backed up"


def test_directory_created_with_categories_and_collectives(parsed_workspace):
    import openpyxl

    ws = Workspace.at(parsed_workspace)
    directory = load_directory(ws)
    categories = {u.name: u.category for u in directory.units}
    assert categories["龙桥街道"] == categories["新兖镇"] == "镇街"
    assert categories["区工业和信息化局"] == categories["区委组织部"] == "区直部门"
    assert categories["工业园区"] == categories["颜店新城建设管理服务中心"] == "园区"
    assert categories["供电部"] == "其他"
    assert len(directory.of_category("镇街")) == 4
    book = openpyxl.load_workbook(ws.directory)
    assert book.sheetnames == ["单位名录", "统称说明"]
    collectives = {row[0].value for row in book["统称说明"].iter_rows(min_row=2)}
    assert collectives == {"各镇街", "相关镇街", "区直各部门", "区直相关部门"}


def test_parse_warns_that_only_four_towns_are_named(tmp_path):
    result = run_toolkit(tmp_path, "parse", str(SEED_NOTICE))
    assert result.returncode == 0
    assert "只有 4 个镇街" in result.stdout and "补全" in result.stdout


def test_every_town_gets_every_ge_zhenjie_task(parsed_workspace):
    ws = Workspace.at(parsed_workspace)
    ledger = ledger_stage.load_ledger(ws)
    directory = load_directory(ws)
    tasks = unit_tasks(ledger, directory)
    ge = {a.task_id for a in ledger.assignments if a.unit == "各镇街"}
    for town in ("龙桥街道", "新兖镇", "大安镇", "颜店镇"):
        assert ge <= {task for task, _ in tasks[town]}
    assert ("12", "协办") in tasks["龙桥街道"]
    assert ("21", "协办") in tasks["新兖镇"]
    unresolved = unresolved_collectives(ledger, directory)
    assert ("9", "相关镇街") in unresolved and ("21", "相关镇街") not in unresolved


def test_second_parse_needs_force(parsed_workspace):
    result = run_toolkit(parsed_workspace, "parse", str(SEED_NOTICE))
    assert result.returncode == 2 and "--force" in result.stderr


def test_clerk_edits_survive_parse_force(parsed_workspace):
    import openpyxl

    ws = Workspace.at(parsed_workspace)
    book = openpyxl.load_workbook(ws.ledger)
    sheet = book["责任分工"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "10" and row[2].value == "区税务局":
            row[3].value = "主办"                      # the clerk makes 区税务局 a lead unit too
    sheet.append(["9", "", "龙桥街道", "协办", "人工"])   # and names the town behind 相关镇街
    tasks = book["任务台账"]
    for row in tasks.iter_rows(min_row=2):
        if row[0].value == "5":
            row[2].value = row[2].value + "（督查室补充）"  # the clerk's own wording of 任务内容
        if row[0].value == "10":
            row[6].value = __import__("datetime").datetime(2024, 6, 30)  # the clerk's deadline
    book.save(ws.ledger)

    # the office re-issues the notice with task 7 reworded
    notice = parsed_workspace / "inputs" / SEED_NOTICE.name
    text = notice.read_text(encoding="utf-8")
    assert "争创国家知识产权强国建设试点县。" in text
    notice.write_text(text.replace("争创国家知识产权强国建设试点县。", "争创国家知识产权强县。"), encoding="utf-8")

    result = run_toolkit(parsed_workspace, "parse", str(notice), "--force")
    assert result.returncode == 0, result.stderr
    assert "文本有变化" in result.stdout and "：7。" in result.stdout
    ledger = ledger_stage.load_ledger(ws)
    roles = {(a.task_id, a.unit): (a.role, a.source) for a in ledger.assignments}
    assert roles[("10", "区税务局")][0] == "主办"
    assert roles[("9", "龙桥街道")] == ("协办", "人工")
    assert ledger.task("10").due.isoformat() == "2024-06-30"
    assert ledger.task("5").text.endswith("（督查室补充）"), "the clerk's 任务内容 survives"
    assert ledger.task("7").text.endswith("争创国家知识产权强县。"), "the new notice's text replaces a changed task"
    assert len(list(ws.backups.iterdir())) >= 1

    again = run_toolkit(parsed_workspace, "parse", str(notice), "--force")
    assert again.returncode == 0 and "文本有变化" not in again.stdout
    assert ledger_stage.load_ledger(ws).task("5").text.endswith("（督查室补充）")


def test_open_ledger_is_not_overwritten(parsed_workspace):
    ws = Workspace.at(parsed_workspace)
    before = ws.ledger.read_bytes()
    lock = ws.outputs / "~$台账.xlsx"
    lock.write_bytes(b"excel owner file")
    with pytest.raises(LedgerLockedError):
        ledger_stage.save_ledger(ws, ledger_stage.load_ledger(ws))
    assert ws.ledger.read_bytes() == before


def test_failure_before_replace_keeps_previous_ledger(parsed_workspace, monkeypatch):
    ws = Workspace.at(parsed_workspace)
    before = ws.ledger.read_bytes()
    ledger = ledger_stage.load_ledger(ws)
    ledger.tasks[0].text = "改动"

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        ledger_stage.save_ledger(ws, ledger)
    assert ws.ledger.read_bytes() == before
    assert not list(ws.outputs.glob(".台账.*.tmp.xlsx")), "no temporary file is left behind"


def test_second_command_at_the_same_time_is_refused(parsed_workspace):
    ws = Workspace.at(parsed_workspace)
    with ledger_stage.ledger_lock(ws):
        with pytest.raises(LedgerLockedError):
            with ledger_stage.ledger_lock(ws):
                pass
    with ledger_stage.ledger_lock(ws):   # released afterwards
        pass


def test_ledger_opens_in_libreoffice(parsed_workspace, tmp_path):
    pdf = convert_with_soffice(parsed_workspace / "outputs" / "台账.xlsx", "pdf", tmp_path / "pdf")
    if not shutil.which("pdfinfo"):
        pytest.skip("需要 poppler-utils（pdfinfo）才能检查 PDF 页面：apt-get install poppler-utils")
    info = subprocess.run(["pdfinfo", "-l", "99", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")))
    assert pages >= 3
    sizes = [line.split(":", 1)[1] for line in info.stdout.splitlines() if re.match(r"Page\s+\d+ size", line)]
    # every page landscape: 总览 A4, then 任务台账 on A3 (its columns legible, issue 10), then the other sheets A4
    papers = "".join("4" if "841.89 x 595" in s else "3" if "1190.55 x 841.89" in s else "?" for s in sizes)
    assert re.fullmatch(r"4+3+4+", papers), f"A4 / A3 / A4 landscape pages: {set(sizes)}"


def test_clerk_values_in_other_forms_are_understood_or_warned(parsed_workspace):
    import datetime as dt
    import warnings

    import openpyxl

    from toolkit.errors import ToolkitWarning

    ws = Workspace.at(parsed_workspace)
    book = openpyxl.load_workbook(ws.ledger)
    for row in book["任务台账"].iter_rows(min_row=2):
        if row[0].value in ("3", "4", "6"):
            row[6].value = {"3": "6月底前", "4": "2024/9/30", "6": "视情况而定"}[row[0].value]
    for row in book["责任分工"].iter_rows(min_row=2):
        if row[0].value == "10" and row[2].value == "区税务局":
            row[3].value = "牵头"
        if row[0].value == "12" and row[2].value == "龙桥街道":
            row[3].value = "帮忙"
    for row in book["量化指标"].iter_rows(min_row=2):
        if row[0].value == "8#1":
            row[3].value = "２５０个"
        if row[0].value == "8#2":
            row[3].value = "很多"
    book.save(ws.ledger)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ToolkitWarning)
        ledger = ledger_stage.load_ledger(ws)
    messages = "\n".join(str(w.message) for w in caught)
    assert ledger.task("3").due == dt.date(2024, 6, 30)
    assert ledger.task("4").due == dt.date(2024, 9, 30)
    assert ledger.task("6").due is None and "视情况而定" in messages and "任务台账" in messages
    roles = {(a.task_id, a.unit): a.role for a in ledger.assignments}
    assert roles[("10", "区税务局")] == "主办"
    assert roles[("12", "龙桥街道")] == "协办" and "帮忙" in messages
    targets = {i.id: i.target for i in ledger.indicators}
    assert targets["8#1"] == 250 and targets["8#2"] is None and "很多" in messages
    assert "第" in messages and "行" in messages
