"""Collecting returned workbooks end to end: real notice → ledger → issued workbooks → filled / damaged → collect.

Workbooks are issued by the toolkit itself, filled the way Excel does (openpyxl: load, set inputs, save) and
damaged the way a unit or a mail client would. Assertions compare (file, row, column, code), not wording.
"""
from __future__ import annotations

import os
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from conftest import convert_with_soffice, run_toolkit

from toolkit.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
NOTICE = REPO / "inputs" / "济兖政发〔2024〕1号.txt"
PERIOD = "2024-W12"
ON_TIME = datetime(2024, 3, 20, 10, 0)
LATE = datetime(2024, 3, 22, 9, 0)


@pytest.fixture(scope="session")
def issued_workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("issued")
    (root / "inputs").mkdir()
    shutil.copy(NOTICE, root / "inputs" / NOTICE.name)
    for args in (("parse", str(root / "inputs" / NOTICE.name)), ("issue", PERIOD, "--date", "2024-03-18")):
        result = run_toolkit(root, *args)
        assert result.returncode in (0, 1), result.stderr + result.stdout
    return root


@pytest.fixture
def ws(issued_workspace, tmp_path) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(issued_workspace, root)
    (root / "inputs" / "回收" / PERIOD).mkdir(parents=True, exist_ok=True)   # issue creates the inbox
    return Workspace.at(root)


def issued(ws: Workspace, unit: str) -> Path:
    return ws.issued_dir(PERIOD) / f"{unit}.xlsx"


def returns(ws: Workspace) -> Path:
    return ws.returns(PERIOD)


def meta_of(path: Path) -> dict[str, str]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    rows = {str(r[0]): str(r[1]) for r in book["_meta"].iter_rows(values_only=True) if r[0]}
    book.close()
    return rows


def fill(source: Path, target: Path, state="序时推进", progress=50, text="已完成前期工作，正在推进。",
         cells: dict[str, object] | None = None, indicator=10, mtime: datetime | None = None, edit=None) -> Path:
    """Fill every task row like a unit in Excel would; `cells` overrides single cells ("I5": "８０％")."""
    import openpyxl

    meta = meta_of(source)
    book = openpyxl.load_workbook(source)
    sheet = book["任务填报"]
    first, count = int(meta["task_first_row"]), int(meta["task_count"])
    for row in range(first, first + count):
        sheet.cell(row, 8).value = state
        sheet.cell(row, 9).value = progress
        sheet.cell(row, 10).value = text
    sheet[meta["filler_cell"]] = "张三"
    sheet[meta["phone_cell"]] = "0537-3412345"
    sheet[meta["head_cell"]] = "李华"          # 单位负责人（审核）: a good return is signed off (issue 13)
    indicators = book["指标填报"]
    for row in range(int(meta["indicator_first_row"]), int(meta["indicator_first_row"]) + int(meta["indicator_count"])):
        indicators.cell(row, 7).value = indicator
    for ref, value in (cells or {}).items():
        sheet_name, _, ref = ref.rpartition("!")
        cell = (book[sheet_name] if sheet_name else sheet)[ref]
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"      # typed as text (Excel: a leading apostrophe)
    if edit:
        edit(book)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    stamp = (mtime or ON_TIME).timestamp()
    os.utime(target, (stamp, stamp))
    return target


def collect(ws: Workspace, **kwargs):
    from toolkit.collect import collect_period

    return collect_period(ws, PERIOD, **kwargs)


def keys(outcome, file: str | None = None) -> set[tuple]:
    return {p.key() for p in outcome.problems if file is None or p.file == file}


def codes(outcome, file: str) -> set[str]:
    return {p.code for p in outcome.problems if p.file == file}


UNIT = "区民政局"       # a unit holding lead tasks with indicators in the real notice


@pytest.fixture
def unit(ws) -> str:
    meta = meta_of(issued(ws, UNIT))
    assert meta["unit"] == UNIT
    return UNIT


# ---------------------------------------------------------------------------------------------- good files

def test_good_file_is_merged_into_the_ledger(ws, unit):
    from toolkit.ledger import load_ledger

    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    outcome = collect(ws)
    assert keys(outcome) == set()
    assert outcome.exit_code == 0
    ledger = load_ledger(ws)
    rows = [r for r in ledger.progress if r.unit == unit]
    held = meta_of(issued(ws, unit))["tasks"].split(",")
    assert sorted(r.task_id for r in rows) == sorted(held)
    assert all(r.progress == 50 and r.state == "序时推进" and r.filler == "张三" for r in rows)
    submission = next(s for s in ledger.submissions if s.unit == unit and s.period == PERIOD)
    assert submission.reported and not submission.late
    assert unit not in outcome.missing_units and "区财政局" in outcome.missing_units
    archived = list(ws.archive(PERIOD).iterdir())
    assert len(archived) == 1 and archived[0].read_bytes() == (returns(ws) / "民政局.xlsx").read_bytes()
    assert (ws.period_dir(PERIOD) / "汇总.xlsx").exists() and (ws.period_dir(PERIOD) / "校验报告.xlsx").exists()


def test_rerun_leaves_ledger_contents_unchanged(ws, unit):
    from toolkit.ledger import load_ledger

    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    collect(ws, received=ON_TIME)
    first = load_ledger(ws)
    second_outcome = collect(ws, received=ON_TIME)
    second = load_ledger(ws)
    assert second.progress == first.progress
    assert second.submissions == first.submissions
    assert second_outcome.added_rows == 0


def test_late_file_is_marked_late(ws, unit):
    from toolkit.ledger import load_ledger

    fill(issued(ws, unit), returns(ws) / "民政局.xlsx", mtime=LATE)
    outcome = collect(ws)
    assert unit in outcome.late_units
    assert all(r.late for r in load_ledger(ws).progress if r.unit == unit)


# ---------------------------------------------------------------------------------------------- file-level

def _file_codes(ws, name: str, data: bytes) -> set[str]:
    (returns(ws) / name).write_bytes(data)
    return codes(collect(ws), name)


def test_truncated_empty_and_foreign_files(ws, unit):
    good = fill(issued(ws, unit), ws.root / "tmp.xlsx").read_bytes()
    (returns(ws) / "截断.xlsx").write_bytes(good[: len(good) // 3])
    (returns(ws) / "空.xlsx").write_bytes(b"")
    (returns(ws) / "说明.xlsx").write_text("这是一个文本文件", encoding="utf-8")
    docx = returns(ws) / "报告.xlsx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    (returns(ws) / "~$民政局.xlsx").write_bytes(b"lock")
    (returns(ws) / ".hidden.xlsx").write_bytes(b"x")
    outcome = collect(ws)
    assert {v.name for v in outcome.verdicts} == {"截断.xlsx", "空.xlsx", "说明.xlsx", "报告.xlsx"}
    assert codes(outcome, "截断.xlsx") == {"unreadable"}
    assert codes(outcome, "空.xlsx") == {"unreadable"}
    assert codes(outcome, "说明.xlsx") == {"unsupported-format"}
    assert codes(outcome, "报告.xlsx") == {"unsupported-format"}
    assert outcome.exit_code == 1


def test_zip_bomb_is_refused_before_parsing(ws, unit):
    source = fill(issued(ws, unit), ws.root / "tmp.xlsx")
    bomb = returns(ws) / "民政局.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in original.infolist():
            archive.writestr(item, original.read(item))
        archive.writestr("xl/media/padding.bin", b"\0" * (40 * 1024 * 1024))
    assert codes(collect(ws), "民政局.xlsx") == {"too-large"}


def test_edited_meta_is_a_bad_signature(ws, unit):
    def move_unit(book):
        meta = book["_meta"]
        for row in meta.iter_rows():
            if row[0].value == "tasks":
                row[1].value = row[1].value + ",1"
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx", edit=move_unit)
    outcome = collect(ws)
    assert codes(outcome, "民政局.xlsx") == {"bad-signature"}
    assert not any(r.unit == unit for r in outcome.verdicts[0].records)


def test_workbook_of_another_period_is_wrong_period(ws, unit):
    result = run_toolkit(ws.root, "issue", "2024-W11", "--date", "2024-03-11")
    assert result.returncode in (0, 1), result.stderr
    fill(ws.issued_dir("2024-W11") / f"{unit}.xlsx", returns(ws) / "民政局.xlsx")
    outcome = collect(ws)
    assert codes(outcome, "民政局.xlsx") == {"wrong-period"}
    assert "2024-W11" in outcome.problems[0].message


def test_rebuilt_sheet_without_meta_is_unsigned_and_only_the_units_tasks_count(ws, unit):
    def rebuild(book):
        del book["_meta"]
        for name in list(book.defined_names):
            if name.startswith("TK_") and name != "TK_STATES":
                del book.defined_names[name]
        book.custom_doc_props.props.clear()
    held = meta_of(issued(ws, unit))["tasks"].split(",")
    foreign = next(str(n) for n in range(1, 77) if str(n) not in held)
    target = fill(issued(ws, unit), returns(ws) / "民政局报送.xlsx", edit=rebuild,
                  cells={"A4": foreign, "B4": "另一单位的任务"})
    outcome = collect(ws)
    assert (target.name, None, "", "unsigned") in keys(outcome)
    assert (target.name, 4, "A", "not-assigned") in keys(outcome)
    verdict = outcome.verdicts[0]
    assert verdict.unit == unit
    assert {r.task_id for r in verdict.records} == set(held) - {held[0]}


def test_same_bytes_twice_is_a_duplicate(ws, unit):
    first = fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    shutil.copy2(first, returns(ws) / "民政局(1).xlsx")
    outcome = collect(ws)
    assert codes(outcome, "民政局(1).xlsx") == {"duplicate-file"}
    assert codes(outcome, "民政局.xlsx") == set()
    from toolkit.ledger import load_ledger
    rows = [r for r in load_ledger(ws).progress if r.unit == unit]
    assert len(rows) == len(meta_of(issued(ws, unit))["tasks"].split(","))


def test_older_file_is_superseded_by_the_newer(ws, unit):
    from toolkit.ledger import load_ledger

    fill(issued(ws, unit), returns(ws) / "民政局-初稿.xlsx", progress=30, mtime=ON_TIME)
    fill(issued(ws, unit), returns(ws) / "民政局-修改.xlsx", progress=40, mtime=LATE)
    outcome = collect(ws)
    assert codes(outcome, "民政局-初稿.xlsx") == {"superseded"}
    assert codes(outcome, "民政局-修改.xlsx") == set()
    assert {r.progress for r in load_ledger(ws).progress if r.unit == unit} == {40}


# ---------------------------------------------------------------------------------------------- row-level

def test_row_problems_are_located_as_excel_shows_them(ws, unit):
    meta = meta_of(issued(ws, unit))
    count = int(meta["task_count"])
    assert count >= 5
    target = fill(issued(ws, unit), returns(ws) / "民政局.xlsx", cells={
        "H4": "进展顺利",                 # bad-state
        "I5": "八成",                     # bad-percent
        "J6": None,                       # missing-text
        "H7": "已完成", "I7": 80,         # inconsistent
        "B8": "改过的任务内容",            # locked-changed
    })
    outcome = collect(ws)
    found = keys(outcome)
    name = target.name
    assert {(name, 4, "H", "bad-state"), (name, 5, "I", "bad-percent"), (name, 6, "J", "missing-text"),
            (name, 7, "I", "inconsistent"), (name, 8, "B", "locked-changed")} <= found
    accepted = {r.task_id for r in outcome.verdicts[0].records}
    rows = meta["tasks"].split(",")
    task_at = {4 + i: tid for i, tid in enumerate(rows)}    # issued order = row order
    from openpyxl import load_workbook
    sheet = load_workbook(issued(ws, unit), read_only=True)["任务填报"]
    task_at = {r: str(sheet.cell(r, 1).value) for r in range(4, 4 + count)}
    assert task_at[4] not in accepted and task_at[5] not in accepted and task_at[6] not in accepted
    assert task_at[7] in accepted and task_at[8] in accepted
    assert outcome.exit_code == 1
    assert (ws.period_dir(PERIOD) / "退回" / f"{unit}.txt").exists()


def test_safe_synonyms_percent_forms_and_number_forms_are_accepted(ws, unit):
    from toolkit.ledger import load_ledger

    meta = meta_of(issued(ws, unit))

    def percent_cell(book):
        cell = book["任务填报"]["I6"]
        cell.value = 0.8
        cell.number_format = "0%"
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx", state="正常推进",
         cells={"I4": "80%", "I5": "８０％", "指标填报!G3": "１,２００"}, edit=percent_cell)
    outcome = collect(ws)
    assert {p.code for p in outcome.problems} <= {"inconsistent"}
    records = {r.task_id: r for r in load_ledger(ws).progress if r.unit == unit}
    from openpyxl import load_workbook
    sheet = load_workbook(issued(ws, unit), read_only=True)["任务填报"]
    first_tasks = [str(sheet.cell(r, 1).value) for r in (4, 5, 6)]
    assert [records[t].progress for t in first_tasks] == [80, 80, 80]
    assert all(r.state == "序时推进" for r in records.values())
    if int(meta["indicator_count"]):
        indicator_sheet = load_workbook(issued(ws, unit), read_only=True)["指标填报"]
        indicator_id = str(indicator_sheet.cell(3, 1).value)
        task_id = str(indicator_sheet.cell(3, 2).value)
        assert records[task_id].indicator_values[indicator_id] == 1200


def test_bad_indicator_number_and_foreign_row(ws, unit):
    meta = meta_of(issued(ws, unit))
    assert int(meta["indicator_count"]) >= 1
    target = fill(issued(ws, unit), returns(ws) / "民政局.xlsx", cells={"指标填报!G3": "约两千"})
    assert (target.name, 3, "G", "bad-number") in keys(collect(ws))


def test_missing_row_when_a_task_is_left_unfilled(ws, unit):
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx", cells={"H5": None, "I5": None})
    outcome = collect(ws)
    assert [p.code for p in outcome.problems] == ["missing-row"]
    assert outcome.exit_code == 0


def test_formula_like_text_stays_text_everywhere(ws, unit):
    from openpyxl import load_workbook

    evil = '=HYPERLINK("http://evil.example","点击")'
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx", cells={"J4": evil, "K4": "+1-2", "L4": "@SUM(A1)"})
    collect(ws)
    for path in (ws.ledger, ws.period_dir(PERIOD) / "汇总.xlsx"):
        book = load_workbook(path)
        found = [c for s in book.worksheets for row in s.iter_rows() for c in row if c.value == evil]
        assert found, path
        assert all(c.data_type == "s" for c in found)


# ---------------------------------------------------------------------------------------------- batch & safety

def test_ten_good_and_ten_bad_files(ws):
    folder = returns(ws)
    units = sorted(p.stem for p in ws.issued_dir(PERIOD).glob("*.xlsx"))[:20]
    for n, name in enumerate(units):
        target = folder / f"{name}.xlsx"
        if n % 2 == 0:
            fill(issued(ws, name), target)
        else:
            fill(issued(ws, name), target, cells={"H4": "进展顺利"}) if n % 4 == 1 else \
                target.write_bytes(issued(ws, name).read_bytes()[:500 + n])
    outcome = collect(ws)
    statuses = {v.name: v.status for v in outcome.verdicts}
    good = {f"{u}.xlsx" for u in units[0::2]}
    assert {n for n, s in statuses.items() if s == "通过"} == good
    assert {n for n, s in statuses.items() if s == "退回"} == {f"{u}.xlsx" for u in units[1::2]}
    assert outcome.exit_code == 1
    from toolkit.ledger import load_ledger
    reported = {r.unit for r in load_ledger(ws).progress}
    assert {u for u in units[0::2]} <= reported


ODD_CELLS = [        # (column, value) one of which a task row takes, the others as filled: every kind of odd cell
    *(("A", v) for v in (" {id}", "{id}.0", 999, "", "{above}")),                   # 序号 ({above}: repeated)
    ("AB", "above"),                                                                # the row above copied
    *(("B", v) for v in ("改过的任务内容", " {text}", "")),                          # 任务内容 (locked)
    *(("C", v) for v in ("协办", "主办 ", "")),                                      # 本单位角色 (locked)
    *(("H", v) for v in ("已完成", "滞后", "未启动", "正常推进", " 滞后", "", "其他")),  # 本期状态
    *(("I", v) for v in (100, 0, 12.5, 0.8, "80", "８０％", 101, -1, "", True)),       # 完成进度
    *(("J", v) for v in ("", " 前有空格", "末尾空格 ", "多行\n文本", "=1+1", 123)),    # 本期进展
    *(("K", v) for v in ("资金缺口", " 空格 ", 0)), ("L", "下步"),                    # 存在问题, 下步计划
    ("M", "是"), ("N", "已建成"), ("O", "2024-12-31"), ("P", "工期"), ("Q", "照片.jpg"),   # 申请销号 … 佐证材料
]


def test_plain_rows_are_taken_as_the_full_checks_take_them(ws, monkeypatch):
    """The shortcut for rows filled as asked (judging._PlainRow) gives the records and problems the full checks
    give, whatever one odd cell a row holds: every file of a collect judged both ways."""
    from toolkit.collect import judging

    folder = returns(ws)
    units = sorted(p.stem for p in ws.issued_dir(PERIOD).glob("*.xlsx"))
    turn = 0
    for name in units:
        def edit(book):
            nonlocal turn
            sheet = book["任务填报"]
            meta = meta_of(issued(ws, name))
            first, count = int(meta["task_first_row"]), int(meta["task_count"])
            for row in range(first, first + count):
                turn += 1
                if turn % 2:
                    continue                   # filled as asked (by fill)
                column, value = ODD_CELLS[turn // 2 % len(ODD_CELLS)]
                if column == "AB":
                    for copied in "AB":
                        sheet[f"{copied}{row}"].value = sheet[f"{copied}{max(row - 1, first)}"].value
                    continue
                if isinstance(value, str):
                    value = value.format(id=sheet[f"A{row}"].value, text=sheet[f"B{row}"].value,
                                         above=sheet[f"A{row - 1}"].value if row > first else "")
                sheet[f"{column}{row}"].value = value
        fill(issued(ws, name), folder / f"{name}.xlsx", edit=edit)
    assert turn > 4 * len(ODD_CELLS)
    taken, real = [], judging._PlainRow.__call__

    def counted(self, *args):
        taken.append(real(self, *args))
        return taken[-1]

    monkeypatch.setattr(judging._PlainRow, "__call__", counted)
    outcomes = {}
    for plain in (False, True):
        copy = Workspace.at(ws.root.parent / f"plain-{plain}")
        shutil.copytree(ws.root, copy.root)
        monkeypatch.setattr(judging, "PLAIN_ROWS", plain)
        outcomes[plain] = collect(copy)
    slow, fast = ([(v.name, v.unit, v.records, v.problems, v.lifecycle, v.rejected) for v in outcomes[p].verdicts]
                  for p in (False, True))
    assert fast == slow
    assert sum(r is not None for r in taken) > turn // 2 - 5              # the plain rows were taken …
    assert len({p.code for v in outcomes[True].verdicts for p in v.problems}) >= 8     # … the odd ones judged


def test_failure_before_ledger_replace_keeps_previous_ledger(ws, unit, monkeypatch):
    from toolkit.errors import ToolkitError
    from toolkit.ledger import load_ledger

    before = ws.ledger.read_bytes()
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    real_replace = os.replace

    def failing_replace(src, dst, *args, **kwargs):
        if Path(dst) == ws.ledger:
            raise OSError(5, "simulated failure")
        return real_replace(src, dst, *args, **kwargs)
    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ToolkitError):
        collect(ws)
    monkeypatch.undo()
    assert ws.ledger.read_bytes() == before
    assert load_ledger(ws).progress == []


def test_status_names_missing_units_and_writes_nothing(ws, unit):
    from toolkit.collect import period_status

    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    collect(ws)
    snapshot = sorted((p, p.stat().st_mtime_ns) for p in ws.root.rglob("*") if p.is_file())
    status = period_status(ws, PERIOD, as_of=datetime(2024, 3, 22, 9, 0))
    assert unit in status.reported and unit not in status.missing_units
    assert "区财政局" in status.missing_units
    assert "区财政局" in status.reminder() and "逾期" in status.reminder()
    assert sorted((p, p.stat().st_mtime_ns) for p in ws.root.rglob("*") if p.is_file()) == snapshot


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_resaves_collect_without_error(ws, unit, fmt, tmp_path):
    filled = fill(issued(ws, unit), tmp_path / "in" / "民政局.xlsx")
    converted = convert_with_soffice(filled, fmt, tmp_path / "out")
    shutil.copy2(converted, returns(ws) / converted.name)
    outcome = collect(ws)
    assert [p for p in outcome.problems if p.is_error] == []
    assert len(outcome.verdicts[0].records) == len(meta_of(issued(ws, unit))["tasks"].split(","))


def test_second_collect_at_the_same_time_refuses(ws, unit):
    from toolkit.errors import LedgerLockedError

    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    lock = ws.outputs / ".toolkit.lock"
    lock.write_text(str(os.getpid()))          # a live process holds the workspace
    before = ws.ledger.read_bytes()
    with pytest.raises(LedgerLockedError):
        collect(ws)
    assert ws.ledger.read_bytes() == before


def test_missing_contact_is_a_reminder_at_the_footer_cell(ws, unit):
    phone_cell = meta_of(issued(ws, unit))["phone_cell"]          # e.g. "C12"
    target = fill(issued(ws, unit), returns(ws) / "民政局.xlsx", cells={phone_cell: None})
    outcome = collect(ws)
    row, column = int(phone_cell[1:]), phone_cell[0]
    assert (target.name, row, column, "missing-contact") in keys(outcome)
    assert outcome.exit_code == 0, "a reminder does not reject the file"
    assert outcome.verdicts[0].records, "the rows are still merged"


def test_merge_adds_each_period_unit_task_and_file_once():
    """A row already in 进展记录 (a re-collected file) or twice among the new ones is added once; the same row of
    another period is another row."""
    from toolkit.collect.merging import merge_rows
    from toolkit.models import Ledger, NoticeInfo, ProgressRecord

    def row(period, unit, task, sha, text="进展"):
        return ProgressRecord(period, unit, task, "主办", "序时推进", 50.0, text, "", "", sha256=sha)

    ledger = Ledger(info=NoticeInfo(), tasks=[], assignments=[], indicators=[], targets=[],
                    progress=[row("2024-W10", "区民政局", "1", "a"), row("2024-W11", "区民政局", "1", "b")])
    fresh = [row("2024-W11", "区财政局", "2", "c"), row("2024-W12", "区民政局", "1", "a")]
    assert merge_rows(ledger, fresh) == 2 and ledger.progress[-2:] == fresh          # all new: added in order
    again = [row("2024-W11", "区民政局", "1", "b", "重发"), row("2024-W11", "区民政局", "3", "b"),
             row("2024-W11", "区民政局", "3", "b", "同一文件又一行"), row("2024-W10", "区民政局", "1", "z")]
    assert merge_rows(ledger, again) == 2
    assert ledger.progress[-2:] == [again[1], again[3]]
    before = len(ledger.progress)
    assert merge_rows(ledger, [row("2024-W11", "区财政局", "2", "c", "再收一次")]) == 0   # no twin among the new ones
    assert len(ledger.progress) == before

