"""The life of a task (issue 13): 销号 with evidence, 调整时限, 撤销, 退回 — on the bundled notice, with workbooks issued
by `toolkit issue`, filled the way Excel does (openpyxl load → set cells → save), the clerk's decisions typed into the
ledger with openpyxl, and the circular read back from the .docx."""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import SEED_NOTICE, copy_workspace, run_toolkit

from toolkit.workspace import Workspace

W12, W13 = "2024-W12", "2024-W13"
ON_TIME = datetime(2024, 3, 20, 10, 0)
ON_TIME_W13 = datetime(2024, 3, 27, 10, 0)
LEAD = "区工业和信息化局"      # leads tasks 1, 2, 4 and 8 of the bundled notice
CLOSED = "8"
STRETCHED = "1"                 # 区工业和信息化局 asks for a later deadline
OVERDUE_UNIT, OVERDUE_TASK = "区住房城乡建设局", "10"   # its deadline is moved by the clerk to 2024-03-15
CO_UNIT = "工业园区"            # a co-unit of task 8
PDF = b"%PDF-1.4 acceptance report\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0 photo of the site"


# ------------------------------------------------------------------------------------------------ building

def set_ledger_cells(ws: Workspace, sheet: str, key_header: str, key: str, values: dict[str, object]) -> None:
    """The clerk opens 台账.xlsx in Excel, types into the row whose `key_header` is `key`, and saves."""
    import openpyxl

    book = openpyxl.load_workbook(ws.ledger)
    table = book[sheet]
    headers = {c.value: c.column for c in table[1] if c.value}
    row = next(r for r in range(2, table.max_row + 1) if str(table.cell(r, headers[key_header]).value) == key)
    for header, value in values.items():
        table.cell(row, headers[header]).value = value
    book.save(ws.ledger)


def ledger_rows(ws: Workspace, sheet: str) -> list[dict]:
    import openpyxl

    book = openpyxl.load_workbook(ws.ledger, read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v not in (None, "") for v in r)]


def task_row(ws: Workspace, task_id: str) -> dict:
    return next(r for r in ledger_rows(ws, "任务台账") if str(r["序号"]) == task_id)


def fill(ws: Workspace, period: str, unit: str, answers: dict[str, dict[str, object]] | None = None,
         head: str | None = "李华", target: Path | None = None, received: datetime = ON_TIME) -> Path:
    """A unit's issued form: every row 序时推进 50 % with a text; `answers` override cells by task id and header."""
    import openpyxl

    from toolkit import forms

    source = ws.issued_dir(period) / f"{unit}.xlsx"
    book = openpyxl.load_workbook(source)
    sheet = book[forms.TASK_SHEET]
    columns = {c.value: c.column for c in sheet[forms.TASK_HEADER_ROW] if c.value}
    row = forms.TASK_FIRST_ROW
    while sheet.cell(row, 1).value not in (None, ""):
        task_id = str(sheet.cell(row, 1).value)
        values = {"本期状态": "序时推进", "完成进度（%）": 50, "本期进展": f"{period}：第{task_id}项按计划推进。",
                  **(answers or {}).get(task_id, {})}
        for header, value in values.items():
            sheet.cell(row, columns[header]).value = value
        row += 1
    labels = {"填报人": "张明", "联系电话": "0537-3412345", forms.FOOTER_LABELS[2]: head}
    for r in range(row, row + 6):
        if sheet.cell(r, 2).value in labels:
            sheet.cell(r, 3).value = labels[sheet.cell(r, 2).value]
    target = target or ws.returns(period) / f"{unit}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    os.utime(target, (received.timestamp(), received.timestamp()))
    return target


def closing_answer(**extra) -> dict[str, object]:
    return {"本期状态": "已完成", "完成进度（%）": 100, "本期进展": "项目已通过竣工验收。", "申请销号": "是",
            "办结依据": "2024年3月15日通过区级竣工验收", **extra}


def zipped(ws: Workspace, period: str, name: str, members: dict[str, bytes | Path]) -> Path:
    path = ws.returns(period) / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():       # members dated as sent: a member's date is its received time
            info = zipfile.ZipInfo(member, date_time=ON_TIME.timetuple()[:6])
            archive.writestr(info, data.read_bytes() if isinstance(data, Path) else data)
    stamp = ON_TIME.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def collect(ws: Workspace, period: str = W12):
    from toolkit.collect import collect_period

    return collect_period(ws, period)


def codes_at(outcome, code: str) -> list:
    return [p for p in outcome.problems if p.code == code]


def issued_tasks(ws: Workspace, period: str) -> dict[str, list[str]]:
    """unit → task ids of its issued form (read from the form's _meta)."""
    import openpyxl

    result = {}
    for path in sorted(ws.issued_dir(period).glob("*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True)
        meta = {str(r[0]): str(r[1]) for r in book["_meta"].iter_rows(values_only=True) if r[0]}
        book.close()
        result[path.stem] = meta["tasks"].split(",")
    return result


def overview_counts(ws: Workspace) -> str:
    """The counts line of 总览 (A3)."""
    import openpyxl

    book = openpyxl.load_workbook(ws.ledger, read_only=True)
    text = book["总览"]["A3"].value
    book.close()
    return text


def docx_text(path: Path) -> str:
    from docx import Document

    document = Document(path)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def issued_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lifecycle")
    (root / "inputs").mkdir()
    shutil.copy(SEED_NOTICE, root / "inputs" / SEED_NOTICE.name)
    run_toolkit(root, "parse", str(root / "inputs" / SEED_NOTICE.name), check=True)
    set_ledger_cells(Workspace.at(root), "任务台账", "序号", OVERDUE_TASK, {"完成时限": datetime(2024, 3, 15)})
    assert run_toolkit(root, "issue", W12, "--date", "2024-03-18").returncode in (0, 1)
    return root


@pytest.fixture
def ws(issued_root, tmp_path) -> Workspace:
    return copy_workspace(issued_root, tmp_path / "ws")


def send_closure_in_zip(ws: Workspace) -> Path:
    """The lead unit applies to close task 8 and sends its form with two evidence files in one .zip."""
    form = fill(ws, W12, LEAD, {CLOSED: closing_answer(佐证材料="8-验收报告.pdf；第8项现场照片.jpg"),
                                STRETCHED: {"申请调整时限": datetime(2025, 6, 30), "调整理由": "受土地指标影响，需延期。"}},
                target=ws.root / "staging" / f"{LEAD}.xlsx")
    return zipped(ws, W12, f"{LEAD}报送材料.zip", {f"{LEAD}.xlsx": form, "8-验收报告.pdf": PDF,
                                                   "第8项现场照片.jpg": JPG})


# ------------------------------------------------------------------------------------------------ the form

def test_form_has_the_lifecycle_columns_unlocked_for_lead_rows_only(ws):
    import openpyxl

    from toolkit import forms, lifecycle

    book = openpyxl.load_workbook(ws.issued_dir(W12) / f"{LEAD}.xlsx")
    sheet = book[forms.TASK_SHEET]
    headers = [c.value for c in sheet[forms.TASK_HEADER_ROW]]
    assert headers[-5:] == list(lifecycle.FORM_HEADERS)
    column = {h: i + 1 for i, h in enumerate(headers)}
    rows = {str(sheet.cell(r, 1).value): r for r in range(forms.TASK_FIRST_ROW, sheet.max_row + 1)
            if sheet.cell(r, 3).value in ("主办", "协办")}
    lead_row = rows[CLOSED]
    co_row = next(r for tid, r in rows.items() if sheet.cell(r, 3).value == "协办")
    for header in lifecycle.FORM_HEADERS:
        assert not sheet.cell(lead_row, column[header]).protection.locked
    for header in lifecycle.LEAD_ONLY_HEADERS:
        assert sheet.cell(co_row, column[header]).protection.locked
    assert not sheet.cell(co_row, column["佐证材料"]).protection.locked
    rules = {dv.type: dv for dv in sheet.data_validations.dataValidation}
    assert "date" in rules and rules["date"].promptTitle == "申请调整时限"
    labels = [sheet.cell(r, 2).value for r in range(1, sheet.max_row + 1)]
    assert "单位负责人（审核）" in labels


# ------------------------------------------------------------------------------------------------ 销号, end to end

def test_closure_with_evidence_in_a_zip_end_to_end(ws):
    send_closure_in_zip(ws)
    for unit in (OVERDUE_UNIT, CO_UNIT):
        fill(ws, W12, unit)
    outcome = collect(ws)
    assert not [p for p in outcome.problems if p.is_error], [(p.code, p.message) for p in outcome.problems]
    assert any("待督查室审核：销号申请 1 项、调整完成时限申请 1 项" in line for line in outcome.lines())

    # listed in 销号审核 with its evidence; the evidence archived byte-identical under 佐证材料/<单位>/
    (row,) = ledger_rows(ws, "销号审核")
    assert (str(row["任务序号"]), row["申请单位"], row["申请期别"]) == (CLOSED, LEAD, W12)
    assert row["办结依据"] == "2024年3月15日通过区级竣工验收"
    assert row["佐证材料"].startswith("2 份") and "8-验收报告.pdf" in row["佐证材料"]
    assert row["审核意见"] in (None, "") and row["逾期销号"] == "否"
    folder = ws.archive(W12) / "佐证材料" / LEAD
    pdf = folder / f"{hashlib.sha256(PDF).hexdigest()[:12]}_8-验收报告.pdf"
    assert pdf.read_bytes() == PDF
    with sqlite3.connect(ws.outputs / "进展记录.sqlite") as conn:
        stored = conn.execute("SELECT unit, task_id, linked_by, archived FROM evidence ORDER BY name").fetchall()
    assert {(u, t, by) for u, t, by, _ in stored} == {(LEAD, CLOSED, "文件名")}
    assert len(stored) == 2 and all(a.startswith(f"归档/{W12}/佐证材料/") for *_, a in stored)
    assert task_row(ws, CLOSED)["销号"] == "销号待审核"
    assert task_row(ws, CLOSED)["佐证材料"] == 2
    assert "待审核的销号申请1项、调整完成时限申请1项" in overview_counts(ws)

    # the clerk agrees, in Excel
    set_ledger_cells(ws, "销号审核", "任务序号", CLOSED, {"审核意见": "同意", "审核说明": "材料齐全"})
    assert run_toolkit(ws.root, "issue", W13, "--date", "2024-03-25").returncode in (0, 1)
    for unit, tasks in issued_tasks(ws, W13).items():
        assert CLOSED not in tasks, f"{unit} still has the closed task"
    assert CLOSED in issued_tasks(ws, W12)[LEAD]

    # the circular of the period counts it among 已完成 and lists it
    result = run_toolkit(ws.root, "circular", W12, "--date", "2024-03-25")
    assert result.returncode == 0, result.stdout + result.stderr
    (circular,) = (ws.outputs / W12 / "通报").glob("*.docx")
    text = docx_text(circular)
    assert "本期销号任务" in text and f"第{CLOSED}项" in text.split("本期销号任务", 1)[1][:200]
    assert "已完成1项" in text.replace(" ", "") or "已完成 1 项" in text
    row = task_row(ws, CLOSED)
    assert row["当前状态"] == "已完成" and row["销号"] == f"已销号（{W12}）"
    assert ledger_rows(ws, "销号审核")[0]["审核日期"] is not None
    assert "已销号1项（计入已完成）" in overview_counts(ws)


def test_closed_task_stays_done_when_nobody_reports_it_any_more(ws):
    send_closure_in_zip(ws)
    collect(ws)
    set_ledger_cells(ws, "销号审核", "任务序号", CLOSED, {"审核意见": "同意"})
    assert run_toolkit(ws.root, "issue", W13, "--date", "2024-03-25").returncode in (0, 1)
    fill(ws, W13, LEAD, received=ON_TIME_W13)
    outcome = collect(ws, W13)
    assert not codes_at(outcome, "missing-row")
    row = task_row(ws, CLOSED)
    assert (row["当前状态"], row["预警"]) == ("已完成", "绿")


def test_revoking_a_closure_puts_the_task_back_on_the_forms(ws):
    send_closure_in_zip(ws)
    collect(ws)
    set_ledger_cells(ws, "销号审核", "任务序号", CLOSED, {"审核意见": "同意"})
    run_toolkit(ws.root, "issue", W13, "--date", "2024-03-25")
    assert CLOSED not in issued_tasks(ws, W13)[LEAD]
    set_ledger_cells(ws, "销号审核", "任务序号", CLOSED, {"审核意见": "撤销", "审核说明": "抽查发现尚未完工"})
    run_toolkit(ws.root, "issue", W13, "--date", "2024-03-25")
    assert CLOSED in issued_tasks(ws, W13)[LEAD]
    assert CO_UNIT in issued_tasks(ws, W13) and CLOSED in issued_tasks(ws, W13)[CO_UNIT]
    fill(ws, W13, LEAD, received=ON_TIME_W13)
    collect(ws, W13)
    row = task_row(ws, CLOSED)
    assert row["销号"] in (None, "") and row["当前状态"] != "已销号"
    assert ledger_rows(ws, "销号审核")[0]["审核意见"] == "撤销"


def test_returned_closure_goes_into_the_units_return_note(ws):
    send_closure_in_zip(ws)
    collect(ws)
    set_ledger_cells(ws, "销号审核", "任务序号", CLOSED, {"审核意见": "退回", "审核说明": "缺少验收报告原件扫描件"})
    run_toolkit(ws.root, "issue", W13, "--date", "2024-03-25")
    fill(ws, W13, LEAD, received=ON_TIME_W13)
    outcome = collect(ws, W13)
    (problem,) = codes_at(outcome, "closure-returned")
    assert (problem.unit, problem.sheet, problem.column) == (LEAD, "销号审核", "I")
    note = (ws.outputs / W13 / "退回" / f"{LEAD}.txt").read_text(encoding="utf-8")
    assert "缺少验收报告原件扫描件" in note and f"第{CLOSED}项" in note
    assert CLOSED in issued_tasks(ws, W13)[LEAD]


# ------------------------------------------------------------------------------------------------ 调整, end to end

def test_deadline_request_approval_and_refusal_end_to_end(ws):
    send_closure_in_zip(ws)
    fill(ws, W12, OVERDUE_UNIT, {OVERDUE_TASK: {"申请调整时限": "2024-06-30", "调整理由": "拆迁未完成。"}})
    outcome = collect(ws)
    (late,) = codes_at(outcome, "overdue-request")
    assert (late.unit, late.field) == (OVERDUE_UNIT, "申请调整时限")
    requests = {str(r["任务序号"]): r for r in ledger_rows(ws, "调整审核")}
    assert requests[STRETCHED]["逾期申请"] == "否" and requests[OVERDUE_TASK]["逾期申请"] == "是"
    assert requests[STRETCHED]["批准完成时限"].date() == date(2025, 6, 30)     # defaults to the requested date
    assert requests[OVERDUE_TASK]["原完成时限"].date() == date(2024, 3, 15)
    before = task_row(ws, STRETCHED)["序时进度"]

    set_ledger_cells(ws, "调整审核", "任务序号", STRETCHED, {"审核意见": "同意"})
    set_ledger_cells(ws, "调整审核", "任务序号", OVERDUE_TASK, {"审核意见": "不同意", "审核说明": "不符合调整条件"})
    run_toolkit(ws.root, "issue", W13, "--date", "2024-03-25")
    for unit in (LEAD, OVERDUE_UNIT):
        fill(ws, W13, unit, received=ON_TIME_W13)
    collect(ws, W13)
    stretched = task_row(ws, STRETCHED)
    assert stretched["完成时限"].date() == date(2025, 6, 30)
    assert stretched["原完成时限"].date() == date(2024, 12, 31)
    assert stretched["序时进度"] < before
    refused = task_row(ws, OVERDUE_TASK)
    assert refused["完成时限"].date() == date(2024, 3, 15) and refused["原完成时限"] in (None, "")
    assert refused["预警"] == "红"                       # still overdue and unfinished
    import openpyxl

    from test_ledger_print import printed_font_pt

    tasks = openpyxl.load_workbook(ws.ledger)["任务台账"]
    assert printed_font_pt(tasks) >= 8, "原完成时限 shown, the A3 print stays legible"

    from toolkit.config import load_config
    from toolkit.ledger import load_ledger
    from toolkit.progress import task_due

    ledger = load_ledger(ws)
    assert task_due(ledger.task(STRETCHED), ledger, 2024) == date(2025, 6, 30)
    assert ledger.task(STRETCHED).due == date(2024, 12, 31)          # the original is kept
    assert load_config(ws).lifecycle.approver_required is False

    result = run_toolkit(ws.root, "circular", W12, "--date", "2024-03-25")
    assert result.returncode == 0, result.stdout + result.stderr
    (circular,) = (ws.outputs / W12 / "通报").glob("*.docx")
    text = docx_text(circular)
    assert "调整完成时限" in text and "由12月31日调整为6月30日" in text
    assert f"第{OVERDUE_TASK}项" not in text.split("调整完成时限", 1)[1][:300]


# ------------------------------------------------------------------------------------------------ row errors and reminders

def test_every_row_error_of_an_application(ws):
    fill(ws, W12, LEAD, {
        "1": {"申请销号": "是", "办结依据": "已验收"},                                   # 序时推进, not 已完成
        "2": closing_answer(办结依据=None),                                             # no 办结依据
        "4": {"申请调整时限": "下个月底", "调整理由": "资金未到位"},                     # not a date
        CLOSED: {"申请调整时限": datetime(2025, 6, 30)},                                 # no reason
    })
    fill(ws, W12, OVERDUE_UNIT, {OVERDUE_TASK: {"申请调整时限": datetime(2024, 3, 1), "调整理由": "提前"}})
    fill(ws, W12, CO_UNIT, {CLOSED: {"申请销号": "是", "办结依据": "配合完成"}})
    outcome = collect(ws)
    found = {(p.unit, p.code, p.field) for p in outcome.problems if p.is_error}
    assert found == {(LEAD, "closure-not-done", "申请销号"), (LEAD, "closure-no-basis", "办结依据"),
                     (LEAD, "bad-date", "申请调整时限"), (LEAD, "no-reason", "调整理由"),
                     (OVERDUE_UNIT, "bad-date", "申请调整时限"), (CO_UNIT, "not-lead", "申请销号")}
    for problem in outcome.problems:
        if problem.is_error:
            assert problem.file and problem.sheet == "任务填报" and problem.row and problem.column
    assert ledger_rows(ws, "销号审核") == [] and ledger_rows(ws, "调整审核") == []
    # the rows' progress is still taken: only the applications are refused
    assert set(outcome.reported_units) >= {LEAD, OVERDUE_UNIT, CO_UNIT}
    assert outcome.exit_code == 1


def test_missing_approver_is_a_reminder_or_an_error_by_setting(ws):
    fill(ws, W12, LEAD, head=None)
    outcome = collect(ws)
    (problem,) = codes_at(outcome, "missing-approver")
    assert problem.level == "提醒" and problem.field == "单位负责人（审核）" and problem.column == "C"
    assert LEAD in outcome.reported_units

    (ws.inputs / "toolkit.toml").write_text("[lifecycle]\napprover_required = true\n", encoding="utf-8")
    fill(ws, W12, CO_UNIT, head=None)
    outcome = collect(ws)
    refused = [p for p in codes_at(outcome, "missing-approver") if p.unit == CO_UNIT]
    assert refused and refused[0].level == "错误"
    assert CO_UNIT not in outcome.reported_units


def test_no_evidence_is_a_reminder_or_refuses_the_application_by_setting(ws):
    fill(ws, W12, LEAD, {CLOSED: closing_answer()})
    outcome = collect(ws)
    (problem,) = codes_at(outcome, "no-evidence")
    assert problem.level == "提醒" and problem.field == "申请销号"
    assert [str(r["任务序号"]) for r in ledger_rows(ws, "销号审核")] == [CLOSED]


def test_required_evidence_blocks_the_application(ws):
    (ws.inputs / "toolkit.toml").write_text("[lifecycle]\nevidence_required = true\n", encoding="utf-8")
    fill(ws, W12, LEAD, {CLOSED: closing_answer()})
    outcome = collect(ws)
    (problem,) = codes_at(outcome, "no-evidence")
    assert problem.level == "错误" and problem.row
    assert ledger_rows(ws, "销号审核") == []


def test_evidence_linked_by_the_evidence_cell_and_by_folder(ws):
    fill(ws, W12, LEAD, {CLOSED: closing_answer(佐证材料="验收报告.pdf")})
    (ws.returns(W12) / "验收报告.pdf").write_bytes(PDF)                 # loose, no task prefix: the cell links it
    photos = ws.returns(W12) / LEAD
    photos.mkdir()
    (photos / "2-现场照片.jpg").write_bytes(JPG)                        # in the unit's folder, by its prefix
    outcome = collect(ws)
    assert not codes_at(outcome, "no-evidence")
    from toolkit.ledger import load_ledger

    linked = {(r.name, r.unit, r.task_id, r.linked_by) for r in load_ledger(ws).evidence}
    assert linked == {("验收报告.pdf", LEAD, CLOSED, "佐证材料栏"), (f"{LEAD}/2-现场照片.jpg", LEAD, "2", "文件名")}
    assert (ws.archive(W12) / "佐证材料" / LEAD / f"{hashlib.sha256(JPG).hexdigest()[:12]}_2-现场照片.jpg").exists()


def test_evidence_named_but_not_sent_and_flagged_files(ws):
    (ws.inputs / "toolkit.toml").write_text("[lifecycle]\nevidence_max_mb = 0.00001\n", encoding="utf-8")
    form = fill(ws, W12, LEAD, {CLOSED: closing_answer(佐证材料="8-验收报告.pdf；8-会议纪要.docx")},
                target=ws.root / "staging" / f"{LEAD}.xlsx")
    zipped(ws, W12, f"{LEAD}.zip", {f"{LEAD}.xlsx": form, "8-验收报告.pdf": PDF, "8-setup.exe": b"MZ\x90\x00"})
    outcome = collect(ws)
    (missing,) = codes_at(outcome, "evidence-missing")
    assert missing.value == "8-会议纪要.docx" and missing.field == "佐证材料" and missing.row
    assert {p.file for p in codes_at(outcome, "evidence-type")} == {f"{LEAD}.zip/8-setup.exe"}
    assert {p.file for p in codes_at(outcome, "evidence-too-large")} == {f"{LEAD}.zip/8-验收报告.pdf"}
    assert codes_at(outcome, "no-evidence"), "flagged files are not evidence"
    assert list((ws.archive(W12) / "佐证材料" / LEAD).glob("*_8-setup.exe")), "archived all the same"


# ------------------------------------------------------------------------------------------------ the clerk's sheets

@pytest.mark.filterwarnings("ignore::toolkit.errors.ToolkitWarning")   # the bad rows warn on purpose
def test_decisions_survive_and_bad_rows_are_warned_with_their_row(ws):
    send_closure_in_zip(ws)
    collect(ws)
    set_ledger_cells(ws, "销号审核", "任务序号", CLOSED, {"审核意见": "同 意", "审核说明": "已核实"})
    set_ledger_cells(ws, "调整审核", "任务序号", STRETCHED, {"审核意见": "可以", "批准完成时限": datetime(2025, 3, 31)})
    outcome = collect(ws)                                            # the same files again
    assert outcome.added_rows == 0
    closure = ledger_rows(ws, "销号审核")[0]
    assert (closure["审核意见"], closure["审核说明"]) == ("同意", "已核实")
    request = ledger_rows(ws, "调整审核")[0]
    assert request["审核意见"] == "可以" and request["批准完成时限"].date() == date(2025, 3, 31)

    from toolkit.errors import ToolkitWarning
    from toolkit.ledger import load_ledger

    with pytest.warns(ToolkitWarning, match=r"“调整审核”表第2行的审核意见“可以”无法识别"):
        load_ledger(ws)
    set_ledger_cells(ws, "销号审核", "任务序号", CLOSED, {"任务序号": "9"})
    with pytest.warns(ToolkitWarning, match=r"“销号审核”表第2行的任务序号.*不符"):
        ledger = load_ledger(ws)
    from toolkit.lifecycle import closed_task_ids

    assert closed_task_ids(ledger) == set(), "a decision on a row that no longer matches is not applied"


def test_old_history_database_gains_the_evidence_table(ws):
    fill(ws, W12, LEAD)
    collect(ws)
    store = ws.outputs / "进展记录.sqlite"
    with sqlite3.connect(store) as conn:
        conn.execute("DROP TABLE evidence")                      # as a database written before issue 13
    from toolkit.ledger import load_ledger

    assert load_ledger(ws).evidence == []
    send_closure_in_zip(ws)
    collect(ws)
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT COUNT(*) FROM evidence").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM progress").fetchone()[0] > 0


def test_decisions_survive_parse_force_and_check(ws):
    send_closure_in_zip(ws)
    collect(ws)
    set_ledger_cells(ws, "销号审核", "任务序号", CLOSED, {"审核意见": "同意", "审核说明": "材料齐全"})
    set_ledger_cells(ws, "调整审核", "任务序号", STRETCHED, {"审核意见": "同意"})
    notice = ws.inputs / SEED_NOTICE.name
    for args in (("parse", str(notice), "--force"), ("check",)):
        result = run_toolkit(ws.root, *args)
        assert result.returncode in (0, 1), result.stdout + result.stderr
        closure = ledger_rows(ws, "销号审核")[0]
        assert (closure["审核意见"], closure["审核说明"]) == ("同意", "材料齐全"), args
        assert ledger_rows(ws, "调整审核")[0]["审核意见"] == "同意", args
        assert task_row(ws, STRETCHED)["完成时限"].date() == date(2025, 6, 30), args
        assert task_row(ws, CLOSED)["销号"] == f"已销号（{W12}）", args


def test_lifecycle_settings_are_read_and_checked(tmp_path):
    from toolkit.config import load_config
    from toolkit.errors import ToolkitError

    ws = Workspace.at(tmp_path)
    (tmp_path / "inputs").mkdir()
    toml = tmp_path / "inputs" / "toolkit.toml"
    toml.write_text('[lifecycle]\napprover_required = true\nevidence_types = "pdf, JPG"\nevidence_max_mb = 5\n',
                    encoding="utf-8")
    settings = load_config(ws).lifecycle
    assert (settings.approver_required, settings.evidence_required) == (True, False)
    assert settings.evidence_types == ("pdf", "jpg") and settings.evidence_max_mb == 5
    toml.write_text('[lifecycle]\nevidence_required = "是"\n', encoding="utf-8")
    with pytest.raises(ToolkitError, match="evidence_required"):
        load_config(ws)


def test_a_co_unit_may_send_evidence_but_not_apply(ws):
    fill(ws, W12, CO_UNIT, {CLOSED: {"佐证材料": "园区现场照片.jpg"}})
    folder = ws.returns(W12) / CO_UNIT
    folder.mkdir()
    (folder / "园区现场照片.jpg").write_bytes(JPG)
    outcome = collect(ws)
    assert not [p for p in outcome.problems if p.is_error]
    from toolkit.ledger import load_ledger

    (record,) = load_ledger(ws).evidence
    assert (record.unit, record.task_id, record.linked_by) == (CO_UNIT, CLOSED, "佐证材料栏")
    assert ledger_rows(ws, "销号审核") == []
    assert task_row(ws, CLOSED)["佐证材料"] == 1


def test_closing_after_the_deadline_is_marked_overdue(ws):
    fill(ws, W12, OVERDUE_UNIT, {OVERDUE_TASK: closing_answer()})
    collect(ws)
    (row,) = ledger_rows(ws, "销号审核")
    assert (str(row["任务序号"]), row["逾期销号"]) == (OVERDUE_TASK, "是")
