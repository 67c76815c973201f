"""The per-unit fill-in workbooks (toolkit/forms/): layout contract, identity, issue, LibreOffice round trips."""
from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import convert_with_soffice, run_toolkit

from toolkit import forms
from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.models import (CO, LEAD, REPORTABLE_STATES, Assignment, IndicatorRecord, Ledger, NoticeInfo,
                            ProgressRecord, Task, TaskStatus)
from toolkit.workspace import Workspace, safe_file_name

REPO = Path(__file__).resolve().parent.parent
NOTICE = REPO / "inputs" / "济兖政发〔2024〕1号.txt"
KEY = bytes(range(32))
ISSUED = datetime(2024, 3, 18, 9, 0)
DUE = datetime(2024, 3, 21, 17, 0)
DISPLAY = "2024年第12周（3月18日—3月24日）"


# ----------------------------------------------------------------------------------------------- helpers

def forms_sample_rows():
    tasks = [
        forms.TaskRow("3", "全力推进太阳纸业总投资100亿元170万吨浆纸一体化项目。" * 8, LEAD, "张三",
                      "新建5G基站200个\n营收30亿元", "序时推进", "项目主体完工60%。"),
        forms.TaskRow("12", "=HYPERLINK(\"http://x\",\"点我\") 配合做好招商引资工作", CO, "李四", "", "", ""),
    ]
    indicators = [forms.IndicatorRow("3#1", "3", "新建5G基站200个", 200.0, "个", 80.0),
                  forms.IndicatorRow("3#2", "3", "营收30亿元", 30.0, "亿元", None)]
    return tasks, indicators


def forms_write_sample(path: Path, unit="区工业和信息化局", period_id="2024-W12"):
    tasks, indicators = forms_sample_rows()
    identity = forms.make_identity(unit, period_id, [t.task_id for t in tasks], ISSUED)
    forms.write_unit_workbook(path, unit, DISPLAY, DUE, tasks, indicators, identity,
                              forms.sign_identity(KEY, identity), title_prefix="兖州区")
    return identity


def calamine_sheets(path: Path) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def meta_of(sheets) -> dict[str, str]:
    return {row[0]: row[1] for row in sheets[forms.META_SHEET] if row and row[0]}


def names_and_properties(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    import openpyxl

    book = openpyxl.load_workbook(path)
    names = {}
    for name in book.defined_names:
        text = book.defined_names[name].attr_text
        if text.startswith('"'):
            names[name] = text[1:-1].replace('""', '"')
    props = {p.name: p.value for p in book.custom_doc_props.props}
    return names, props


def joined(chunks: dict[str, str], key: str) -> str:
    base = "TK_" + key.upper()
    parts, n = [chunks[base]], 2
    while f"{base}_{n}" in chunks:
        parts.append(chunks[f"{base}_{n}"])
        n += 1
    return "".join(parts)


# ----------------------------------------------------------------------------------------------- identity

def test_signature_accepts_untouched_identity():
    identity = forms.make_identity("区财政局", "2024-W12", ["1", "2-1-3"], ISSUED)
    signature = forms.sign_identity(KEY, identity)
    assert len(signature) == 64
    assert forms.verify_identity(KEY, dict(identity), signature)
    assert forms.verify_identity(KEY, dict(identity), signature.upper())


@pytest.mark.parametrize("field,value", [("unit", "区教育和体育局"), ("period", "2024-W13"),
                                         ("tasks", "1"), ("tasks", "1,2-1-3,5"), ("tasks", "2-1-3,1"),
                                         ("issued", "2024-03-19T09:00:00"), ("schema", "2")])
def test_signature_rejects_changed_identity(field, value):
    identity = forms.make_identity("区财政局", "2024-W12", ["1", "2-1-3"], ISSUED)
    signature = forms.sign_identity(KEY, identity)
    changed = {**identity, field: value}
    assert not forms.verify_identity(KEY, changed, signature)


def test_signature_rejects_other_key_and_malformed_input():
    identity = forms.make_identity("区财政局", "2024-W12", ["1"], ISSUED)
    signature = forms.sign_identity(KEY, identity)
    assert not forms.verify_identity(b"x" * 32, identity, signature)
    assert not forms.verify_identity(KEY, {k: v for k, v in identity.items() if k != "unit"}, signature)
    assert not forms.verify_identity(KEY, {**identity, "schema": 1.0}, signature)
    assert not forms.verify_identity(KEY, identity, None)
    with pytest.raises(ValueError):
        forms.sign_identity(KEY, {**identity, "period": None})


def test_canonical_form_cannot_be_shifted_between_fields():
    a = forms.make_identity("区财政局", "2024-W12", ["1"], ISSUED)
    b = {**a, "unit": "区财政局,2024-W12", "period": ""}
    assert forms.canonical_identity(a) != forms.canonical_identity(b)


def test_office_key_created_once_in_outputs(tmp_path):
    ws = Workspace.at(tmp_path)
    key = forms.office_key(ws)
    assert len(key) == 32
    assert ws.office_key == tmp_path / "outputs" / ".office_key"
    assert forms.office_key(ws) == key
    assert Workspace.at(tmp_path).office_key.read_bytes() == key


def test_office_key_truncated_is_refused(tmp_path):
    ws = Workspace.at(tmp_path)
    ws.outputs.mkdir()
    ws.office_key.write_bytes(b"short")
    with pytest.raises(ToolkitError) as err:
        forms.office_key(ws)
    assert "备份" in err.value.message


# ----------------------------------------------------------------------------------------------- layout

def test_workbook_follows_layout_contract(tmp_path):
    path = tmp_path / "u.xlsx"
    identity = forms_write_sample(path)
    sheets = calamine_sheets(path)
    assert list(sheets) == [forms.TASK_SHEET, forms.INDICATOR_SHEET, forms.LIST_SHEET, forms.META_SHEET]

    main = sheets[forms.TASK_SHEET]
    assert "2024年第12周（3月18日—3月24日）" in main[0][0] and main[0][0].startswith("兖州区")
    assert main[1][0] == "填报单位" and main[1][1] == "区工业和信息化局"
    assert main[1][3] == "报送截止" and main[1][4] == "2024年3月21日（星期四）17:00前"
    assert tuple(main[forms.TASK_HEADER_ROW - 1]) == forms.TASK_HEADERS
    first = forms.TASK_FIRST_ROW - 1
    lead, co = main[first], main[first + 1]
    col = forms.TASK_HEADERS.index
    assert lead[col("序号")] == "3" and lead[col("本单位角色")] == LEAD
    assert lead[col("量化指标")] == "新建5G基站200个\n营收30亿元"
    assert lead[col("上期状态")] == "序时推进" and lead[col("上期进展")] == "项目主体完工60%。"
    assert lead[col("本期进展")] == "项目主体完工60%。"          # pre-filled
    assert lead[col("本期状态")] == "" and lead[col("完成进度（%）")] == ""
    assert co[col("序号")] == "12" and co[col("本单位角色")] == CO
    assert co[col("任务内容")].startswith("=HYPERLINK")          # text, not a formula

    for label, row in forms.footer_rows(2).items():
        assert main[row - 1][1] == label
    assert forms.footer_rows(2)["填报人"] == forms.TASK_FIRST_ROW + 2 + 1

    ind = sheets[forms.INDICATOR_SHEET]
    assert tuple(ind[forms.INDICATOR_HEADER_ROW - 1]) == forms.INDICATOR_HEADERS
    assert ind[2][:5] == ["3#1", "3", "新建5G基站200个", 200.0, "个"] and ind[2][6] == 80.0
    assert ind[3][0] == "3#2" and ind[3][6] == ""
    assert [r[0] for r in sheets[forms.LIST_SHEET]] == list(REPORTABLE_STATES)

    meta = meta_of(sheets)
    assert {k: meta[k] for k in forms.IDENTITY_FIELDS} == identity
    assert forms.verify_identity(KEY, meta, meta["signature"])
    assert meta["task_count"] == "2" and meta["indicator_count"] == "2"
    assert meta["filler_cell"] == f"C{forms.footer_rows(2)['填报人']}"


def test_formula_text_is_stored_as_a_string(tmp_path):
    path = tmp_path / "u.xlsx"
    forms_write_sample(path)
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_validation_protection_and_print_setup(tmp_path):
    import openpyxl

    path = tmp_path / "u.xlsx"
    forms_write_sample(path)
    book = openpyxl.load_workbook(path)
    main = book[forms.TASK_SHEET]
    # issue 13 adds a second list rule (申请销号 是/空): the states dropdown is the list rule naming TK_STATES
    rules = {dv.type: dv for dv in main.data_validations.dataValidation
             if dv.type != "list" or forms.STATES_NAME in (dv.formula1 or "")}
    assert rules["list"].formula1 == forms.STATES_NAME and str(rules["list"].sqref) == "H4:H5"
    assert rules["list"].showErrorMessage and rules["list"].errorStyle in (None, "stop")
    assert (rules["decimal"].formula1, rules["decimal"].formula2) == ("0", "100")
    assert book.defined_names[forms.STATES_NAME].attr_text == "_lists!$A$1:$A$4"
    assert main.protection.sheet and not main.protection.password
    for cell in ("H4", "I4", "J4", "K4", "L4", "H5", "C7", "C8", "C9"):
        assert main[cell].protection.locked is False, cell
    for cell in ("A4", "B4", "F4", "G4", "B7"):
        assert main[cell].protection.locked is not False, cell
    blanks = {str(r.sqref) for r in main.conditional_formatting}
    assert {"H4:H5", "I4:I5", "J4:J5", "C7", "C8"} <= blanks

    assert main.page_setup.orientation == "landscape" and int(main.page_setup.paperSize) == 9
    assert main.sheet_properties.pageSetUpPr.fitToPage and main.page_setup.fitToHeight == 0
    assert main.print_title_rows == "$1:$3"
    assert main.column_dimensions["B"].width >= 24

    ind = book[forms.INDICATOR_SHEET]
    rule = ind.data_validations.dataValidation[0]
    assert (rule.type, rule.operator, rule.formula1, str(rule.sqref)) == ("decimal", "greaterThanOrEqual", "0", "G3:G4")
    assert ind["G3"].protection.locked is False and ind["D3"].protection.locked is not False
    assert book[forms.META_SHEET].sheet_state == "veryHidden" and book[forms.LIST_SHEET].sheet_state == "hidden"


def test_identity_in_defined_names_and_properties(tmp_path):
    path = tmp_path / "u.xlsx"
    long_ids = [str(n) for n in range(1, 120)]       # "1,2,…,119" is longer than 255 characters
    identity = forms.make_identity("区工业和信息化局", "2024-W12", long_ids, ISSUED)
    signature = forms.sign_identity(KEY, identity)
    tasks = [forms.TaskRow(t, f"任务{t}", LEAD, "", "") for t in long_ids]
    forms.write_unit_workbook(path, "区工业和信息化局", DISPLAY, DUE, tasks, [], identity, signature)
    names, props = names_and_properties(path)
    for chunks in (names, props):
        for key in forms.IDENTITY_FIELDS:
            assert joined(chunks, key) == identity[key]
        assert joined(chunks, "signature") == signature
        assert "TK_TASKS_2" in chunks
    assert all(isinstance(v, str) for v in props.values())


def test_office_key_never_inside_a_workbook(tmp_path):
    ws = Workspace.at(tmp_path)
    key = forms.office_key(ws)
    tasks, indicators = forms_sample_rows()
    identity = forms.make_identity("区财政局", "2024-W12", ["3", "12"], ISSUED)
    path = tmp_path / "u.xlsx"
    forms.write_unit_workbook(path, "区财政局", DISPLAY, DUE, tasks, indicators, identity,
                              forms.sign_identity(key, identity))
    with zipfile.ZipFile(path) as z:
        blob = b"".join(z.read(n) for n in z.namelist())
    assert key not in blob and key.hex().encode() not in blob


def test_row_heights_grow_with_wrapped_text():
    short = forms.row_height(["一二三"], [20])
    long = forms.row_height(["一" * 100], [20])
    assert long > short and long == pytest.approx(11 * forms.LINE_HEIGHT + 4)  # 200 units over 18.5 a line
    assert forms.row_height(["一" * 10000], [20]) == forms.MAX_ROW_HEIGHT
    assert forms.row_height(["a\nb\nc"], [40]) == pytest.approx(3 * forms.LINE_HEIGHT + 4)


def test_safe_file_name():
    assert safe_file_name("区住房/城乡建设局") == "区住房_城乡建设局"
    assert safe_file_name('a:b*c?"<>|') == "a_b_c_____"


# ----------------------------------------------------------------------------------------------- planning

def forms_ledger() -> Ledger:
    def task(tid, seq, lead, co):
        return Task(tid, seq, "二、制造强区", None, f"第{tid}项任务内容", leaders=["王副区长"],
                    lead_units=lead, co_units=co)

    tasks = [task("1", 1, ["区财政局"], ["各镇街"]), task("2", 2, ["区发改局"], ["区财政局"]),
             task("3", 3, ["各镇街"], []), task("4", 4, ["区发改局"], ["相关镇街"]),
             task("5", 5, ["区发改局"], ["相关镇街"])]
    assignments = [Assignment("1", "区财政局", LEAD, "粗体"), Assignment("1", "各镇街", CO, "粗体"),
                   Assignment("2", "区发改局", LEAD, "粗体"), Assignment("2", "区财政局", CO, "粗体"),
                   Assignment("3", "各镇街", LEAD, "粗体"),
                   Assignment("4", "区发改局", LEAD, "粗体"), Assignment("4", "相关镇街", CO, "粗体"),
                   Assignment("4", "甲镇", CO, "人工"),
                   Assignment("5", "区发改局", LEAD, "粗体"), Assignment("5", "相关镇街", CO, "粗体")]
    indicators = [IndicatorRecord("1#1", "1", "新增税收5亿元", 5.0, "亿元", 1.2),
                  IndicatorRecord("2#1", "2", "开工项目30个", 30.0, "个")]
    status = {"1": TaskStatus(state="滞后", latest="台账里的最新进展"),
              "2": TaskStatus(state="序时推进", latest="发改局上周进展"),
              "4": TaskStatus()}                     # a fresh ledger: 未报送, never reported
    progress = [
        ProgressRecord("2024-W10", "区财政局", "1", LEAD, "序时推进", 20, "第10周文本", "", ""),
        ProgressRecord("2024-W11", "区财政局", "1", LEAD, "滞后", 25, "第11周文本", "", ""),
        ProgressRecord("2024-W12", "区财政局", "1", LEAD, "已完成", 100, "本期已收的文本", "", ""),
        ProgressRecord("2024-W11", "区财政局", "2", CO, "序时推进", None, "财政局协办反馈", "", ""),
    ]
    return Ledger(NoticeInfo(title="测试通知", date=date(2024, 2, 20)), tasks, assignments, indicators, [],
                  status=status, progress=progress)


def forms_directory_units():
    from toolkit.directory import Unit

    return [Unit("区财政局", category="区直部门", contact="赵会计", phone="0537-1111111"),
            Unit("区发改局", category="区直部门"), Unit("甲镇", category="镇街"), Unit("乙街道", category="镇街")]


def test_last_reports_take_latest_accepted_before_the_period():
    from toolkit.periods import period_end_of
    from toolkit.progress import last_reports

    reports = last_reports(forms_ledger(), date(2024, 3, 18), period_end_of)
    assert reports[("区财政局", "1")].text == "第11周文本"
    assert reports[("区财政局", "2")].text == "财政局协办反馈"


def test_plan_forms_orders_roles_and_prefills():
    from toolkit.directory import Directory, unit_tasks
    from toolkit.periods import period_end_of

    ledger = forms_ledger()
    held = unit_tasks(ledger, Directory(forms_directory_units()))
    plans = {f.unit: f for f in forms.plan_forms(ledger, held, date(2024, 3, 18), period_end_of)}
    assert set(plans) == {"区财政局", "区发改局", "甲镇", "乙街道"}
    finance = plans["区财政局"]
    assert [(t.task_id, t.role) for t in finance.tasks] == [("1", LEAD), ("2", CO)]
    assert (finance.tasks[0].last_state, finance.tasks[0].last_text) == ("滞后", "第11周文本")
    assert finance.tasks[1].last_text == "财政局协办反馈"
    assert [i.indicator_id for i in finance.indicators] == ["1#1"]
    reform = plans["区发改局"]
    assert [(t.task_id, t.role) for t in reform.tasks] == [("2", LEAD), ("4", LEAD), ("5", LEAD)]
    assert reform.tasks[0].last_text == "发改局上周进展"             # no report: the ledger's status
    assert (reform.tasks[1].last_state, reform.tasks[1].last_text) == ("", "")
    assert [i.indicator_id for i in reform.indicators] == ["2#1"]
    assert [(t.task_id, t.role) for t in plans["甲镇"].tasks] == [("3", LEAD), ("1", CO), ("4", CO)]
    assert [(t.task_id, t.role) for t in plans["乙街道"].tasks] == [("3", LEAD), ("1", CO)]
    assert plans["乙街道"].tasks[1].last_text == ""                  # co-unit without a report: nothing


# ----------------------------------------------------------------------------------------------- issue

def forms_workspace(tmp_path: Path) -> Workspace:
    from toolkit.directory import write_directory
    from toolkit.ledger import save_ledger

    ws = Workspace.at(tmp_path / "ws")
    ws.inputs.mkdir(parents=True)
    save_ledger(ws, forms_ledger())
    write_directory(ws.directory, forms_directory_units(), [])
    return ws


def test_issue_forms_writes_every_unit_list_and_notice(tmp_path):
    ws = forms_workspace(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = forms.issue_forms(ws, "2024-W12", as_of=date(2024, 3, 18))
    assert outcome.exit_code == 0
    folder = ws.root / "outputs" / "2024-W12" / "下发"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["区财政局.xlsx", "区发改局.xlsx", "甲镇.xlsx", "乙街道.xlsx"])
    key = ws.office_key.read_bytes()
    for path in folder.iterdir():
        meta = meta_of(calamine_sheets(path))
        assert meta["unit"] == path.stem and meta["period"] == "2024-W12"
        assert meta["issued"] == "2024-03-18T09:00:00"
        assert forms.verify_identity(key, meta, meta["signature"])
    assert meta_of(calamine_sheets(folder / "甲镇.xlsx"))["tasks"] == "3,1,4"

    # 相关镇街 of task 5 lists no town → warned, in Chinese, naming the task
    texts = [str(w.message) for w in caught if issubclass(w.category, ToolkitWarning)]
    assert any("“相关镇街”：第5项" in t and "责任分工" in t for t in texts)
    assert not any("第5项" in line for line in outcome.lines())   # printed once, by the CLI's warning handler

    listing = calamine_sheets(ws.root / "outputs" / "2024-W12" / "下发清单.xlsx")["下发清单"]
    assert listing[0] == ["单位", "文件", "主办任务", "协办任务", "报送截止", "联系人", "电话"]
    finance = next(r for r in listing if r[0] == "区财政局")
    assert finance[1:4] == ["下发/区财政局.xlsx", "1", "2"] and finance[5:] == ["赵会计", "0537-1111111"]
    notice = (ws.root / "outputs" / "2024-W12" / "下发通知.txt").read_text(encoding="utf-8")
    assert "2024年第12周" in notice and "2024年3月21日（星期四）17:00前" in notice and "未报送" in notice
    assert any("4 个单位" in line for line in outcome.lines())
    assert ws.returns("2024-W12").is_dir(), "the clerk's inbox for the period is ready"
    assert any(str(ws.returns("2024-W12")) in line for line in outcome.lines())


def test_issue_twice_keeps_the_same_key_and_signatures(tmp_path):
    ws = forms_workspace(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forms.issue_forms(ws, "2024-W12", as_of=date(2024, 3, 18))
        first = meta_of(calamine_sheets(ws.issued_dir("2024-W12") / "甲镇.xlsx"))
        forms.issue_forms(ws, "2024年第12周", as_of=date(2024, 3, 18))
    second = meta_of(calamine_sheets(ws.issued_dir("2024-W12") / "甲镇.xlsx"))
    assert first == second


def test_issue_uses_track_callback(tmp_path):
    ws = forms_workspace(tmp_path)
    seen = []

    def track(iterable, total, description):
        seen.append((total, description))
        return iterable

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forms.issue_forms(ws, "2024-W12", as_of=date(2024, 3, 18), track=track)
    assert seen == [(4, "生成单位填报表")]


# ----------------------------------------------------------------------------------------------- real notice

def real_workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "real"
    (root / "inputs").mkdir(parents=True)
    shutil.copy(NOTICE, root / "inputs" / NOTICE.name)
    run_toolkit(root, "parse", str(root / "inputs" / NOTICE.name), check=True)
    return Workspace.at(root)


def test_real_notice_every_unit_gets_exactly_its_tasks(tmp_path):
    from toolkit.directory import collective, load_directory
    from toolkit.ledger import load_ledger

    ws = real_workspace(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = forms.issue_forms(ws, "2024-W12", as_of=date(2024, 3, 18))
    ledger, directory = load_ledger(ws), load_directory(ws)

    expected: dict[str, dict[str, str]] = {}
    for a in ledger.assignments:          # 责任分工, expanded by hand from the directory
        group = collective(a.unit)
        if group is None:
            name = directory.find(a.unit).name if directory.find(a.unit) else a.unit
            expected.setdefault(name, {})[a.task_id] = LEAD if expected.get(name, {}).get(a.task_id) == LEAD else a.role
        elif not group.related_only:
            for unit in directory.of_category(group.category):
                roles = expected.setdefault(unit.name, {})
                if a.task_id not in roles:
                    roles[a.task_id] = a.role
    got = {}
    for path in outcome.files:
        sheets = calamine_sheets(path)
        meta = meta_of(sheets)
        rows = sheets[forms.TASK_SHEET][forms.TASK_FIRST_ROW - 1:forms.TASK_FIRST_ROW - 1 + int(meta["task_count"])]
        got[meta["unit"]] = {r[0]: r[2] for r in rows}
        assert forms.split_task_ids(meta["tasks"]) == [r[0] for r in rows]
        roles = [r[2] for r in rows]
        assert roles == sorted(roles, key=lambda role: role != LEAD)      # 主办 rows first
    assert got == {unit: roles for unit, roles in expected.items() if roles}

    towns = directory.of_category("镇街")
    assert len(towns) == 4
    every_town_tasks = {a.task_id for a in ledger.assignments if a.unit == "各镇街"}
    assert every_town_tasks
    for town in towns:
        assert every_town_tasks <= set(got[town.name])


def test_real_notice_issue_imports_no_heavy_library(tmp_path):
    ws = real_workspace(tmp_path)
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "toolkit", "-w", str(ws.root), "issue",
                          "2024-W12", "--date", "2024-03-18"], cwd=REPO, capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stdout + run.stderr
    imported = {line.split("|")[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert "xlsxwriter" in imported
    assert not {"openpyxl", "pandas", "matplotlib", "PIL", "docxtpl"} & imported   # start-up cost, not timed here


# ----------------------------------------------------------------------------------------------- LibreOffice

@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_round_trip_keeps_dropdown_protection_identity(tmp_path, fmt):
    import openpyxl

    source = tmp_path / "区工业和信息化局.xlsx"
    identity = forms_write_sample(source)
    saved = convert_with_soffice(source, fmt, tmp_path / "saved")

    sheets = calamine_sheets(saved)
    meta = meta_of(sheets)
    assert forms.verify_identity(KEY, meta, meta["signature"])
    assert {k: meta[k] for k in forms.IDENTITY_FIELDS} == identity
    assert sheets[forms.TASK_SHEET][forms.TASK_FIRST_ROW - 1][0] == "3"

    back = saved if fmt == "xlsx" else convert_with_soffice(saved, "xlsx", tmp_path / "back")
    book = openpyxl.load_workbook(back)
    main = book[forms.TASK_SHEET]
    # issue 13 adds a second list rule (申请销号 是/空): the states dropdown is the list rule naming TK_STATES
    rules = {dv.type: dv for dv in main.data_validations.dataValidation
             if dv.type != "list" or forms.STATES_NAME in (dv.formula1 or "")}
    assert rules["list"].formula1.lstrip("=") == forms.STATES_NAME and "H4" in str(rules["list"].sqref)
    assert rules["list"].showErrorMessage
    assert book.defined_names[forms.STATES_NAME].attr_text.replace("$", "").endswith("_lists!A1:A4")
    assert rules["decimal"].showErrorMessage
    assert main.protection.sheet
    assert main["H4"].protection.locked is False and main["B4"].protection.locked is not False
    names, props = names_and_properties(back)
    for chunks in (names, props):
        assert joined(chunks, "unit") == identity["unit"] and joined(chunks, "tasks") == identity["tasks"]
        assert joined(chunks, "signature") == forms.sign_identity(KEY, identity)
