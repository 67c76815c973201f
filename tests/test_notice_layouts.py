"""Other notice layouts (issue 7): tails with other labels, tasks over two paragraphs, three-level outlines,
responsibility lines, （牵头） markers, task tables in .docx and .xlsx, and the answer when nothing is found.

Every fixture is invented here (青川县 and its offices); .docx and .xlsx files are built in tmp_path.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import SEED_NOTICE, run_toolkit
from toolkit.errors import ToolkitError
from toolkit.notice import notice_to_json, parse_notice

# SHA-256 of `toolkit parse 济兖政发〔2024〕1号.txt --json` on the day issue 7 was done: the real notice's
# result must never change by accident when new layouts are added.
SEED_JSON_SHA256 = "0ca7f87f83773fd3f15d0305aa7e2f0971290b1d638f9edcacc06a72005c379d"

HEADER = ["青政发〔2024〕5号", "青川县人民政府", "关于分解落实2024年县政府重点工作任务的通知",
          "各乡镇人民政府，县政府各部门：", "现将县政府重点工作任务分解如下，请认真抓好落实。"]
FOOTER = ["青川县人民政府", "2024年3月1日", "抄送：县委办公室。"]


def write_notice(tmp_path: Path, body: list[str], name: str = "通知.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(HEADER + body + FOOTER), encoding="utf-8")
    return path


def by_id(notice) -> dict:
    return {t.id: t for t in notice.tasks}


# ----------------------------------------------------------------------------------------------- the real notice

def test_real_notice_json_is_byte_identical_to_the_stored_hash():
    data = json.dumps(notice_to_json(parse_notice(SEED_NOTICE)), ensure_ascii=False, indent=1)
    assert hashlib.sha256(data.encode("utf-8") + b"\n").hexdigest() == SEED_JSON_SHA256


# ----------------------------------------------------------------------------------------------- rule 1: tails

def test_rule1_tails_with_other_labels_separators_and_brackets(tmp_path):
    notice = parse_notice(write_notice(tmp_path, [
        "一、主要目标", "全县地区生产总值增长6%左右。",
        "二、重点任务",
        "1、实施工业技改项目20个（含结转项目）。（责任领导：王某某；责任单位：县工信局、县发改局；完成时限：2024年6月底前）",
        "2．推进社区（村）综合服务设施建设，覆盖率达到95%。(牵头县领导:李某某。牵头单位:县民政局。配合单位:各乡镇)",
        "3.由县交通运输局牵头，新建农村公路50公里。（分管领导：张某某;主办单位：县交通运输局;"
        "协办单位：县财政局、县自然资源局;完成时间：年底前)",
        "4. 建立县级应急物资储备库1个。（牵头区领导：赵某某。承办单位：县应急局；协同单位：县粮食和物资储备中心）",
    ]))
    tasks = by_id(notice)
    assert [t.id for t in notice.tasks] == ["1", "2", "3", "4"] and notice.warnings == []

    first = tasks["1"]
    assert first.text == "实施工业技改项目20个（含结转项目）。"
    assert (first.leaders, first.lead_units, first.co_units) == (["王某某"], ["县工信局"], ["县发改局"])
    assert first.lead_rule == "position" and first.deadline == "2024年6月底前" and first.due.isoformat() == "2024-06-30"

    second = tasks["2"]
    assert second.text == "推进社区（村）综合服务设施建设，覆盖率达到95%。"
    assert (second.leaders, second.lead_units, second.co_units) == (["李某某"], ["县民政局"], ["各乡镇"])
    assert second.lead_rule == "field"

    third = tasks["3"]
    assert third.text == "由县交通运输局牵头，新建农村公路50公里。"
    assert (third.leaders, third.lead_units, third.co_units) == (["张某某"], ["县交通运输局"],
                                                                  ["县财政局", "县自然资源局"])
    assert third.lead_rule == "field" and third.deadline == "年底前"

    fourth = tasks["4"]
    assert fourth.text == "建立县级应急物资储备库1个。"
    assert (fourth.lead_units, fourth.co_units) == (["县应急局"], ["县粮食和物资储备中心"])
    assert fourth.lead_rule == "field"


def test_rule1_brackets_and_the_word_qiantou_inside_the_text_are_not_tails(tmp_path):
    notice = parse_notice(write_notice(tmp_path, [
        "二、重点任务",
        "1.开工重点项目30个（含结转项目）。",
        "2.县工信局牵头做好社区（村）网格化管理，牵头单位要每月调度。（牵头领导：王某某。责任单位：县委政法委，各乡镇）",
    ]))
    first, second = notice.tasks
    assert first.text == "开工重点项目30个（含结转项目）。" and first.units == [] and first.leaders == []
    assert any("第1项任务没有找到责任分工" in w for w in notice.warnings)
    assert second.text == "县工信局牵头做好社区（村）网格化管理，牵头单位要每月调度。"
    assert (second.lead_units, second.co_units) == (["县委政法委"], ["各乡镇"])


def test_rule1_full_stop_after_the_tail_belongs_to_the_task(tmp_path):
    notice = parse_notice(write_notice(tmp_path, [
        "二、重点任务", "1.完成河道清淤20公里（牵头领导：王某某；责任单位：县水利局）。"]))
    task = notice.tasks[0]
    assert task.text == "完成河道清淤20公里。" and task.lead_units == ["县水利局"]


# ----------------------------------------------------------------------------------------------- rule 2

def test_rule2_task_over_two_paragraphs_and_general_paragraphs(tmp_path):
    notice = parse_notice(write_notice(tmp_path, [
        "二、推进乡村振兴",
        "围绕全年目标，各单位要细化措施、压实责任。",
        "1.推进数字乡村建设，完成20个行政村光纤改造。",
        "同步建设益农信息社10个。（牵头领导：王某某。责任单位：县农业农村局，县工信局）",
        "以上任务由县农业农村局统筹调度。",
        "三、改善民生福祉",
        "2.新增城镇就业岗位3000个。（牵头领导：李某某。责任单位：县人社局）",
        "3.做好民生实事宣传工作。",
        "各单位要高度重视，确保民生实事按期完成。",
        "4.改造农村公厕15座。（牵头领导：李某某。责任单位：县住建局、各乡镇）",
        "四、工作要求",
        "1.加强组织领导。各乡镇、各部门要把任务落实摆上重要位置。",
        "2.严格督查考核。县政府督查室按月通报进展。",
        "请各单位于每月25日前报送进展情况。",
    ]))
    assert [t.id for t in notice.tasks] == ["1", "2", "3", "4"]
    first = notice.tasks[0]
    assert first.text == "推进数字乡村建设，完成20个行政村光纤改造。\n同步建设益农信息社10个。"
    assert first.lead_units == ["县农业农村局"] and first.co_units == ["县工信局"]
    assert notice.tasks[2].text == "做好民生实事宣传工作。" and notice.tasks[2].units == []
    everything = "\n".join(t.text for t in notice.tasks)
    for general in ("围绕全年目标", "统筹调度", "高度重视", "加强组织领导", "严格督查考核", "25日前报送", "青川县人民政府"):
        assert general not in everything
    assert {t.section for t in notice.tasks} == {"推进乡村振兴", "改善民生福祉"}


# ----------------------------------------------------------------------------------------------- rule 3

THREE_LEVEL = [
    "一、总体要求",
    "（一）指导思想",
    "以新发展理念为引领，统筹发展和安全，推动全县经济社会高质量发展。",
    "（二）主要目标",
    "全县地区生产总值增长6%。",
    "二、重点任务",
    "（一）推动工业提质增效",
    "1.新培育规上工业企业15家。（牵头领导：王某某。责任单位：县工信局）",
    "2.实施技改项目20个。（牵头领导：王某某。责任单位：县工信局、县发改局）",
    "（二）扩大有效投资",
    "1.争取专项债券资金10亿元。（牵头领导：李某某。责任单位：县财政局（牵头）、县发改局）",
    "2.新开工亿元以上项目25个。",
    "（牵头领导：李某某。责任单位：县发改局，各乡镇）",
    "三、基础设施",
    "（一）交通",
    "1.新改建农村公路80公里。（牵头领导：张某某。责任单位：县交通运输局）",
    "四、保障措施",
    "（一）加强组织领导。各乡镇、各部门主要负责同志要亲自研究、亲自部署。",
    "（二）强化督查考核。县政府督查室实行周盘点、旬推进、月调度。",
]


def test_rule3_three_level_outline_gives_path_ids(tmp_path):
    notice = parse_notice(write_notice(tmp_path, THREE_LEVEL))
    assert [t.id for t in notice.tasks] == ["2-1-1", "2-1-2", "2-2-1", "2-2-2", "3-1-1"]
    assert [t.seq for t in notice.tasks] == [1, 2, 3, 4, 5]
    assert [t.subsection for t in notice.tasks] == ["推动工业提质增效"] * 2 + ["扩大有效投资"] * 2 + ["交通"]
    assert [t.section for t in notice.tasks] == ["重点任务"] * 4 + ["基础设施"]
    assert notice.tasks[3].text == "新开工亿元以上项目25个。" and notice.tasks[3].lead_units == ["县发改局"]
    assert notice.warnings == []
    data = notice_to_json(notice)
    assert data["tasks"][0]["id"] == "2-1-1" and data["tasks"][0]["subsection"] == "推动工业提质增效"
    assert [t.name for t in notice.targets] and notice.targets[0].value == 6


def test_rule3_continuous_numbering_keeps_printed_numbers(tmp_path):
    body = [line.replace("1.争取", "3.争取").replace("2.新开工", "4.新开工").replace("1.新改建", "5.新改建")
            for line in THREE_LEVEL]
    notice = parse_notice(write_notice(tmp_path, body))
    assert [t.id for t in notice.tasks] == ["1", "2", "3", "4", "5"]
    assert notice.tasks[2].subsection == "扩大有效投资"


def test_rule3_gap_inside_a_subsection_is_warned_by_path(tmp_path):
    body = [line.replace("2.新开工", "3.新开工") for line in THREE_LEVEL]
    notice = parse_notice(write_notice(tmp_path, body))
    assert "2-2-3" in [t.id for t in notice.tasks]
    assert any("缺少：2-2-2" in w for w in notice.warnings)


# ----------------------------------------------------------------------------------------------- rule 4

def test_rule4_responsibility_on_its_own_lines_in_any_order(tmp_path):
    notice = parse_notice(write_notice(tmp_path, [
        "二、数字经济",
        "1.新建5G基站200个。",
        "牵头县领导：王某某",
        "责任单位：县工信局（牵头），县发改局、县住建局",
        "完成时限：2024年10月底",
        "2.改造老旧小区12个，",
        "惠及居民3000户。",
        "完成时间：年底前",
        "配合单位：县财政局、各乡镇",
        "牵头单位：县住建局",
        "牵头县领导：李某某、赵某某",
        "各单位要按月报送进展。",
        "三、工作要求",
        "请各单位认真落实。",
    ]))
    first, second = notice.tasks
    assert first.text == "新建5G基站200个。" and first.leaders == ["王某某"]
    assert (first.lead_units, first.co_units, first.lead_rule) == (["县工信局"], ["县发改局", "县住建局"], "marker")
    assert first.deadline == "2024年10月底" and first.due.isoformat() == "2024-10-31"
    assert second.text == "改造老旧小区12个，\n惠及居民3000户。"
    assert second.leaders == ["李某某", "赵某某"]
    assert (second.lead_units, second.co_units, second.lead_rule) == (["县住建局"], ["县财政局", "各乡镇"], "field")
    assert second.deadline == "年底前"
    assert "按月报送" not in second.text


# ----------------------------------------------------------------------------------------------- rule 5

@pytest.mark.parametrize("units, leads, cos, rule", [
    ("县商务局、县发改局（牵头）、各乡镇", ["县发改局"], ["县商务局", "各乡镇"], "marker"),
    ("县商务局（牵头）、县文旅局(牵头)，县财政局", ["县商务局", "县文旅局"], ["县财政局"], "marker"),
    ("县市场监管局", ["县市场监管局"], [], "position"),
    ("县商务局、县财政局", ["县商务局"], ["县财政局"], "position"),
])
def test_rule5_lead_marked_by_qiantou(tmp_path, units, leads, cos, rule):
    notice = parse_notice(write_notice(tmp_path, [
        "二、扩大消费", f"1.举办促消费活动30场。（牵头领导：王某某。责任单位：{units}）"]))
    task = notice.tasks[0]
    assert (task.lead_units, task.co_units, task.lead_rule) == (leads, cos, rule)


def test_rule5_marker_and_field_reach_the_ledger_sources(tmp_path):
    from toolkit.ledger import load_ledger
    from toolkit.workspace import Workspace

    ws_dir = tmp_path / "ws"
    (ws_dir / "inputs").mkdir(parents=True)
    path = write_notice(ws_dir / "inputs", [
        "二、扩大消费",
        "1.举办促消费活动30场。（牵头领导：王某某。责任单位：县商务局、县发改局（牵头））",
        "2.新增限上企业20家。（牵头领导：王某某。牵头单位：县商务局。配合单位：各乡镇）",
    ])
    result = run_toolkit(ws_dir, "parse", str(path))
    assert result.returncode == 0, result.stderr
    ledger = load_ledger(Workspace.at(str(ws_dir)))
    rows = {(a.task_id, a.unit): (a.role, a.source) for a in ledger.assignments}
    assert rows[("1", "县发改局")] == ("主办", "标注") and rows[("1", "县商务局")] == ("协办", "标注")
    assert rows[("2", "县商务局")] == ("主办", "字段") and rows[("2", "各乡镇")] == ("协办", "字段")


# ----------------------------------------------------------------------------------------------- rule 6: tables

TABLE_HEADER = ["序号", "类别", "重点任务", "牵头领导", "牵头单位", "配合单位", "完成时限"]
TABLE_ROWS = [
    ["1", "工业经济", "新培育规上工业企业15家。", "王某某", "县工信局", "县发改局\n县统计局", "2024年12月底"],
    ["2", "工业经济", "推进园区标准化厂房建设，\n新建厂房10万平方米。", "王某某", "县经开区管委会", "/", "—"],
    ["3", "社会民生", "新增城镇就业岗位3000个。", "李某某\n赵某某", "县人社局", "无", ""],
]


def build_task_table_docx(path: Path, *, bold_lead: bool = False) -> Path:
    """A notice whose tasks sit in a table; 类别 and 牵头领导 merged vertically over rows 1–2."""
    import docx

    document = docx.Document()
    for text in HEADER[:4] + ["现将《2024年重点工作任务分解表》印发给你们，请认真贯彻落实。", "附件：2024年重点工作任务分解表"]:
        document.add_paragraph(text)
    table = document.add_table(rows=1 + len(TABLE_ROWS), cols=len(TABLE_HEADER))
    for c, text in enumerate(TABLE_HEADER):
        table.cell(0, c).text = text
    for r, row in enumerate(TABLE_ROWS, start=1):
        for c, text in enumerate(row):
            if r == 2 and c in (1, 3):
                continue   # covered by the merge below
            cell = table.cell(r, c)
            first, *rest = text.split("\n") if text else [""]
            cell.paragraphs[0].add_run(first)
            for line in rest:   # the task text breaks a line inside the paragraph; names use new paragraphs
                if c == 2:
                    run = cell.paragraphs[0].add_run()
                    run.add_break()
                    run.add_text(line)
                else:
                    cell.add_paragraph(line)
    table.cell(1, 1).merge(table.cell(2, 1))
    table.cell(1, 3).merge(table.cell(2, 3))
    for paragraph in table.cell(1, 1).paragraphs[1:] + table.cell(1, 3).paragraphs[1:]:
        paragraph._element.getparent().remove(paragraph._element)   # merge() appends the empty cell's paragraph
    if bold_lead:
        table.cell(0, 4).text, table.cell(0, 5).text = "责任单位", "备注"
        table.cell(1, 4).text = ""
        table.cell(1, 4).paragraphs[0].add_run("县发改局、")
        table.cell(1, 4).paragraphs[0].add_run("县工信局").bold = True
    for text in FOOTER[:2]:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def build_task_table_xlsx(path: Path) -> Path:
    import openpyxl
    from openpyxl.styles import Alignment

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "任务分解"
    sheet.append(["青川县2024年重点工作任务分解表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TABLE_HEADER))
    sheet.append(TABLE_HEADER)
    for row in TABLE_ROWS:
        sheet.append([int(row[0])] + [v or None for v in row[1:]])
    sheet.cell(4, 2).value = sheet.cell(4, 4).value = None
    sheet.merge_cells("B3:B4")
    sheet.merge_cells("D3:D4")
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    workbook.save(str(path))
    return path


def assert_table_tasks(notice):
    first, second, third = notice.tasks
    assert [t.id for t in notice.tasks] == ["1", "2", "3"] and [t.seq for t in notice.tasks] == [1, 2, 3]
    assert [t.section for t in notice.tasks] == ["工业经济", "工业经济", "社会民生"]
    assert first.text == "新培育规上工业企业15家。" and first.leaders == ["王某某"]
    assert (first.lead_units, first.co_units, first.lead_rule) == (["县工信局"], ["县发改局", "县统计局"], "field")
    assert first.deadline == "2024年12月底" and first.due.isoformat() == "2024-12-31"
    assert second.text == "推进园区标准化厂房建设，\n新建厂房10万平方米。"
    assert second.leaders == ["王某某"], "a merged leader cell counts for every row it covers"
    assert (second.lead_units, second.co_units, second.deadline) == (["县经开区管委会"], [], None)
    assert third.leaders == ["李某某", "赵某某"] and third.co_units == [] and third.deadline is None
    assert [i.value for i in first.indicators] == [15]


def test_rule6_task_table_in_docx(tmp_path):
    notice = parse_notice(build_task_table_docx(tmp_path / "分解表.docx"))
    assert_table_tasks(notice)
    assert notice.info.doc_no == "青政发〔2024〕5号"
    assert notice.info.date.isoformat() == "2024-03-01"


def test_rule6_same_table_as_xlsx(tmp_path):
    notice = parse_notice(build_task_table_xlsx(tmp_path / "分解表.xlsx"))
    assert_table_tasks(notice)
    assert notice.info.title == "青川县2024年重点工作任务分解表"


def test_rule6_docx_and_xlsx_give_the_same_tasks(tmp_path):
    from_docx = notice_to_json(parse_notice(build_task_table_docx(tmp_path / "a.docx")))["tasks"]
    from_xlsx = notice_to_json(parse_notice(build_task_table_xlsx(tmp_path / "a.xlsx")))["tasks"]
    assert from_docx == from_xlsx


def test_rule6_bold_unit_in_a_responsibility_column(tmp_path):
    notice = parse_notice(build_task_table_docx(tmp_path / "bold.docx", bold_lead=True))
    first = notice.tasks[0]
    assert (first.lead_units, first.co_units, first.lead_rule) == (["县工信局"], ["县发改局"], "bold")


def test_rule6_other_header_words_category_rows_and_restarting_numbers(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序 号", "工作任务", "责任领导", "责任单位", "完成时间", "备注"])
    sheet.append(["一、项目建设"] * 6)
    sheet.append([1, "新开工项目25个。", "王某某", "县发改局（牵头）、县自然资源局", "6月底前", None])
    sheet.append([2, "竣工项目10个。", "王某某", "县住建局、县发改局（牵头）", "年底前", None])
    sheet.append(["二、民生实事"])
    sheet.merge_cells("A5:F5")
    sheet.append([1, "新建幼儿园2所。", "李某某", "县教体局", None, "含改扩建"])
    workbook.save(str(tmp_path / "表.xlsx"))
    notice = parse_notice(tmp_path / "表.xlsx")
    assert [t.id for t in notice.tasks] == ["1-1", "1-2", "2-1"]
    assert [t.section for t in notice.tasks] == ["项目建设", "项目建设", "民生实事"]
    first, second, third = notice.tasks
    assert (first.lead_units, first.co_units, first.lead_rule) == (["县发改局"], ["县自然资源局"], "marker")
    assert (second.lead_units, second.co_units) == (["县发改局"], ["县住建局"])
    assert (third.lead_units, third.lead_rule, third.deadline) == (["县教体局"], "position", None)


def test_rule6_task_cell_merged_over_rows_listing_more_units(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "任务内容", "主办单位", "协办单位"])
    sheet.append([1, "建设智慧停车场3处。", "县住建局", "县公安局"])
    sheet.append([None, None, None, "县城管局"])
    for columns in ("A2:A3", "B2:B3", "C2:C3"):
        sheet.merge_cells(columns)
    workbook.save(str(tmp_path / "表.xlsx"))
    notice = parse_notice(tmp_path / "表.xlsx")
    assert len(notice.tasks) == 1
    task = notice.tasks[0]
    assert (task.lead_units, task.co_units) == (["县住建局"], ["县公安局", "县城管局"])


# ----------------------------------------------------------------------------------------------- rule 7

def test_rule7_nothing_recognised_says_what_was_found_and_what_was_tried(tmp_path):
    import docx

    document = docx.Document()
    for text in ["关于召开全县经济运行分析会的通知", "一、会议时间", "3月5日上午9:00。", "1.请各单位准备汇报材料。"]:
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "目标值"
    table.cell(1, 0).text, table.cell(1, 1).text = "地区生产总值增速", "6%"
    path = tmp_path / "会议通知.docx"
    document.save(str(path))
    with pytest.raises(ToolkitError) as caught:
        parse_notice(path)
    message = caught.value.message
    assert "没有识别出任务" in message and "共 4 段" in message and "表格 1 个" in message
    assert "以数字编号开头的段落 1 个" in message
    assert "段落式" in message and "三级提纲" in message and "表格式" in message

    result = run_toolkit(tmp_path, "parse", str(path))
    assert result.returncode == 2 and "没有识别出任务" in result.stderr and "Traceback" not in result.stderr


def test_old_excel_format_says_how_to_convert(tmp_path):
    path = tmp_path / "分解表.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0whatever")
    with pytest.raises(ToolkitError, match="另存为"):
        parse_notice(path)


# ----------------------------------------------------------------------------------------------- more shapes

def test_bracketed_responsibility_lines_and_leaders_with_titles(tmp_path):
    notice = parse_notice(write_notice(tmp_path, [
        "二、城市更新",
        "1.完成城区雨污分流改造8公里。",
        "（牵头领导：王某某（县委常委、副县长））",
        "（责任单位：县住建局（牵头）、县城管局）",
        "（完成时限：2024年9月底）",
        "县住建局要每旬调度一次。",
    ]))
    task = notice.tasks[0]
    assert task.text == "完成城区雨污分流改造8公里。"
    assert task.leaders == ["王某某（县委常委、副县长）"]
    assert (task.lead_units, task.co_units, task.lead_rule) == (["县住建局"], ["县城管局"], "marker")
    assert task.deadline == "2024年9月底"


def test_table_with_category_numerals_in_the_number_column(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "主要任务", "牵头领导", "责任单位", "完成时限"])
    sheet.append(["一", "产业发展", None, None, None])
    sheet.append([1, "新增市场主体3000户。", "王某某", "县市场监管局\n各乡镇", "年底前"])
    sheet.append(["二", "社会事业", None, None, None])
    sheet.append([2, "新建村级卫生室5个。", "李某某", "县卫健局（牵头）\n各乡镇", "10月底前"])
    workbook.save(str(tmp_path / "表.xlsx"))
    notice = parse_notice(tmp_path / "表.xlsx")
    assert [(t.id, t.section) for t in notice.tasks] == [("1", "产业发展"), ("2", "社会事业")]
    first, second = notice.tasks
    assert (first.lead_units, first.co_units, first.lead_rule) == (["县市场监管局"], ["各乡镇"], "position")
    assert (second.lead_units, second.co_units, second.lead_rule) == (["县卫健局"], ["各乡镇"], "marker")


def test_paragraph_notice_with_a_small_unrelated_table_keeps_its_paragraph_tasks(tmp_path):
    import docx

    document = docx.Document()
    for text in HEADER + ["二、重点任务",
                          "1.新建公园3个。（牵头领导：王某某。责任单位：县住建局）",
                          "2.新建绿道20公里。（牵头领导：王某某。责任单位：县自然资源局）"]:
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "序号", "任务"   # a header, but one row beside two tasks
    table.cell(1, 0).text, table.cell(1, 1).text = "1", "示例"
    path = tmp_path / "通知.docx"
    document.save(str(path))
    notice = parse_notice(path)
    assert [t.text for t in notice.tasks] == ["新建公园3个。", "新建绿道20公里。"]
