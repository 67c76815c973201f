"""Collecting the returned workbooks (issue 4): archive, judge, report, merge into the ledger.

`toolkit collect PERIOD` → collect_period; `toolkit status PERIOD` → period_status (writes nothing).
The checks that need no file or ledger live in toolkit/checks.py.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

from toolkit.checks import ERROR, FileRejected, Problem, is_ignored, sniff_format
from toolkit.errors import EXIT_OK, EXIT_REJECTED, ToolkitError
from toolkit.ledger import indicator_values_text, number_text
from toolkit.workspace import Workspace, safe_file_name

REPORT_NAME = "校验报告.xlsx"
SUMMARY_NAME = "汇总.xlsx"
RETURN_DIR = "退回"
REPORT_HEADERS = ["文件", "单位", "工作表", "行", "列", "字段", "原值", "代码", "级别", "说明"]

PASSED, WITH_NOTICES, REJECTED = "通过", "有提醒", "退回"


def _no_track(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


# ---------------------------------------------------------------- files on disk

def returned_files(folder: Path) -> list[Path]:
    """Every file under folder (recursively), lock files and hidden files left out, in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not is_ignored(p.relative_to(folder)))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_file(path: Path, sha256: str, archive_dir: Path) -> Path:
    """Copy byte-identical to 归档/<PERIOD>/<sha256[:12]>_<原名>; an existing copy is the same bytes, so kept."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    target = archive_dir / f"{sha256[:12]}_{_fit_name(path.name, 255 - 13)}"
    if not target.exists():
        tmp = archive_dir / f".{sha256[:12]}.{os.getpid()}.tmp"   # short: the final name may be 255 bytes
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    return target


def _fit_name(name: str, limit: int) -> str:
    """Shorten a file name to `limit` UTF-8 bytes, keeping its extension (file systems stop at 255 bytes)."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = name, ""
    tail = f"…{dot}{suffix}" if suffix else "…"
    while len((stem + tail).encode()) > limit:
        stem = stem[:-1]
    return stem + tail


def modified_time(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)


# ---------------------------------------------------------------- reading

@dataclass
class Book:
    """A returned workbook as plain values: every sheet's rows (row 0 = Excel row 1) and which are hidden."""
    format: str
    sheets: dict[str, list[list]]
    hidden: set[str] = field(default_factory=set)

    def sheet(self, name: str) -> list[list] | None:
        return self.sheets.get(name)


def read_book(path: Path, limits) -> Book:
    """Sniff, check limits, then read every sheet with calamine. Raises FileRejected on any failure."""
    kind = sniff_format(path, limits)
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    from toolkit.forms import LIST_SHEET

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets, hidden = {}, set()
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet or meta.name == LIST_SHEET:
                continue  # chart sheets, macro sheets, and our own dropdown list
            sheets[meta.name] = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            if meta.visible != SheetVisibleEnum.Visible:
                hidden.add(meta.name)
        book.close()
    except Exception as exc:  # noqa: BLE001 - any reader failure is the unit's file, not our bug
        if "password" in type(exc).__name__.lower() or "encrypt" in str(exc).lower():
            raise FileRejected("unreadable", "文件设置了密码，无法读取。请取消密码后重新发送。") from None
        raise FileRejected("unreadable", "文件已损坏或不完整，无法读取，可能传输中断。"
                                         "请用 Excel 或 WPS 打开确认能正常显示后，重新保存发送。") from None
    return Book(kind, sheets, hidden)


# ---------------------------------------------------------------- reports

def write_problem_report(path: Path, problems: list[Problem]) -> None:
    """校验报告.xlsx: one row per problem, errors first, every unit text written as a string."""
    from toolkit.sheets import write_table_workbook

    ordered = sorted(problems, key=lambda p: (p.file, p.level != ERROR, p.row or 0, p.column))
    rows = [[p.file, p.unit, p.sheet, p.row if p.row is not None else "", p.column, p.field, p.value,
             p.code, p.level, p.message] for p in ordered]
    write_table_workbook(path, [("校验报告", REPORT_HEADERS, rows)])


SUMMARY_HEADERS = ["期别", "单位", "任务序号", "角色", "本期状态", "完成进度", "指标完成值", "本期进展", "存在问题",
                   "下步计划", "填报人", "联系电话", "报送时间", "迟报", "文件", "SHA-256"]


def write_summary(path: Path, records: list) -> None:
    """汇总.xlsx: every accepted row of the period."""
    from toolkit.sheets import write_table_workbook

    rows = [[r.period, r.unit, r.task_id, r.role, r.state, r.progress if r.progress is not None else "",
             indicator_values_text(r.indicator_values), r.text, r.problems,
             r.plan, r.filler, r.phone, r.received or "", "是" if r.late else "否", r.file, r.sha256]
            for r in records]
    write_table_workbook(path, [("汇总", SUMMARY_HEADERS, rows)])


def return_message(unit: str, problems: list[Problem], period_display: str, due: datetime | None,
                   accepted: str = "") -> str:
    """退回/<单位>.txt: a message the clerk can forward to the unit as it is.

    `accepted`: the unit's form that was taken without errors, when the errors are all in other files (an
    unreadable attachment sent alongside): then the unit is told its return stands and what could not be read.
    """
    from toolkit.forms import due_text

    if accepted:
        opening = (f"你单位报送的{period_display}督查任务进展表《{accepted}》已通过校验并采用，无需重新报送。"
                   "另收到的以下文件无法采用：如是佐证材料，请转换为可以打开的格式后另行发送；如是误发，可不予理会。")
    else:
        opening = (f"你单位报送的{period_display}督查任务进展表经校验有以下问题，请按说明修改后尽快重新报送"
                   + (f"（本期报送截止：{due_text(due)}）。" if due else "。"))
    lines = [f"{unit}：", "", opening, ""]
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    number = 0
    for file, items in by_file.items():
        lines.append(f"文件《{file}》：")
        for problem in sorted(items, key=lambda p: (p.level != ERROR, p.row or 0, p.column)):
            number += 1
            lines.append(f"  {number}. [{problem.level}] {_where(problem)}{problem.message}")
        lines.append("")
    if not accepted:
        lines.append("标为“错误”的内容未被采用，修改后请在原表上更正并重新发送；标为“提醒”的请核对。")
    return "\n".join(lines) + "\n"


def _where(problem: Problem) -> str:
    parts = []
    if problem.sheet and problem.row:
        parts.append(f"“{problem.sheet}”表第{problem.row}行")
    if problem.column:
        parts.append(f"{problem.column}列")
    if problem.field:
        parts.append(f"（{problem.field}）")
    if problem.value:
        parts.append(f"原填“{problem.value}”")
    return ("".join(parts) + "：") if parts else ""


def write_return_notes(folder: Path, problems: list[Problem], period_display: str, due: datetime | None,
                       accepted: dict[str, str] | None = None) -> list[Path]:
    """One 退回/<单位>.txt per unit with at least one error; notes of an earlier run are replaced.

    `accepted`: unit → its form taken without errors (see return_message).
    """
    accepted = accepted or {}
    if folder.is_dir():
        for old in folder.glob("*.txt"):
            old.unlink()
    by_unit: dict[str, list[Problem]] = {}
    for problem in problems:
        by_unit.setdefault(problem.unit or "未识别单位", []).append(problem)
    written = []
    for unit, items in by_unit.items():
        if not any(p.is_error for p in items):
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{safe_file_name(unit, '未识别单位')}.txt"
        form = accepted.get(unit, "")
        if form and any(p.is_error and p.file == form for p in items):
            form = ""
        path.write_text(return_message(unit, items, period_display, due, form), encoding="utf-8")
        written.append(path)
    return written


# ---------------------------------------------------------------- merging into the ledger

def merge_rows(ledger, records: list) -> int:
    """Append accepted rows to 进展记录 unless the same (period, unit, task, sha256) is already there."""
    seen = {(r.period, r.unit, r.task_id, r.sha256) for r in ledger.progress}
    added = 0
    for record in records:
        key = (record.period, record.unit, record.task_id, record.sha256)
        if key in seen:
            continue
        seen.add(key)
        ledger.progress.append(record)
        added += 1
    return added


def update_submissions(ledger, period_id: str, expected_units: Iterable[str], verdicts: list["FileVerdict"]) -> None:
    """报送情况 for the period: every unit with tasks is expected; reported = has accepted rows in 进展记录.

    报送时间 is the first accepted file's time (a later correction does not make a unit late);
    问题数 counts this run's problems of the unit's files (kept from an earlier run for units not seen now).
    """
    from toolkit.models import SubmissionRecord

    previous = {s.unit: s for s in ledger.submissions if s.period == period_id}
    accepted = [r for r in ledger.progress if r.period == period_id]
    first: dict[str, object] = {}
    for record in sorted(accepted, key=lambda r: (r.received or datetime.max)):
        first.setdefault(record.unit, record)
    problems_now: dict[str, int] = {}
    for verdict in verdicts:
        if verdict.unit:
            problems_now[verdict.unit] = problems_now.get(verdict.unit, 0) + len(verdict.problems)
    units = list(dict.fromkeys([*expected_units, *first]))
    expected = set(expected_units)
    rows = []
    for unit in units:
        record = first.get(unit)
        old = previous.get(unit)
        rows.append(SubmissionRecord(
            period=period_id, unit=unit, expected=unit in expected, reported=record is not None,
            received=record.received if record else None, late=bool(record and record.late),
            problems=problems_now.get(unit, old.problems if old else 0),
            file=record.file if record else ""))
    ledger.submissions = [s for s in ledger.submissions if s.period != period_id] + rows


# ---------------------------------------------------------------- identity

def meta_identity(book: Book) -> dict[str, str] | None:
    """The `_meta` sheet as a dict (column A → column B), or None when the sheet is gone."""
    from toolkit.forms import META_SHEET
    from toolkit.checks import text_of

    rows = book.sheet(META_SHEET)
    if rows is None:
        return None
    meta = {}
    for row in rows:
        if len(row) >= 2 and text_of(row[0]):
            meta[text_of(row[0])] = "" if row[1] is None else str(row[1])
    return meta or None


def fallback_identity(path: Path) -> dict[str, str] | None:
    """Custom properties, then defined names (xlsx only): for a file whose `_meta` sheet was lost."""
    from toolkit.forms import DEFINED_NAME_PREFIX, IDENTITY_FIELDS, SIGNATURE_KEY

    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - no fall-back identity is the answer, not a crash
        return None
    try:
        texts: dict[str, str] = {}
        for prop in getattr(book, "custom_doc_props", None) or []:
            if prop.name.startswith(DEFINED_NAME_PREFIX) and prop.value is not None:
                texts[prop.name] = str(prop.value)
        if not texts:
            for name, defined in book.defined_names.items():
                if name.startswith(DEFINED_NAME_PREFIX):
                    value = defined.attr_text or ""
                    if value.startswith("=") and value[1:2] == '"':
                        texts[name] = value[2:-1].replace('""', '"')
    finally:
        book.close()
    identity = {}
    for key in (*IDENTITY_FIELDS, SIGNATURE_KEY):
        base = DEFINED_NAME_PREFIX + key.upper()
        if base not in texts:
            continue
        parts, n = [texts[base]], 2
        while f"{base}_{n}" in texts:
            parts.append(texts[f"{base}_{n}"])
            n += 1
        identity[key] = "".join(parts)
    return identity or None


# ---------------------------------------------------------------- judging one file

@dataclass
class Context:
    """What judging needs from the ledger, built once per run."""
    period: object                                   # periods.Period
    held: dict[str, list[tuple[str, str]]]           # unit -> [(task id, role)]
    tasks: dict[str, object]                         # task id -> models.Task
    indicators: dict[str, object]                    # indicator id -> IndicatorRecord
    schedules: dict[str, float]                      # task id -> 序时进度 at the period end
    directory: object
    key: bytes
    limits: object
    previous: dict = field(default_factory=dict)      # (unit, task id) -> the unit's report before this period
    completed_may_repeat: bool = True


@dataclass
class FileVerdict:
    """One returned file: where it is, who sent it, what was wrong, the rows that count."""
    path: Path
    name: str                       # as shown in the reports: path relative to the returns folder
    sha256: str
    received: datetime
    modified: datetime
    unit: str = ""
    problems: list[Problem] = field(default_factory=list)
    records: list = field(default_factory=list)      # accepted ProgressRecords
    rejected: bool = False          # a file-level error
    counted: bool = True            # False when superseded or a duplicate

    @property
    def status(self) -> str:
        if self.rejected or any(p.is_error for p in self.problems):
            return REJECTED
        return WITH_NOTICES if self.problems else PASSED

    def add(self, code: str, message: str, **where) -> Problem:
        problem = Problem(self.name, code, message, unit=self.unit, **where)
        self.problems.append(problem)
        return problem

    def reject(self, code: str, message: str) -> None:
        self.add(code, message)
        self.rejected = True
        self.records = []


def judge_file(verdict: FileVerdict, ctx: Context) -> None:
    """Fill verdict.problems and verdict.records; never raises for a bad file."""
    try:
        book = read_book(verdict.path, ctx.limits)
    except FileRejected as rejected:
        verdict.unit = _unit_from_name(verdict.path, ctx.directory) or ""
        verdict.reject(rejected.code, rejected.message)
        return
    identity = meta_identity(book)
    if identity is None and book.format == "xlsx":
        identity = fallback_identity(verdict.path)
    if identity is not None:
        if not _identity_accepted(verdict, identity, ctx):
            return
    else:
        unit = _unit_from_book(book, verdict.path, ctx.directory)
        verdict.unit = unit or ""
        verdict.add("unsigned", "表格缺少下发时的身份信息（可能重新制作或复制了表格），已按填报单位和文件名识别为"
                    f"“{unit}”，只采用该单位承担的任务。今后请直接在下发的原表上填写。" if unit else
                    "表格缺少下发时的身份信息，且无法从“填报单位”或文件名识别单位，全部内容未采用。"
                    "请在下发的原表上填写后重新报送。")
    _judge_rows(verdict, book, ctx)


def _identity_accepted(verdict: FileVerdict, identity: dict[str, str], ctx: Context) -> bool:
    from toolkit.forms import SIGNATURE_KEY, verify_identity

    verdict.unit = identity.get("unit", "") or _unit_from_name(verdict.path, ctx.directory) or ""
    signature = identity.get(SIGNATURE_KEY, "")
    if not verify_identity(ctx.key, identity, signature):
        verdict.reject("bad-signature", "表格的身份信息与下发时不一致（单位、期别或任务清单被改动，或不是本室下发的表格），"
                       "整表未采用。请在本期下发给你单位的原表上填写后重新报送。")
        return False
    if identity.get("period") != ctx.period.id:
        verdict.reject("wrong-period", f"这是 {identity.get('period')} 期下发的表格，不是本期（{ctx.period.display}）的。"
                       "请在本期下发的表格上填写后重新报送。")
        return False
    if verdict.unit not in ctx.held:
        verdict.add("not-assigned", f"“{verdict.unit}”目前在台账中没有承担任何任务，表格内容未采用。"
                    "如有疑问请与督查室联系。")
    return True


def _unit_from_book(book: Book, path: Path, directory) -> str | None:
    from toolkit.checks import text_of
    from toolkit.forms import TASK_SHEET

    for rows in ([book.sheet(TASK_SHEET)] if book.sheet(TASK_SHEET) else []) + list(book.sheets.values()):
        for row in rows[:6]:
            for i, cell in enumerate(row[:-1]):
                if text_of(cell).replace(" ", "").rstrip("：:") == "填报单位":
                    unit = directory.find(text_of(row[i + 1])) if text_of(row[i + 1]) else None
                    if unit:
                        return unit.name
    return _unit_from_name(path, directory)


def _unit_from_name(path: Path, directory) -> str | None:
    """The unit whose name or alias the file name holds (the longest match wins)."""
    if directory is None:
        return None
    exact = directory.find(path.stem)
    if exact:
        return exact.name
    best, length = None, 0
    for unit in directory.units:
        for name in (unit.name, *unit.aliases):
            if len(name) >= 2 and name in path.stem and len(name) > length:
                best, length = unit.name, len(name)
    return best


def _find_table(book: Book, preferred: str, must_have: tuple[str, ...]) -> tuple[str, int, dict[str, int]] | None:
    """(sheet, header row index, header → column) of the first sheet holding all `must_have` headers.

    Columns are found by header text, never by position, so an inserted column is still read right.
    """
    from toolkit.checks import text_of

    names = sorted(book.sheets, key=lambda n: (n != preferred, n in book.hidden))
    for name in names:
        for r, row in enumerate(book.sheets[name][:15]):
            headers = {_header_key(text_of(c)): i for i, c in reversed(list(enumerate(row))) if text_of(c)}
            if all(_header_key(h) in headers for h in must_have):
                return name, r, headers
    return None


def _header_key(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\n", "")
    return folded.split("(")[0]          # 完成进度（%） → 完成进度


def _cell(row: list, col: int | None):
    if col is None or col >= len(row):
        return None
    value = row[col]
    return None if value == "" else value


_SPACES = re.compile(r"\s+")


def _same_text(a: str, b: str) -> bool:
    return a == b or _SPACES.sub("", a or "") == _SPACES.sub("", b or "")


def _judge_rows(verdict: FileVerdict, book: Book, ctx: Context) -> None:
    from toolkit.forms import FOOTER_LABELS, INDICATOR_SHEET, TASK_SHEET

    found = _find_table(book, TASK_SHEET, ("序号", "本期状态", "完成进度", "本期进展"))
    if found is None:
        verdict.reject("unsupported-format", "找不到“任务填报”表（表头应含 序号、本期状态、完成进度、本期进展），"
                       "不是下发的填报表格式。请在下发的原表上填写后重新报送。")
        return
    sheet, header_row, columns = found
    rows = book.sheets[sheet]
    held = dict(ctx.held.get(verdict.unit, []))
    reported: dict[str, object] = {}
    seen: dict[str, int] = {}                 # task id -> Excel row
    footer_start = len(rows)
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        if _is_footer_row(row, FOOTER_LABELS):
            footer_start = r
            break
        record = _judge_task_row(verdict, sheet, r + 1, row, columns, held, seen, ctx)
        if record is not None:
            reported[record.task_id] = record
    footer = _footer_cells(rows, footer_start, FOOTER_LABELS)
    _fix_percent_cells(verdict, book, sheet, columns["完成进度"], reported, seen)
    for task_id, record in reported.items():
        _check_consistency(verdict, sheet, seen[task_id], columns["完成进度"], record, ctx)
        _check_unchanged(verdict, sheet, seen[task_id], columns.get("本期进展"), record, ctx)
    for record in reported.values():
        record.filler, record.phone = footer.get("填报人", ("",))[0], footer.get("联系电话", ("",))[0]
    if reported:
        _check_contact(verdict, sheet, footer)
    _judge_indicators(verdict, book, INDICATOR_SHEET, held, reported, ctx)
    for task_id, role in held.items():
        if task_id not in seen:
            verdict.add("missing-row", f"第{task_id}项任务（{role}）没有填报内容，本期按未报送计。请补报该项。",
                        sheet=sheet, field="序号", value=task_id)
    verdict.records = list(reported.values())


def _is_footer_row(row: list, labels: tuple[str, ...]) -> bool:
    from toolkit.checks import text_of

    return any(text_of(c).rstrip("：:") in labels for c in row[:3])


def _footer_cells(rows: list[list], first: int, labels: tuple[str, ...]) -> dict[str, tuple[str, int, str]]:
    """label → (answer, Excel row, column letter of the answer cell) for 填报人 / 联系电话 / 单位负责人,
    looking from row index `first` (where the task rows end) down."""
    from toolkit.checks import column_letter, text_of

    cells = {}
    for r in range(first, len(rows)):
        row = rows[r]
        for i, cell in enumerate(row):
            label = text_of(cell).replace(" ", "").rstrip("：:")
            if label in labels and label not in cells:
                answer = next((text_of(c) for c in row[i + 1:] if text_of(c)), "")
                cells[label] = (answer, r + 1, column_letter(i + 1))  # the answer sits right of its label
    return cells


def _check_contact(verdict: FileVerdict, sheet: str, footer: dict[str, tuple[str, int, str]]) -> None:
    from toolkit.forms import FOOTER_REQUIRED

    for label in FOOTER_REQUIRED:
        answer, row, column = footer.get(label, ("", None, ""))
        if not answer:
            verdict.add("missing-contact", f"没有填写{label}，督查室核实情况时无法联系。请在表格下方补填{label}。",
                        sheet=sheet, row=row, column=column, field=label, value="")


def _judge_task_row(verdict: FileVerdict, sheet: str, excel_row: int, row: list, columns: dict[str, int],
                    held: dict[str, str], seen: dict[str, int], ctx: Context):
    """One task row → an accepted ProgressRecord, or None (problems recorded on the verdict)."""
    from toolkit.checks import column_letter, is_blank, normalise_state, text_of
    from toolkit.models import REPORTABLE_STATES, ProgressRecord

    col = columns.get
    values = {name: _cell(row, col(name)) for name in ("本期状态", "完成进度", "本期进展", "存在问题", "下步计划")}
    task_id = text_of(_cell(row, col("序号")))
    where = dict(sheet=sheet, row=excel_row)

    def letter(name: str) -> str:
        return column_letter(col(name)) if col(name) is not None else ""

    if not task_id:
        if not is_blank(values["本期状态"]) or not is_blank(values["完成进度"]):
            verdict.add("not-assigned", "这一行没有任务序号，无法对应到任务，未采用。请不要增加行，"
                        "在对应任务所在行填写。", column=letter("序号"), field="序号", **where)
        return None
    task_id = _recover_task_id(verdict, task_id, row, columns, held, seen, ctx, where, letter)
    if task_id is None:
        return None
    if is_blank(values["本期状态"]) and is_blank(values["完成进度"]):
        return None                       # left unfilled: reported as missing-row at the end
    seen[task_id] = excel_row
    role = held[task_id]
    _check_locked(verdict, row, columns, ctx.tasks[task_id], role, where, letter)

    errors_before = sum(p.is_error for p in verdict.problems)
    state = normalise_state(values["本期状态"], REPORTABLE_STATES)
    if state is None:
        verdict.add("bad-state", f"本期状态“{text_of(values['本期状态'])}”不在可选范围内。"
                    f"请从下拉列表中选择：{'、'.join(REPORTABLE_STATES)}。" if not is_blank(values["本期状态"]) else
                    f"未选择本期状态。请从下拉列表中选择：{'、'.join(REPORTABLE_STATES)}。",
                    column=letter("本期状态"), field="本期状态", value=text_of(values["本期状态"]), **where)
    progress = _progress_of(values["完成进度"], state)
    if progress is None:
        verdict.add("bad-percent", "完成进度应为0—100之间的数字（例如 45 或 62.5）。请改正。" if not
                    is_blank(values["完成进度"]) else "未填写完成进度。请填写0—100之间的数字。",
                    column=letter("完成进度"), field="完成进度（%）", value=text_of(values["完成进度"]), **where)
    text = text_of(values["本期进展"])
    if not text and state != "未启动":
        verdict.add("missing-text", "本期进展为空。除“未启动”外都须填写本期进展；如无变化，可保留上期内容。",
                    column=letter("本期进展"), field="本期进展", **where)
    if sum(p.is_error for p in verdict.problems) > errors_before:
        return None
    late = verdict.received > ctx.period.due
    return ProgressRecord(period=ctx.period.id, unit=verdict.unit, task_id=task_id, role=role, state=state,
                          progress=progress, text=text, problems=text_of(values["存在问题"]),
                          plan=text_of(values["下步计划"]), received=verdict.received, late=late,
                          file=verdict.name, sha256=verdict.sha256)


def _check_unchanged(verdict: FileVerdict, sheet: str, excel_row: int, col: int | None, record,
                     ctx: Context) -> None:
    """A row sent back exactly as pre-filled (same text, state and progress as last time) is 未更新."""
    from toolkit.checks import column_letter
    from toolkit.progress import unchanged_counts

    previous = ctx.previous.get((record.unit, record.task_id))
    if unchanged_counts(record, previous, ctx.completed_may_repeat):
        verdict.add("unchanged", f"本期进展、本期状态和完成进度与上次报送（{previous.period}）完全相同，"
                    "通报中将计为“未更新”。如本期确有进展，请更新后重新报送；如确无进展，请在本期进展中写明原因。",
                    sheet=sheet, row=excel_row, column=column_letter(col) if col is not None else "",
                    field="本期进展", value=record.text[:60])


def _progress_of(value, state: str | None) -> float | None:
    from toolkit.checks import is_blank, normalise_percent

    if is_blank(value):
        return {"未启动": 0.0, "已完成": 100.0}.get(state or "")
    return normalise_percent(value)


def _recover_task_id(verdict, task_id, row, columns, held, seen, ctx, where, letter) -> str | None:
    """The row's task id; when the locked id was edited but the task text is intact, the text decides."""
    from toolkit.checks import text_of

    if task_id in held and task_id not in seen:
        return task_id
    text = text_of(_cell(row, columns.get("任务内容")))
    match = next((tid for tid in held if tid not in seen and text and _same_text(ctx.tasks[tid].text, text)), None)
    if match and task_id not in held:
        verdict.add("locked-changed", f"锁定的序号被改成了“{task_id}”，按任务内容识别为第{match}项。"
                    "请不要修改灰色锁定单元格。", column=letter("序号"), field="序号", value=task_id, **where)
        return match
    if task_id in seen:
        verdict.add("not-assigned", f"第{task_id}项任务重复填报（第{seen[task_id]}行已填），本行未采用。"
                    "请删除重复行。", column=letter("序号"), field="序号", value=task_id, **where)
    else:
        verdict.add("not-assigned", f"第{task_id}项任务不是你单位承担的任务，本行未采用。"
                    "请只填写下发表格中列出的任务；如分工有误请与督查室联系。",
                    column=letter("序号"), field="序号", value=task_id, **where)
    return None


def _check_locked(verdict, row, columns, task, role: str, where, letter) -> None:
    from toolkit.checks import text_of

    text = text_of(_cell(row, columns.get("任务内容")))
    if columns.get("任务内容") is not None and text and not _same_text(text, task.text):
        verdict.add("locked-changed", "锁定的任务内容被修改，以台账原文为准。请不要修改灰色锁定单元格。",
                    column=letter("任务内容"), field="任务内容", value=text, **where)
    shown_role = text_of(_cell(row, columns.get("本单位角色")))
    if columns.get("本单位角色") is not None and shown_role and shown_role != role:
        verdict.add("locked-changed", f"锁定的本单位角色被改为“{shown_role}”，以台账分工“{role}”为准。"
                    "如分工有误请与督查室联系。", column=letter("本单位角色"), field="本单位角色",
                    value=shown_role, **where)


def _fix_percent_cells(verdict, book: Book, sheet: str, col: int, reported: dict, seen: dict) -> None:
    """Excel stores 80% typed in a number cell as 0.8 with a percent format; calamine gives only 0.8."""
    from toolkit.checks import column_letter

    small = {tid: rec for tid, rec in reported.items()
             if rec.progress is not None and 0 < rec.progress <= 1}
    if not small:
        return
    cells = {tid: f"{column_letter(col)}{seen[tid]}" for tid in small}
    formatted = _percent_formatted(verdict.path, sheet, cells.values()) if book.format == "xlsx" else None
    for tid, rec in small.items():
        is_percent = formatted[cells[tid]] if formatted is not None else rec.progress < 1
        if is_percent:
            rec.progress = round(rec.progress * 100, 6)


def _percent_formatted(path: Path, sheet: str, cells: Iterable[str]) -> dict[str, bool] | None:
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        try:
            worksheet = book[sheet]
            return {ref: "%" in (worksheet[ref].number_format or "") for ref in cells}
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - fall back to the value alone
        return None


def _check_consistency(verdict, sheet: str, excel_row: int, col: int, record, ctx: Context) -> None:
    """A self-reported state that the numbers contradict is kept but flagged."""
    from toolkit.checks import column_letter

    progress, state = record.progress, record.state
    schedule = ctx.schedules.get(record.task_id)
    shown = number_text(progress)
    message = ""
    if state == "已完成" and progress is not None and progress < 100:
        message = f"本期状态为“已完成”，但完成进度只有{shown}%。请核对：已完成的填100，未完成的改选其他状态。"
    elif state != "已完成" and progress is not None and progress >= 100:
        message = f"完成进度为100%，但本期状态为“{state}”。请核对：已完成的请选择“已完成”。"
    elif state == "未启动" and progress:
        message = f"本期状态为“未启动”，但完成进度为{shown}%。请核对后改正其一。"
    elif state == "序时推进" and schedule is not None and progress is not None and progress < schedule:
        message = (f"自报“序时推进”，但完成进度{shown}%低于序时进度{number_text(round(schedule, 1))}%，"
                   "将按滞后计。请核对完成进度或本期状态。")
    if message:
        verdict.add("inconsistent", message, sheet=sheet, row=excel_row, column=column_letter(col),
                    field="完成进度（%）", value=shown)


def _judge_indicators(verdict: FileVerdict, book: Book, preferred: str, held: dict[str, str],
                      reported: dict, ctx: Context) -> None:
    """指标填报: values for the indicators of tasks the unit leads, attached to that task's accepted row."""
    from toolkit.checks import column_letter, is_blank, normalise_number, text_of
    from toolkit.models import LEAD

    found = _find_table(book, preferred, ("指标编号", "本期累计完成值"))
    if found is None:
        return
    sheet, header_row, columns = found
    value_col = columns["本期累计完成值"]
    for r in range(header_row + 1, len(book.sheets[sheet])):
        row = book.sheets[sheet][r]
        indicator_id = text_of(_cell(row, columns["指标编号"]))
        raw = _cell(row, value_col)
        if not indicator_id or is_blank(raw):
            continue
        where = dict(sheet=sheet, row=r + 1, column=column_letter(value_col), field="本期累计完成值",
                     value=text_of(raw))
        record = ctx.indicators.get(indicator_id)
        if record is None or held.get(record.task_id) != LEAD:
            verdict.add("not-assigned", f"指标“{indicator_id}”不属于你单位主办的任务，未采用。"
                        "请只填写下发表格中列出的指标。", **where)
            continue
        value = normalise_number(raw, record.unit)
        if value is None:
            verdict.add("bad-number", f"指标完成值应为不小于0的数字（单位：{record.unit or '见“单位”列'}），"
                        "不要带文字或说明。请改正。", **where)
            continue
        if record.task_id in reported:
            reported[record.task_id].indicator_values[indicator_id] = value


# ---------------------------------------------------------------- the command

@dataclass
class CollectOutcome:
    period_id: str
    period_display: str
    due: datetime
    source: Path
    verdicts: list[FileVerdict] = field(default_factory=list)
    added_rows: int = 0
    expected_units: list[str] = field(default_factory=list)
    reported_units: list[str] = field(default_factory=list)
    late_units: list[str] = field(default_factory=list)
    report: Path | None = None
    summary: Path | None = None
    return_notes: list[Path] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for v in self.verdicts for p in v.problems]

    @property
    def missing_units(self) -> list[str]:
        reported = set(self.reported_units)
        return [u for u in self.expected_units if u not in reported]

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if any(p.is_error for p in self.problems) else EXIT_OK

    def lines(self) -> list[str]:
        lines = [f"{self.period_display}：共收到 {len(self.verdicts)} 个文件（{self.source}）"]
        for v in self.verdicts:
            errors = sum(p.is_error for p in v.problems)
            notices = len(v.problems) - errors
            detail = "，".join(x for x in (errors and f"错误 {errors} 处", notices and f"提醒 {notices} 处",
                                          v.records and v.counted and f"采用 {len(v.records)} 行") if x)
            lines.append(f"  {v.status}  {v.name}  {v.unit or '未识别单位'}" + (f"（{detail}）" if detail else ""))
        statuses = [v.status for v in self.verdicts]
        lines.append(f"合计：通过 {statuses.count(PASSED)} 个，有提醒 {statuses.count(WITH_NOTICES)} 个，"
                     f"退回 {statuses.count(REJECTED)} 个；新增进展记录 {self.added_rows} 行。")
        lines.append(f"应报 {len(self.expected_units)} 个单位，已报 {len(self.reported_units)} 个，"
                     f"迟报 {len(self.late_units)} 个，未报 {len(self.missing_units)} 个。")
        if self.late_units:
            lines.append("迟报单位：" + "、".join(self.late_units))
        if self.missing_units:
            lines.append("未报送单位：" + "、".join(self.missing_units))
        if self.report:
            lines.append(f"校验报告：{self.report}")
        if self.summary:
            lines.append(f"汇总表：{self.summary}")
        if self.return_notes:
            lines.append(f"退回说明 {len(self.return_notes)} 份（可直接转发）：{self.return_notes[0].parent}")
        return lines


def collect_period(ws: Workspace, period_text: str, source: Path | None = None, received: datetime | None = None,
                   track=None) -> CollectOutcome:
    """`toolkit collect PERIOD [--from DIR] [--received DATETIME]`: archive, judge, merge, report."""
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.directory import load_directory, unit_tasks
    from toolkit.forms import office_key
    from toolkit.ledger import history_start, ledger_lock, load_ledger, save_ledger
    from toolkit.periods import parse_period

    track = track or _no_track
    config = load_config(ws)
    period = parse_period(period_text, config)
    folder = Path(source) if source else ws.returns(period.id)
    if not folder.is_dir():
        raise ToolkitError(f"找不到回收文件夹 {folder}。请把各单位报送的文件放到该文件夹（可含子文件夹），"
                           f"或用 --from 指定文件夹。")
    files = returned_files(folder)
    outcome = CollectOutcome(period.id, period.display, period.due, folder)
    with ledger_lock(ws):
        ledger = load_ledger(ws, since=history_start(period, config))
        directory = load_directory(ws)
        ctx = _context(ws, ledger, directory, period, config, unit_tasks(ledger, directory), office_key(ws))
        verdicts = _archive_all(files, folder, ws.archive(period.id), received, track)
        _judge_all(verdicts, ctx, track)
        _mark_earlier_collections(verdicts, ledger, period.id)
        _mark_superseded(verdicts)
        counted = [r for v in verdicts if v.counted and not v.rejected for r in v.records]
        outcome.added_rows = merge_rows(ledger, counted)
        update_submissions(ledger, period.id, list(ctx.held), verdicts)
        # 任务台账 shows the newest collected period of this kind, even when a late earlier one is collected now
        evaluated = progress.latest_submitted_period(ledger, period, config)
        holders = progress.task_holders(ledger, directory)
        ledger.status = progress.evaluate(ledger, evaluated, config, holders=holders)
        ledger.status_period = evaluated.id
        current = progress.indicator_values(ledger, evaluated, holders=holders)
        for record in ledger.indicators:
            if record.id in current:
                record.current = current[record.id]
        outcome.verdicts = verdicts
        _fill_submission_summary(outcome, ledger, period.id)
        _write_outputs(ws, outcome, ledger, period)   # before the ledger: a report open in Excel stops us first
        try:
            save_ledger(ws, ledger)
        except OSError as exc:
            raise ToolkitError(f"台账 {ws.ledger} 无法写入（{exc.strerror or exc}）。请确认台账未被其他程序打开、"
                               "磁盘有空间且文件不是只读，然后重新运行；台账保持原样。") from exc
    return outcome


def _context(ws, ledger, directory, period, config, held, key) -> Context:
    from toolkit.periods import period_end_of, schedule_percent
    from toolkit.progress import last_reports, task_due, window_start

    schedules = {}
    for task in ledger.tasks:
        try:
            schedules[task.id] = schedule_percent(window_start(task, ledger, period.year),
                                                  task_due(task, ledger, period.year), period.end)
        except Exception:  # noqa: BLE001 - no schedule means no 序时 comparison for that task
            continue
    return Context(period=period, held=held, tasks={t.id: t for t in ledger.tasks},
                   indicators={i.id: i for i in ledger.indicators}, schedules=schedules,
                   directory=directory, key=key, limits=config.limits,
                   previous=last_reports(ledger, period.start, period_end_of),
                   completed_may_repeat=config.collect.completed_may_repeat)


def _archive_all(files: list[Path], folder: Path, archive_dir: Path, received: datetime | None,
                 track) -> list[FileVerdict]:
    verdicts = []
    for path in track(files, len(files), "归档回收文件"):
        try:
            sha = sha256_of(path)
            archive_file(path, sha, archive_dir)
        except OSError as exc:
            raise ToolkitError(f"无法归档回收文件 {path}（{exc.strerror or exc}）。每个文件都须先归档再校验，"
                               f"请检查 {archive_dir} 所在磁盘的空间和权限后重新运行；台账未作改动。") from exc
        modified = modified_time(path)
        verdicts.append(FileVerdict(path, path.relative_to(folder).as_posix(), sha, received or modified, modified))
    return verdicts


def _judge_all(verdicts: list[FileVerdict], ctx: Context, track) -> None:
    first_of: dict[str, FileVerdict] = {}
    # of identical copies, the earliest and plainest name (民政局.xlsx before 民政局(1).xlsx) is the original
    for verdict in sorted(verdicts, key=lambda v: (v.modified, len(v.name), v.name)):
        first_of.setdefault(verdict.sha256, verdict)
    ordered = sorted(verdicts, key=lambda v: first_of[v.sha256] is not v)
    for verdict in track(ordered, len(ordered), "校验回收文件"):
        original = first_of[verdict.sha256]
        if original is not verdict:
            verdict.unit, verdict.rejected = original.unit, original.rejected
            verdict.counted = False
            verdict.add("duplicate-file", f"与《{original.name}》内容完全相同（重复发送），只计一次。")
            continue
        try:
            judge_file(verdict, ctx)
        except Exception as exc:  # noqa: BLE001 - one strange file must never stop the others
            verdict.reject("unreadable", f"文件内容异常，无法校验（{type(exc).__name__}）。"
                           "请用 Excel 或 WPS 打开确认后另存为 .xlsx 重新发送。")


def _mark_earlier_collections(verdicts: list[FileVerdict], ledger, period_id: str) -> None:
    """The same bytes collected in an earlier run under another name are a duplicate; same name is a re-run."""
    earlier = {}
    for record in ledger.progress:
        if record.period == period_id:
            earlier.setdefault(record.sha256, set()).add(record.file)
    for verdict in verdicts:
        names = earlier.get(verdict.sha256)
        if verdict.counted and names and verdict.name not in names:
            verdict.add("duplicate-file", f"与此前已收取的《{sorted(names)[0]}》内容完全相同，只计一次。")


def _mark_superseded(verdicts: list[FileVerdict]) -> None:
    """Of one unit's files for the period, only the newest (by modification time) counts."""
    by_unit: dict[str, list[FileVerdict]] = {}
    for verdict in verdicts:
        if verdict.counted and not verdict.rejected and verdict.unit:
            by_unit.setdefault(verdict.unit, []).append(verdict)
    for items in by_unit.values():
        items.sort(key=lambda v: (v.modified, v.name))
        newest = items[-1]
        for older in items[:-1]:
            older.counted = False
            older.records = []
            older.problems = []
            older.add("superseded", f"本单位又报送了更新的文件《{newest.name}》，本文件不再采用（仍存档）。")


def _fill_submission_summary(outcome: CollectOutcome, ledger, period_id: str) -> None:
    rows = [s for s in ledger.submissions if s.period == period_id]
    outcome.expected_units = [s.unit for s in rows if s.expected]
    outcome.reported_units = [s.unit for s in rows if s.reported]
    outcome.late_units = [s.unit for s in rows if s.reported and s.late]


def _write_outputs(ws: Workspace, outcome: CollectOutcome, ledger, period) -> None:
    folder = ws.period_dir(period.id)
    outcome.report = folder / REPORT_NAME
    write_problem_report(outcome.report, outcome.problems)
    outcome.summary = folder / SUMMARY_NAME
    write_summary(outcome.summary, [r for r in ledger.progress if r.period == period.id])
    accepted = {v.unit: v.name for v in outcome.verdicts
                if v.unit and v.counted and not v.rejected and v.records and not any(p.is_error for p in v.problems)}
    outcome.return_notes = write_return_notes(folder / RETURN_DIR, outcome.problems, period.display, period.due,
                                              accepted)


# ---------------------------------------------------------------- status (writes nothing)

@dataclass
class StatusOutcome:
    period_id: str
    period_display: str
    due: datetime
    as_of: datetime
    expected_units: list[str]
    reported: dict[str, datetime | None]
    late_units: list[str]
    waiting_files: int = 0          # files in the returns folder not collected yet

    @property
    def missing_units(self) -> list[str]:
        return [u for u in self.expected_units if u not in self.reported]

    @property
    def exit_code(self) -> int:
        return EXIT_OK

    def reminder(self) -> str:
        """催报 text for the chat group."""
        if not self.missing_units:
            return f"{self.period_display}重点任务推进情况已全部报送，感谢各单位支持！"
        overdue = self.as_of > self.due
        when = f"{self.due.month}月{self.due.day}日{self.due:%H:%M}"
        return (f"【催报】{self.period_display}重点任务推进情况填报表报送截止时间为{when}，"
                + ("现已逾期，" if overdue else "")
                + f"以下{len(self.missing_units)}个单位尚未报送：{'、'.join(self.missing_units)}。"
                + ("请立即报送，逾期将在通报中列为未报送。" if overdue else f"请于{when}前报送，逾期将在通报中列为未报送。"))

    def lines(self) -> list[str]:
        lines = [f"{self.period_display}（截止 {self.due:%Y-%m-%d %H:%M}，统计至 {self.as_of:%Y-%m-%d %H:%M}）",
                 f"应报 {len(self.expected_units)} 个单位，已报 {len(self.reported)} 个，迟报 {len(self.late_units)} 个，"
                 f"未报 {len(self.missing_units)} 个。"]
        if self.reported:
            lines.append("已报送：" + "、".join(self.reported))
        if self.late_units:
            lines.append("迟报：" + "、".join(self.late_units))
        if self.missing_units:
            lines.append("未报送：" + "、".join(self.missing_units))
        if self.waiting_files:
            lines.append(f"回收文件夹中有 {self.waiting_files} 个文件尚未计入（未收取或已退回）；"
                         f"收取请运行 toolkit collect {self.period_id}。")
        lines += ["", "催报消息（可直接复制到工作群）：", self.reminder()]
        return lines


def period_status(ws: Workspace, period_text: str, as_of: datetime | None = None) -> StatusOutcome:
    """`toolkit status PERIOD`: who reported, who is late, who is missing, and a 催报 message; writes nothing."""
    from toolkit.config import load_config
    from toolkit.directory import load_directory, unit_tasks
    from toolkit.ledger import load_ledger
    from toolkit.periods import parse_period

    config = load_config(ws)
    period = parse_period(period_text, config)
    ledger = load_ledger(ws, since=period.start)     # only this period's rows are counted
    expected = list(unit_tasks(ledger, load_directory(ws)))
    rows = {s.unit: s for s in ledger.submissions if s.period == period.id}
    reported = {u: s.received for u, s in rows.items() if s.reported}
    for record in ledger.progress:             # rows merged before 报送情况 existed still count
        if record.period == period.id:
            reported.setdefault(record.unit, record.received)
    late = [u for u, s in rows.items() if s.reported and s.late]
    merged = {r.sha256 for r in ledger.progress if r.period == period.id}
    waiting = [p for p in returned_files(ws.returns(period.id)) if sha256_of(p) not in merged]
    return StatusOutcome(period.id, period.display, period.due, as_of or datetime.now().replace(microsecond=0),
                         expected, reported, late, len(waiting))
