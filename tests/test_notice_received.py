"""The notices clerks really receive (issue 11): （一） tasks, task tables with other headers, tables pasted into
.txt, leaders in headings, convention notes, collective units, names from PDF conversions, in-cell line breaks;
and the never-silent rules, `parse --check` and the size limits.

Every notice here is invented (松江县 and its offices); .docx files are real Word files built with python-docx.
"""
from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import run_toolkit
from toolkit.errors import ToolkitError
from toolkit.notice import notice_to_json, parse_notice

HEAD = ["松政办发〔2024〕6号", "松江县人民政府办公室", "关于印发2024年县政府重点工作任务分解方案的通知",
        "各乡镇人民政府、街道办事处，县政府各部门：", "现将分解方案印发给你们，请认真抓好落实。"]
FOOT = ["松江县人民政府办公室", "2024年3月8日", "抄送：县委办公室。"]
FIELDS = ("id", "section", "subsection", "text", "leaders", "lead_units", "co_units", "lead_rule", "deadline")


def rows_of(notice) -> list[tuple]:
    """Every field of every task, as a tuple in FIELDS order."""
    return [tuple(task[f] for f in FIELDS) for task in notice_to_json(notice)["tasks"]]


def write_txt(tmp_path: Path, body: list[str], name: str = "通知.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(HEAD + body + FOOT), encoding="utf-8")
    return path


def add_cell_text(cell, text, *, line_breaks: bool = False, bold: set[str] = frozenset()) -> None:
    """Write text into a Word table cell: each \\n a new paragraph, or a w:br inside one paragraph;
    the names in `bold` printed bold."""
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i and line_breaks:
            paragraph.add_run().add_break()
        elif i:
            paragraph = cell.add_paragraph()
        for piece in re.split(r"(、)", line):
            name = next((b for b in bold if piece.startswith(b)), "")
            if name:
                paragraph.add_run(name).bold = True
            if piece[len(name):]:
                paragraph.add_run(piece[len(name):])


def write_docx(tmp_path: Path, blocks: list, name: str = "通知.docx", cell_options: dict | None = None) -> Path:
    """A Word file of paragraphs (str) and tables (list of rows, a row a list of cell texts; None = merged with
    the cell above, "<" = merged with the cell to the left); cell_options[(table, row, column)] are passed to
    add_cell_text."""
    cell_options = cell_options or {}
    import docx

    document = docx.Document()
    for text in HEAD:
        document.add_paragraph(text)
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        table = document.add_table(rows=len(block), cols=len(block[0]))
        table_index = len(document.tables) - 1
        for r, row in enumerate(block):
            for c, text in enumerate(row):
                if text is None:
                    _merge(table.cell(r - 1, c), table.cell(r, c))
                elif text == "<":
                    _merge(table.cell(r, c - 1), table.cell(r, c))
                else:
                    options = cell_options.get((table_index, r, c), {})
                    add_cell_text(table.cell(r, c), text, **options)
    for text in FOOT:
        document.add_paragraph(text)
    path = tmp_path / name
    document.save(str(path))
    return path


def _merge(keep, other) -> None:
    merged = keep.merge(other)
    for paragraph in merged.paragraphs[1:]:
        if not paragraph.text:
            paragraph._element.getparent().remove(paragraph._element)   # merge() appends the other's paragraph


def both_formats(tmp_path: Path, body: list[str]):
    """The same paragraphs as a .txt and as a .docx (no bold): both must parse alike."""
    return [parse_notice(write_txt(tmp_path, body)), parse_notice(write_docx(tmp_path, body))]


def source_units(text: str) -> set[str]:
    """Names in the notice that look like units of the county (松江县…局 / 县…局 …)."""
    return set(re.findall(r"县[\u4e00-\u9fff]{1,8}?(?:局|委员会|中心|办公室)", text))


def assert_no_unit_dropped(notice, source_text: str) -> None:
    """Every unit-looking name in the notice is a unit of some task or is quoted in a warning."""
    placed = " ".join(u for t in notice.tasks for u in t.units) + " ".join(notice.warnings)
    body = source_text.split(HEAD[-1])[-1].split(FOOT[0])[0]   # addressees and 抄送 are not task units
    missing = {u for u in source_units(body) if u not in placed and not u.startswith("县人民政府")}
    assert not missing, f"units read nowhere: {missing}"


# ----------------------------------------------------------------------------------------------- layout 1

LAYOUT1 = [
    "一、经济发展",
    "（一）新培育规上工业企业15家",
    "责任单位：县工信局、县统计局",
    "(二)完成固定资产投资120亿元，其中工业投资40亿元",
    "责任单位：县发改局，各乡镇（街道）",
    "完成时限：2024年12月底",
    "二、民生保障",
    "（一）新增城镇就业2000人",
    "牵头领导：李某某",
    "责任单位：县人社局",
    "（二）建成城市书房3处",
    "责任单位：县文体局",
    "三、工作要求",
    "（一）加强组织领导。各单位主要负责同志要亲自研究部署。",
    "（二）严格督查考核。县政府督查室按月通报。",
]
LAYOUT1_TASKS = [
    ("1-1", "经济发展", None, "新培育规上工业企业15家", [], ["县工信局"], ["县统计局"], "position", None),
    ("1-2", "经济发展", None, "完成固定资产投资120亿元，其中工业投资40亿元", [], ["县发改局"], ["各乡镇（街道）"],
     "position", "2024年12月底"),
    ("2-1", "民生保障", None, "新增城镇就业2000人", ["李某某"], ["县人社局"], [], "position", None),
    ("2-2", "民生保障", None, "建成城市书房3处", [], ["县文体局"], [], "position", None),
]


def test_layout1_chinese_numbered_tasks_with_a_unit_line_after_each(tmp_path):
    for notice in both_formats(tmp_path, LAYOUT1):
        assert rows_of(notice) == LAYOUT1_TASKS
        assert notice.tasks[1].due.isoformat() == "2024-12-31" and [i.value for i in notice.tasks[0].indicators] == [15]
        assert notice.warnings == []


def test_layout1_continuous_chinese_numbering_keeps_printed_numbers(tmp_path):
    body = [line.replace("（一）新增", "（三）新增").replace("（二）建成", "（四）建成") for line in LAYOUT1]
    notice = parse_notice(write_txt(tmp_path, body))
    assert [t.id for t in notice.tasks] == ["1", "2", "3", "4"]


def test_layout1_subsection_headings_over_numbered_tasks_stay_headings(tmp_path):
    notice = parse_notice(write_txt(tmp_path, [
        "一、重点任务",
        "（一）推动工业提质增效",
        "1.新培育规上工业企业15家",
        "责任单位：县工信局",
        "（二）扩大有效投资",
        "2.争取专项债券资金10亿元",
        "责任单位：县财政局、县发改局",
    ]))
    assert rows_of(notice) == [
        ("1", "重点任务", "推动工业提质增效", "新培育规上工业企业15家", [], ["县工信局"], [], "position", None),
        ("2", "重点任务", "扩大有效投资", "争取专项债券资金10亿元", [], ["县财政局"], ["县发改局"], "position", None),
    ]


# ----------------------------------------------------------------------------------------------- layout 2

# two header rows (责任分工 over 牵头责任单位 | 参与单位), spaced header words, an unknown 备注 column, the
# header repeated inside the table, and a second table (the next page) whose numbering continues
LAYOUT2_TABLE1 = [
    ["序号", "重点工作", "分 管 县领导", "责任分工", "<", "时限要求", "备注"],
    [None, None, None, "牵头责任单位", "参与单位", None, None],
    ["1", "新培育规上工业企业15家", "王某某", "县工信局", "县统计局\n县发改局", "年底前", "省考指标"],
    ["2", "实施技改项目20个", "王某某", "县工信局", "县财政局", "10月底前", ""],
    ["序号", "重点工作", "分 管 县领导", "牵头责任单位", "参与单位", "时限要求", "备注"],
    ["3", "新增城镇就业2000人", "李某某", "县人社局", "各乡镇（街道）", "全年", ""],
]
LAYOUT2_TABLE2 = [
    ["序号", "重点工作", "分 管 县领导", "牵头责任单位", "参与单位", "时限要求", "备注"],
    ["4", "建成城市书房3处", "李某某", "县文体局", "/", "9月底前", ""],
]
LAYOUT2_TASKS = [
    ("1", "", None, "新培育规上工业企业15家", ["王某某"], ["县工信局"], ["县统计局", "县发改局"], "field", "年底前"),
    ("2", "", None, "实施技改项目20个", ["王某某"], ["县工信局"], ["县财政局"], "field", "10月底前"),
    ("3", "", None, "新增城镇就业2000人", ["李某某"], ["县人社局"], ["各乡镇（街道）"], "field", "全年"),
    ("4", "", None, "建成城市书房3处", ["李某某"], ["县文体局"], [], "field", "9月底前"),
]


def test_layout2_task_table_with_other_headers_two_header_rows_and_two_tables(tmp_path):
    path = write_docx(tmp_path, ["附件：重点工作任务分解表", LAYOUT2_TABLE1, "（续表）", LAYOUT2_TABLE2])
    notice = parse_notice(path)
    assert rows_of(notice) == LAYOUT2_TASKS
    unknown = [w for w in notice.warnings if "备注" in w]
    assert len(unknown) == 1 and "1 格" in unknown[0] and "省考指标" in unknown[0]
    assert len(notice.warnings) == 1


def test_layout2_same_table_as_xlsx(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in LAYOUT2_TABLE1[:1] + [["", "", "", "牵头责任单位", "参与单位", "", ""]] + LAYOUT2_TABLE1[2:] \
            + LAYOUT2_TABLE2:
        sheet.append([None if v in ("<", None) else v for v in row])
    for cells in ("A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2", "G1:G2"):
        sheet.merge_cells(cells)
    workbook.save(str(tmp_path / "表.xlsx"))
    notice = parse_notice(tmp_path / "表.xlsx")
    assert rows_of(notice) == LAYOUT2_TASKS


@pytest.mark.parametrize("task_word, leader_word, unit_word, deadline_word", [
    ("目标与任务", "县级领导", "责任单位", "完成时间"),
    ("主要任务", "分管区领导", "主办单位", "时间节点"),
    ("具体任务", "责任领导", "牵头单位", "完成时限"),
    ("工作内容", "牵头县领导", "协办单位", "时限要求"),
    ("任务目标", "分管领导", "配合单位", "完成时间"),
    ("目标任务", "分管县领导", "参与单位", "完成时限"),
    ("重点工作", "分 管 县领导", "牵头责任单位", "时间节点"),
])
def test_layout2_header_words(tmp_path, task_word, leader_word, unit_word, deadline_word):
    table = [["序号", task_word, leader_word, unit_word, deadline_word],
             ["1", "新建村级养老服务站10个", "赵某某", "县民政局、县卫健局", "11月底前"]]
    task = parse_notice(write_docx(tmp_path, [table])).tasks[0]
    assert (task.text, task.leaders, task.deadline) == ("新建村级养老服务站10个", ["赵某某"], "11月底前")
    if unit_word in ("协办单位", "配合单位", "参与单位"):   # only co-units named: no lead
        assert (task.lead_units, task.co_units, task.lead_rule) == ([], ["县民政局", "县卫健局"], "field")
    elif unit_word == "责任单位":
        assert (task.lead_units, task.co_units, task.lead_rule) == (["县民政局"], ["县卫健局"], "position")
    else:
        assert (task.lead_units, task.co_units, task.lead_rule) == (["县民政局", "县卫健局"], [], "field")


def test_layout2_two_task_columns_the_merged_one_is_the_category(tmp_path):
    table = [["序号", "重点工作", "具体任务", "责任领导", "责任单位", "工作措施"],
             ["1", "工业经济", "新培育规上工业企业15家", "王某", "县工信局", "开展入企服务"],
             ["2", None, "实施技改项目20个", "王某", "县工信局、县财政局", ""],
             ["3", "社会民生", "新增城镇就业2000人", "李某", "县人社局", ""]]
    notice = parse_notice(write_docx(tmp_path, [table]))
    assert rows_of(notice) == [
        ("1", "工业经济", None, "新培育规上工业企业15家", ["王某"], ["县工信局"], [], "position", None),
        ("2", "工业经济", None, "实施技改项目20个", ["王某"], ["县工信局"], ["县财政局"], "position", None),
        ("3", "社会民生", None, "新增城镇就业2000人", ["李某"], ["县人社局"], [], "position", None),
    ]
    assert len(notice.warnings) == 1 and "“工作措施”列" in notice.warnings[0] and "开展入企服务" in notice.warnings[0]


def test_layout2_numbers_in_chinese_or_inside_the_task_cell(tmp_path):
    chinese = [["序号", "重点任务", "牵头领导", "责任单位"],
               ["（一）", "新建幼儿园2所", "王某", "县教体局"], ["（二）", "新增城镇就业2000人", "李某", "县人社局"]]
    inside = [["重点任务", "牵头领导", "责任单位"],
              ["1.新建幼儿园2所", "王某", "县教体局"], ["2.新增城镇就业2000人", "李某", "县人社局"]]
    for table in (chinese, inside):
        notice = parse_notice(write_docx(tmp_path, [table]))
        assert [(t.id, t.text) for t in notice.tasks] == [("1", "新建幼儿园2所"), ("2", "新增城镇就业2000人")]


def test_layout2_three_columns_are_enough(tmp_path):
    table = [["工作任务", "县级领导", "责任单位"],
             ["推进农村人居环境整治", "王某", "县农业农村局\n各乡镇（街道）"],
             ["开展安全生产大检查", "李某", "县应急局"]]
    notice = parse_notice(write_docx(tmp_path, [table]))
    assert rows_of(notice) == [
        ("1", "", None, "推进农村人居环境整治", ["王某"], ["县农业农村局"], ["各乡镇（街道）"], "position", None),
        ("2", "", None, "开展安全生产大检查", ["李某"], ["县应急局"], [], "position", None),
    ]
    assert notice.warnings == []


# ----------------------------------------------------------------------------------------------- layout 3

LAYOUT3 = [
    "附件",
    "2024年重点工作任务清单",
    "序号\t工作任务\t分管县领导\t牵头单位\t配合单位\t完成时限",
    "一、产业发展",
    "1\t新建5G基站200个，",
    "实现乡镇以上区域全覆盖\t王某某\t县工信局\t县发改局",
    "县住建局\t10月底前",
    "2\t改造老旧小区12个\t李某某\t县住建局\t各乡镇（街道）\t6月底前开工",
    "12月底前完工",
    "二、社会事业",
    "3\t开展全民健身活动50场次\t张某\t县文体局\t\t年内",
]
LAYOUT3_TASKS = [
    ("1", "产业发展", None, "新建5G基站200个，\n实现乡镇以上区域全覆盖", ["王某某"], ["县工信局"],
     ["县发改局", "县住建局"], "field", "10月底前"),
    ("2", "产业发展", None, "改造老旧小区12个", ["李某某"], ["县住建局"], ["各乡镇（街道）"], "field",
     "6月底前开工\n12月底前完工"),
    ("3", "社会事业", None, "开展全民健身活动50场次", ["张某"], ["县文体局"], [], "field", "年内"),
]


def test_layout3_table_pasted_into_txt_with_tabs(tmp_path):
    notice = parse_notice(write_txt(tmp_path, LAYOUT3))
    assert rows_of(notice) == LAYOUT3_TASKS
    assert notice.tasks[1].due.isoformat() == "2024-12-31" and notice.warnings == []


def test_layout3_table_pasted_with_runs_of_spaces(tmp_path):
    body = [line.replace("\t\t", "\t/\t").replace("\t", "   ") for line in LAYOUT3]
    notice = parse_notice(write_txt(tmp_path, body))
    assert rows_of(notice) == LAYOUT3_TASKS


# ----------------------------------------------------------------------------------------------- layout 4

LAYOUT4 = [
    "一、王某某县长牵头重点工作",
    "1.新培育规上工业企业15家。（责任单位：县工信局）",
    "2.完成固定资产投资120亿元。（牵头领导：孙某。责任单位：县发改局、各乡镇（街道））",
    "二、李 某副县长主抓重点工作",
    "（一）赵某某同志分管",
    "3.新增城镇就业2000人。（责任单位：县人社局）",
    "（二）民生实事",
    "4.建成城市书房3处。（责任单位：县文体局）",
]
LAYOUT4_TASKS = [
    ("1", "牵头重点工作", None, "新培育规上工业企业15家。", ["王某某"], ["县工信局"], [], "position", None),
    ("2", "牵头重点工作", None, "完成固定资产投资120亿元。", ["孙某"], ["县发改局"], ["各乡镇（街道）"], "position", None),
    ("3", "主抓重点工作", "分管", "新增城镇就业2000人。", ["赵某某"], ["县人社局"], [], "position", None),
    ("4", "主抓重点工作", "民生实事", "建成城市书房3处。", ["李某"], ["县文体局"], [], "position", None),
]


def test_layout4_leaders_named_in_headings(tmp_path):
    for notice in both_formats(tmp_path, LAYOUT4):
        assert rows_of(notice) == LAYOUT4_TASKS
        assert notice.warnings == []


def test_layout4_leader_in_a_table_category_row(tmp_path):
    table = [["序号", "重点任务", "责任单位", "完成时限"],
             ["一、王某某副县长牵头", "<", "<", "<"],
             ["1", "新建幼儿园2所", "县教体局", "8月底前"],
             ["二、社会事业", "<", "<", "<"],
             ["2", "新增城镇就业2000人", "县人社局", "年底前"]]
    notice = parse_notice(write_docx(tmp_path, [table]))
    assert rows_of(notice) == [
        ("1", "牵头", None, "新建幼儿园2所", ["王某某"], ["县教体局"], [], "position", "8月底前"),
        ("2", "社会事业", None, "新增城镇就业2000人", [], ["县人社局"], [], "position", "年底前"),
    ]


def test_layout4_title_written_before_the_leaders_name(tmp_path):
    notice = parse_notice(write_txt(tmp_path, ["一、重点任务", "（一）县委常委、常务副县长王某某牵头（2项）",
                                               "1.新开工项目25个。（责任单位：县发改局）"]))
    task = notice.tasks[0]
    assert (task.leaders, task.section, task.subsection) == (["王某某"], "重点任务", "牵头（2项）")


@pytest.mark.parametrize("heading", ["一、全力推进项目建设", "一、县发改局牵头事项", "一、各乡镇负责事项",
                                     "一、压实牵头责任", "一、加强联系"])
def test_layout4_headings_without_a_person_name_no_leader(tmp_path, heading):
    notice = parse_notice(write_txt(tmp_path, [heading, "1.新开工项目25个。（责任单位：县发改局）"]))
    assert notice.tasks[0].leaders == [] and notice.tasks[0].section == heading[2:]


# ----------------------------------------------------------------------------------------------- layout 5

@pytest.mark.parametrize("where", ["covering notice", "inside the first unit list", "after the table"])
def test_layout5_first_listed_unit_leads_by_the_notices_own_rule(tmp_path, where):
    note = "（列第一位的为工作牵头单位或汇总单位，下同）"
    first_units = f"县发改局{note}、县财政局" if where == "inside the first unit list" else "县发改局、县财政局"
    body = [f"现将任务分解如下{note}。" if where == "covering notice" else "现将任务分解如下。",
            "一、重点任务",
            f"1.新开工项目25个。（牵头领导：王某。责任单位：{first_units}）",
            "2.新建公园3个。（牵头领导：王某。责任单位：县住建局、县城管局、各乡镇（街道））"]
    if where == "after the table":
        body.append("注：排序第一的单位牵头。")
    notice = parse_notice(write_txt(tmp_path, body))
    assert rows_of(notice) == [
        ("1", "重点任务", None, "新开工项目25个。", ["王某"], ["县发改局"], ["县财政局"], "first", None),
        ("2", "重点任务", None, "新建公园3个。", ["王某"], ["县住建局"], ["县城管局", "各乡镇（街道）"], "first", None),
    ]
    assert notice.warnings == []


def test_layout5_star_marks_the_lead_in_a_table(tmp_path):
    table = [["序号", "重点任务", "牵头领导", "责任单位"],
             ["1", "新建幼儿园2所", "王某", "县财政局、县教体局*"],
             ["2", "新增城镇就业2000人", "王某", "*县人社局\n县财政局"],
             ["注：标*的为牵头单位", "<", "<", "<"]]
    notice = parse_notice(write_docx(tmp_path, [table]))
    assert rows_of(notice) == [
        ("1", "", None, "新建幼儿园2所", ["王某"], ["县教体局"], ["县财政局"], "marker", None),
        ("2", "", None, "新增城镇就业2000人", ["王某"], ["县人社局"], ["县财政局"], "marker", None),
    ]
    assert notice.warnings == []


def test_layout5_bold_note_in_the_unit_list_of_a_docx(tmp_path):
    table = [["序号", "重点任务", "牵头领导", "责任单位"],
             ["1", "新建幼儿园2所", "王某", "县财政局、县教体局（黑体为主办单位，其他为协办单位，下同）"],
             ["2", "新增城镇就业2000人", "王某", "县财政局、县人社局"]]
    bold = {"bold": {"县教体局", "县人社局"}}
    notice = parse_notice(write_docx(tmp_path, [table], cell_options={(0, 1, 3): bold, (0, 2, 3): bold}))
    assert rows_of(notice) == [
        ("1", "", None, "新建幼儿园2所", ["王某"], ["县教体局"], ["县财政局"], "bold", None),
        ("2", "", None, "新增城镇就业2000人", ["王某"], ["县人社局"], ["县财政局"], "bold", None),
    ]


def test_layout5_first_rule_reaches_the_ledger_source(tmp_path):
    from toolkit.ledger import load_ledger
    from toolkit.workspace import Workspace

    (tmp_path / "inputs").mkdir()
    path = write_txt(tmp_path / "inputs", ["现将任务分解如下（排序第一的单位牵头）。", "一、重点任务",
                                           "1.新开工项目25个。（牵头领导：王某。责任单位：县发改局、县财政局）"])
    assert run_toolkit(tmp_path, "parse", str(path)).returncode == 0
    rows = {(a.task_id, a.unit): (a.role, a.source) for a in load_ledger(Workspace.at(str(tmp_path))).assignments}
    assert rows == {("1", "县发改局"): ("主办", "首位约定"), ("1", "县财政局"): ("协办", "首位约定")}


def test_layout5_note_in_a_column_header_and_a_quoted_star(tmp_path):
    first = [["序号", "重点任务", "牵头领导", "责任单位（排名第一的为牵头单位）"],
             ["1", "新建幼儿园2所", "王某某\n（副县长）", "县教体局、县财政局"]]
    task = parse_notice(write_docx(tmp_path, [first], name="a.docx")).tasks[0]
    assert (task.leaders, task.lead_units, task.co_units, task.lead_rule) == (
        ["王某某（副县长）"], ["县教体局"], ["县财政局"], "first")
    star = parse_notice(write_txt(tmp_path, ["一、重点任务", "1.新建公园3个。（牵头领导：王某。责任单位："
                                             "县住建局、县城管局*（标注“*”的为牵头单位））"])).tasks[0]
    assert (star.lead_units, star.co_units, star.lead_rule) == (["县城管局"], ["县住建局"], "marker")


# ----------------------------------------------------------------------------------------------- layout 6

def test_layout6_collective_and_bracketed_units_are_units(tmp_path):
    body = ["一、重点任务",
            "1.开展安全生产大检查。（牵头领导：王某。责任单位：县应急局、县各有关单位）",
            "2.推进区域协同发展。（牵头领导：王某。责任单位：县发改局，各区县政府（某某新区、某某管委会），"
            "市级其他有关单位）",
            "3.整治农村人居环境。",
            "牵头领导：李某",
            "责任单位：县农业农村局、相关乡镇（街道）"]
    for notice in both_formats(tmp_path, body):
        assert rows_of(notice) == [
            ("1", "重点任务", None, "开展安全生产大检查。", ["王某"], ["县应急局"], ["县各有关单位"], "position", None),
            ("2", "重点任务", None, "推进区域协同发展。", ["王某"], ["县发改局"],
             ["各区县政府（某某新区、某某管委会）", "市级其他有关单位"], "position", None),
            ("3", "重点任务", None, "整治农村人居环境。", ["李某"], ["县农业农村局"], ["相关乡镇（街道）"], "position", None),
        ]
        assert notice.warnings == []


# ----------------------------------------------------------------------------------------------- layout 7

def test_layout7_names_from_pdf_conversions_are_normalised_task_text_kept(tmp_path):
    body = ["一、重点任务",
            "1.新建停车场(含充电桩)3处。(牵头领导:王 某;责任单位:县 住建局, 县交通运输局;完成时限:9月底前)",
            "2.推进文旅融合发展。（牵头领导：王 某李 某。责任单位：县文旅局、 县交通局(牵头)、各乡镇(街道)）",
            "3.新建村级养老服务站10个。（牵头领导：李某某 赵 某。责任单位：县民政局 县卫健局）"]
    for notice in both_formats(tmp_path, body):
        assert rows_of(notice) == [
            ("1", "重点任务", None, "新建停车场(含充电桩)3处。", ["王某"], ["县住建局"], ["县交通运输局"], "position",
             "9月底前"),
            ("2", "重点任务", None, "推进文旅融合发展。", ["王某", "李某"], ["县交通局"],
             ["县文旅局", "各乡镇（街道）"], "marker", None),
            ("3", "重点任务", None, "新建村级养老服务站10个。", ["李某某", "赵某"], ["县民政局"], ["县卫健局"],
             "position", None),
        ]


def test_layout7_two_leaders_run_together_in_a_table_cell(tmp_path):
    table = [["序号", "重点任务", "牵头领导", "牵头单位", "配合单位"],
             ["1", "推进文旅融合发展", "王 某李 某", "县文旅局县交通局", "县 财政局"]]
    task = parse_notice(write_docx(tmp_path, [table])).tasks[0]
    assert (task.leaders, task.lead_units, task.co_units) == (["王某", "李某"], ["县文旅局", "县交通局"], ["县财政局"])


# ----------------------------------------------------------------------------------------------- layout 8

def test_layout8_line_breaks_inside_cells_are_kept(tmp_path):
    table = [["序号", "重点任务", "牵头领导", "责任单位", "完成时限"],
             ["1", "实施城区道路改造\n同步完成雨污分流", "王某", "县住建局", "6月底前开工\n12月底前完工"],
             ["2", "建设智慧停车系统", "王某", "县城管局", "9月底前完成招标\n年底前建成"]]
    options = {(0, 1, 2): {"line_breaks": True}, (0, 1, 4): {"line_breaks": True}}   # w:br in row 1
    notice = parse_notice(write_docx(tmp_path, [table], cell_options=options))
    assert rows_of(notice) == [
        ("1", "", None, "实施城区道路改造\n同步完成雨污分流", ["王某"], ["县住建局"], [], "position",
         "6月底前开工\n12月底前完工"),
        ("2", "", None, "建设智慧停车系统", ["王某"], ["县城管局"], [], "position", "9月底前完成招标\n年底前建成"),
    ]
    assert [t.due.isoformat() for t in notice.tasks] == ["2024-12-31", "2024-12-31"]


# ----------------------------------------------------------------------------------------------- more shapes

def test_leader_after_a_heading_inline_labels_and_role_words_after_names(tmp_path):
    notice = parse_notice(write_txt(tmp_path, [
        "一、工业经济（牵头领导：王某某）",
        "1.新培育规上工业企业15家。责任单位：县工信局、县统计局",
        "2.实施技改项目20个　牵头单位：县工信局　配合单位：县财政局",
        "二、社会事业",
        "牵头领导：李某，下同",
        "3.新增城镇就业2000人。（责任单位：县人社局牵头，县财政局、县教体局配合）",
        "4.开展全民健身活动。（责任单位：县文体局等单位）",
    ]))
    assert rows_of(notice) == [
        ("1", "工业经济", None, "新培育规上工业企业15家。", ["王某某"], ["县工信局"], ["县统计局"], "position", None),
        ("2", "工业经济", None, "实施技改项目20个", ["王某某"], ["县工信局"], ["县财政局"], "field", None),
        ("3", "社会事业", None, "新增城镇就业2000人。", ["李某"], ["县人社局"], ["县财政局", "县教体局"], "marker", None),
        ("4", "社会事业", None, "开展全民健身活动。", ["李某"], ["县文体局"], [], "position", None),
    ]
    assert notice.warnings == []


def test_square_bracket_tails_and_units_joined_by_he_or_ji(tmp_path):
    notice = parse_notice(write_txt(tmp_path, [
        "一、重点任务",
        "1.新开工项目25个。【牵头领导：王某；责任单位：县发展和改革局、县财政局及各乡镇（街道）】",
        "2.推进城乡供水一体化【责任单位：县水利局和县住房和城乡建设局】",
    ]))
    assert rows_of(notice) == [
        ("1", "重点任务", None, "新开工项目25个。", ["王某"], ["县发展和改革局"], ["县财政局", "各乡镇（街道）"],
         "position", None),
        ("2", "重点任务", None, "推进城乡供水一体化", [], ["县水利局"], ["县住房和城乡建设局"], "position", None),
    ]


def test_tasks_numbered_like_sections_with_a_unit_line(tmp_path):
    notice = parse_notice(write_txt(tmp_path, [
        "一、完成城区绿化提升工程",
        "责任单位：县住建局、县城管局",
        "二、建设县域医共体（牵头领导：赵某；责任单位：县卫健局）",
    ]))
    assert rows_of(notice) == [
        ("1", "", None, "完成城区绿化提升工程", [], ["县住建局"], ["县城管局"], "position", None),
        ("2", "", None, "建设县域医共体", ["赵某"], ["县卫健局"], [], "position", None),
    ]


def test_a_responsibility_tail_broken_over_two_lines(tmp_path):
    notice = parse_notice(write_txt(tmp_path, [
        "一、重点任务",
        "1.新开工项目25个。（牵头领导：王某。",
        "责任单位：县发改局、县财政局）",
        "2.新建公园3个。（牵头领导：王某。责任单位：县住建局）",
    ]))
    assert [(t.text, t.lead_units, t.co_units) for t in notice.tasks] == [
        ("新开工项目25个。", ["县发改局"], ["县财政局"]), ("新建公园3个。", ["县住建局"], [])]
    assert notice.warnings == []


def test_a_tail_wrapped_inside_a_unit_name(tmp_path):
    notice = parse_notice(write_txt(tmp_path, [
        "一、重点任务", "1.新开工项目25个。（牵头领导：王某。责任单位：县发", "改局、县财政局）"]))
    task = notice.tasks[0]
    assert (task.text, task.lead_units, task.co_units) == ("新开工项目25个。", ["县发改局"], ["县财政局"])


def test_labels_inside_a_table_cell_short_labels_and_other_separators(tmp_path):
    table = [["序号", "工作任务", "责任领导", "责任分工", "时间安排"],
             ["1", "推进城乡供水一体化", "王某某同志", "牵头：县水利局\n配合：县财政局、各乡镇（街道）", "年底前"],
             ["2", "新建公园3个", "李某/赵某", "县住建局/县城管局", "9月底前"]]
    notice = parse_notice(write_docx(tmp_path, [table]))
    assert rows_of(notice) == [
        ("1", "", None, "推进城乡供水一体化", ["王某某"], ["县水利局"], ["县财政局", "各乡镇（街道）"], "field", "年底前"),
        ("2", "", None, "新建公园3个", ["李某", "赵某"], ["县住建局"], ["县城管局"], "position", "9月底前"),
    ]


def test_text_inside_a_hyperlink_in_a_docx_is_read(tmp_path):
    import docx
    from docx.oxml import OxmlElement

    path = write_docx(tmp_path, ["一、重点任务", "1.新开工项目25个。（牵头领导：王某。责任单位：县发改局、）"])
    document = docx.Document(str(path))
    paragraph = next(p for p in document.paragraphs if p.text.startswith("1."))
    link = OxmlElement("w:hyperlink")
    link.append(paragraph.add_run("县财政局")._r)
    paragraph.runs[0]._r.addnext(link)   # the unit sits in a hyperlink, between the two runs of the tail
    paragraph.runs[0].text = "1.新开工项目25个。（牵头领导：王某。责任单位：县发改局、"
    paragraph.add_run("）")
    document.save(str(path))
    task = parse_notice(path).tasks[0]
    assert (task.lead_units, task.co_units) == (["县发改局"], ["县财政局"])


# ----------------------------------------------------------------------------------------------- never silent

def test_every_unit_of_every_layout_is_placed_or_warned(tmp_path):
    for number, body in enumerate([LAYOUT1, LAYOUT3, LAYOUT4]):
        path = write_txt(tmp_path, body, name=f"{number}.txt")
        assert_no_unit_dropped(parse_notice(path), path.read_text(encoding="utf-8"))


def test_a_bracket_that_never_closes_is_warned_with_the_task_number(tmp_path):
    notice = parse_notice(write_txt(tmp_path, [
        "一、重点任务",
        "1.新开工项目25个。（牵头领导：王某。责任单位：县发改局、县财政局",
        "2.新建公园3个。（牵头领导：王某。责任单位：县住建局（牵头、县城管局）",
    ]))
    first, second = notice.tasks
    assert (first.text, first.lead_units, first.co_units) == ("新开工项目25个。", ["县发改局"], ["县财政局"])
    assert any(w.startswith("第1项任务") and "括号没有闭合" in w and "县财政局" in w for w in notice.warnings)
    assert "县住建局" in " ".join(second.units) and "县城管局" in " ".join(second.units)
    assert any(w.startswith("第2项任务") and "括号没有闭合" in w for w in notice.warnings)


def test_a_unit_list_that_cannot_be_split_is_warned(tmp_path):
    run_on = "县发展和改革局牵头会同县财政局县自然资源局县住房和城乡建设局共同推进"
    notice = parse_notice(write_txt(tmp_path, ["一、重点任务", f"1.新开工项目25个。（牵头领导：王某。责任单位：{run_on}）"]))
    assert notice.tasks[0].lead_units == [run_on]
    assert any(w.startswith("第1项任务") and run_on in w for w in notice.warnings)


def test_text_after_a_full_stop_in_the_responsibility_is_warned(tmp_path):
    notice = parse_notice(write_txt(tmp_path, [
        "一、重点任务", "1.新开工项目25个。（牵头领导：王某。责任单位：县发改局。县财政局做好资金保障）"]))
    assert notice.tasks[0].lead_units == ["县发改局"]
    assert any(w.startswith("第1项任务") and "县财政局做好资金保障" in w for w in notice.warnings)


def test_a_table_row_without_a_task_text_is_warned(tmp_path):
    table = [["序号", "重点任务", "牵头领导", "责任单位"],
             ["1", "新建幼儿园2所", "王某", "县教体局"],
             ["2", "", "李某", "县卫健局"]]
    notice = parse_notice(write_docx(tmp_path, [table]))
    assert [t.id for t in notice.tasks] == ["1"]
    assert any("序号为 2 的行没有任务内容" in w and "县卫健局" in w and "李某" in w for w in notice.warnings)


def test_a_task_without_units_is_warned(tmp_path):
    notice = parse_notice(write_txt(tmp_path, ["一、王某县长牵头", "1.新开工项目25个。", "完成时限：6月底前"]))
    assert notice.tasks[0].leaders == ["王某"]
    assert any(w.startswith("第1项任务没有找到责任单位") for w in notice.warnings)


def test_a_run_on_task_text_is_warned_and_read_quickly(tmp_path):
    run_on = "推进重点项目建设，新开工项目25个，完成投资30亿元，" * 2000
    started = time.monotonic()
    notice = parse_notice(write_txt(tmp_path, ["一、重点任务", f"1.{run_on}（牵头领导：王某。责任单位：县发改局）"]))
    assert time.monotonic() - started < 5
    assert notice.tasks[0].lead_units == ["县发改局"] and notice.tasks[0].indicators == []
    assert any(w.startswith("第1项任务：任务文字有 54000 字") for w in notice.warnings)


def test_a_row_broken_over_a_page_joins_the_task_above_and_is_reported(tmp_path):
    table = [["序号", "重点任务", "牵头领导", "牵头单位", "配合单位"],
             ["1", "新建5G基站200个，实现乡镇", "王某", "县工信局", "县发改局"],
             ["", "以上区域全覆盖", "", "", "县住建局"],
             ["2", "建设智慧停车场3处", "王某", "县住建局", "县公安局"],
             ["", "", "", "", "县城管局"]]
    notice = parse_notice(write_docx(tmp_path, [table]))
    assert rows_of(notice) == [
        ("1", "", None, "新建5G基站200个，实现乡镇以上区域全覆盖", ["王某"], ["县工信局"], ["县发改局", "县住建局"],
         "field", None),
        ("2", "", None, "建设智慧停车场3处", ["王某"], ["县住建局"], ["县公安局", "县城管局"], "field", None),
    ]
    assert len(notice.warnings) == 1 and "序号 1 下面一行没有序号" in notice.warnings[0]


def test_a_table_without_a_header_is_warned_when_tasks_come_from_tables(tmp_path):
    tasks = [["序号", "重点任务", "牵头领导", "责任单位"], ["1", "新建幼儿园2所", "王某", "县教体局"],
             ["2", "新增城镇就业2000人", "李某", "县人社局"]]
    stray = [["新建公园3个", "县住建局"], ["改造老旧小区12个", "县住建局"]]
    notice = parse_notice(write_docx(tmp_path, [tasks, stray]))
    assert [t.id for t in notice.tasks] == ["1", "2"]
    assert any(w.startswith("第2个表格没有可识别的表头") and "新建公园3个" in w for w in notice.warnings)


def test_tasks_of_the_layout_not_chosen_are_warned(tmp_path):
    table = [["序号", "重点任务", "牵头领导", "责任单位"], ["1", "新建幼儿园2所", "王某", "县教体局"],
             ["2", "新增城镇就业2000人", "李某", "县人社局"]]
    notice = parse_notice(write_docx(tmp_path, ["一、其他事项", "1.做好防汛准备。（责任单位：县水利局）", table]))
    assert [t.text for t in notice.tasks] == ["新建幼儿园2所", "新增城镇就业2000人"]
    assert any("段落中另有 1 项" in w and "做好防汛准备" in w for w in notice.warnings)


# ----------------------------------------------------------------------------------------------- parse --check

def test_check_prints_the_task_table_and_warnings_and_writes_nothing(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    path = write_txt(tmp_path, LAYOUT1[:6] + ["（三）建成城市书房3处（牵头领导：李某。责任单位：县文体局"])
    result = run_toolkit(ws, "parse", str(path), "--check")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("序号 | "))
    assert lines[header] == "序号 | 任务内容 | 牵头领导 | 主办单位 | 协办单位 | 完成时限 | 主办依据"
    assert lines[header + 1] == "1 | 新培育规上工业企业15家 | — | 县工信局 | 县统计局 | — | 排第一位（推定）"
    assert lines[header + 2].startswith("2 | 完成固定资产投资120亿元，其中… | — | 县发改局 | 各乡镇（街道） | 2024年12月底 |")
    assert lines[header + 3].startswith("3 | 建成城市书房3处 | 李某 | 县文体局 | — |")
    assert any(line.startswith("提醒：第3项任务") and "括号没有闭合" in line for line in lines)
    assert "没有写入任何文件" in result.stdout
    assert list(ws.iterdir()) == [], "--check must write nothing"


def test_check_without_warnings_exits_0(tmp_path):
    result = run_toolkit(tmp_path, "parse", str(write_txt(tmp_path, LAYOUT1)), "--check")
    assert result.returncode == 0 and "提醒：第" not in result.stdout
    assert not (tmp_path / "outputs").exists()


# ----------------------------------------------------------------------------------------------- size limits

def test_a_huge_text_file_is_refused_quickly_leaving_nothing_behind(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    path = tmp_path / "通知.txt"
    line = "1.新开工项目25个。（牵头领导：王某。责任单位：县发改局、县财政局）\n".encode("utf-8")
    path.write_bytes(line * (21 * 1024 * 1024 // len(line) + 1))
    started = time.monotonic()
    result = run_toolkit(ws, "parse", str(path))
    assert time.monotonic() - started < 10
    assert result.returncode == 2 and "20 MB" in result.stderr and "Traceback" not in result.stderr
    assert list(ws.iterdir()) == [], "nothing may be left behind (no outputs, lock or temporary file)"


def test_a_docx_too_large_unpacked_is_refused_before_reading(tmp_path):
    path = write_docx(tmp_path, ["一、重点任务", "1.新开工项目25个。（牵头领导：王某。责任单位：县发改局）"])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/media/image1.png", b"\0" * (51 * 1024 * 1024))
    started = time.monotonic()
    with pytest.raises(ToolkitError, match="解压后") as caught:
        parse_notice(path)
    assert time.monotonic() - started < 2
    assert "50 MB" in caught.value.message and "图片" in caught.value.message


def test_a_notice_just_under_the_limits_is_read(tmp_path):
    path = write_docx(tmp_path, ["一、重点任务", "1.新开工项目25个。（牵头领导：王某。责任单位：县发改局）"])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/media/image1.png", b"\0" * (40 * 1024 * 1024))
    assert [t.lead_units for t in parse_notice(path).tasks] == [["县发改局"]]


def test_readme_lists_every_layout_and_shows_check():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    formats = readme.split("### 能读取的通知格式")[1].split("\n## ")[0]
    for example in ("（一）新培育规上工业企业15家", "王某某县长牵头重点工作", "列第一位的为工作牵头单位或汇总单位",
                    "标*的为牵头单位", "县各有关单位", "王 某李 某", "分 管 县领导", "12月底前完工", "\t工作任务\t"):
        assert example in formats, example
    assert "toolkit parse 通知 --check" in readme and "主办依据" in readme


# ----------------------------------------------------------------------------------------------- no crash

PIECES = ["一、", "（一）", "(二)", "1.", "2、", "（", "）", "牵头领导：", "责任单位：", "牵头：", "配合单位:", "完成时限：",
          "王 某", "李某某", "县发改局", "县财政局*", "、", "，", "。", "；", "\t", "  ", "\n", "序号", "重点任务",
          "分管县领导", "列第一位的为牵头单位", "下同", "各乡镇（街道）", "注：", "6月底前", "标*的为牵头单位",
          "王某某县长牵头", "同志", "等", "/", "无", "2024年3月1日", "人民政府", "抄送："]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=60))
def test_any_text_made_of_notice_words_parses_or_is_refused_in_chinese(tmp_path, pieces):
    """Whatever the clerk pastes, the parser either gives tasks or a ToolkitError, never an internal error."""
    path = tmp_path / "n.txt"
    path.write_text("".join(pieces), encoding="utf-8")
    try:
        notice = parse_notice(path)
    except ToolkitError as exc:
        assert "没有识别出任务" in exc.message
        return
    assert all(t.id and isinstance(t.text, str) for t in notice.tasks)
