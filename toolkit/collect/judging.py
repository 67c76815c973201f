"""Judging one returned file: identity, period, rows against the unit's tasks, locked cells and values."""
from __future__ import annotations

import itertools
import pickle
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from toolkit import beside, lifecycle
from toolkit.checks import (FileRejected, Problem, column_letter, is_blank, normalise_number, normalise_percent,
                            normalise_state, text_of)
from toolkit.collect.book import Book, fallback_identity, meta_identity, read_book
from toolkit.ledger import number_text
from toolkit.models import LEAD, REPORTABLE_STATES, ProgressRecord, record_from_values, record_values

PASSED, WITH_NOTICES, REJECTED = "通过", "有提醒", "退回"


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
    dues: dict = field(default_factory=dict)          # task id -> current 完成时限 (for 调整 requests, issue 13)
    approver_required: bool = False                   # [lifecycle] approver_required


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
    preset: tuple[str, str] | None = None   # (code, message) found in the inbox: link, still copying, package …
    units_inside: list[str] = field(default_factory=list)   # units named in a rejected package
    lifecycle: list = field(default_factory=list)    # lifecycle.Found: 销号/调整 applications and evidence claims

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
        reject_with_units(verdict, rejected.code, rejected.message, ctx)
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


ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z")


def reject_with_units(verdict: FileVerdict, code: str, message: str, ctx: Context) -> None:
    """A file-level rejection; for a package, the units whose files it holds are named (not only 未报送)."""
    verdict.unit = _unit_from_name(verdict.path, ctx.directory) or ""
    if verdict.path.suffix.lower() in ARCHIVE_SUFFIXES or code == "unsupported-archive":
        named = [verdict.unit] if verdict.unit else []
        verdict.units_inside = list(dict.fromkeys(named + units_inside_package(verdict.path, ctx.directory)))
        if verdict.units_inside:
            verdict.unit = verdict.units_inside[0]
            message += f"压缩包中有以下单位的文件：{'、'.join(verdict.units_inside)}，它们的报送本次均未采用。"
    verdict.reject(code, message)


def apply_preset(verdict: FileVerdict, ctx: Context) -> None:
    """A problem found in the inbox (link, still copying, package trouble) instead of judging the file."""
    from toolkit.checks import LEVELS, NOTICE

    code, message = verdict.preset
    verdict.counted = False
    if LEVELS[code] == NOTICE:
        verdict.unit = _unit_from_name(Path(verdict.name), ctx.directory) or ""
        verdict.add(code, message)
    else:
        reject_with_units(verdict, code, message, ctx)


def units_inside_package(path: Path, directory) -> list[str]:
    """Units named by a package's member names (.zip) or, for .rar/.7z, in the clear-text names inside its bytes."""
    import zipfile

    from toolkit.collect.inbox import member_name

    names: list[str] = []
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = [member_name(i) for i in archive.infolist()]
        elif directory is not None:
            data = path.read_bytes()[: 64 << 20]
            names = [u.name for u in directory.units
                     if any(n.encode(e) in data for n in (u.name, *u.aliases) if len(n) >= 2
                            for e in ("utf-8", "gbk", "utf-16-le"))]
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return []
    found = [_unit_from_name(Path(n.replace("\\", "/").rsplit("/", 1)[-1] or n), directory) for n in names]
    return list(dict.fromkeys(u for u in found if u))


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
    lifecycle_columns = _lifecycle_columns(columns)
    plain = _PlainRow.of(columns, lifecycle_columns, verdict, ctx) if PLAIN_ROWS else None
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        if _is_footer_row(row, FOOTER_LABELS):
            footer_start = r
            break
        record = plain(row, r + 1, held, seen) if plain else None
        if record is not None:
            reported[record.task_id] = record
            continue
        record = _judge_task_row(verdict, sheet, r + 1, row, columns, held, seen, ctx)
        if record is not None:
            reported[record.task_id] = record
            _judge_lifecycle_row(verdict, sheet, r + 1, row, lifecycle_columns, held[record.task_id], record, ctx)
    footer = _footer_cells(rows, footer_start, FOOTER_LABELS)
    _fix_percent_cells(verdict, book, sheet, columns["完成进度"], reported, seen)
    for task_id, record in reported.items():
        _check_consistency(verdict, sheet, seen[task_id], columns["完成进度"], record, ctx)
        _check_unchanged(verdict, sheet, seen[task_id], columns.get("本期进展"), record, ctx)
    for record in reported.values():
        record.filler, record.phone = footer.get("填报人", ("",))[0], footer.get("联系电话", ("",))[0]
    if reported:
        _check_contact(verdict, sheet, footer)
        if lifecycle.check_approver(verdict.add, sheet, footer, ctx.approver_required):
            reported, verdict.lifecycle = {}, []      # not signed off: nothing of the file is taken
    _judge_indicators(verdict, book, INDICATOR_SHEET, held, reported, ctx)
    for task_id, role in held.items():
        if task_id not in seen:
            verdict.add("missing-row", f"第{task_id}项任务（{role}）没有填报内容，本期按未报送计。请补报该项。",
                        sheet=sheet, field="序号", value=task_id)
    verdict.records = list(reported.values())


PLAIN_ROWS = True       # tests turn the shortcut off to compare


class _PlainRow:
    """The row a unit filled as asked, taken without the checks that would find nothing in it: its own task (held,
    not seen before) by its id as issued, the locked cells as issued, a state from the list, a number 0–100, a
    progress text, nothing in the lifecycle columns. Anything else (None back) goes through _judge_task_row, which
    for such a row would give the same record and no problem; most rows of most returns are such rows."""

    NEEDED = ("序号", "本期状态", "完成进度", "本期进展", "存在问题", "下步计划")

    def __init__(self, columns: dict[str, int], lifecycle_columns: dict, verdict: FileVerdict, ctx: Context):
        self.id_col, self.state_col, self.progress_col, self.text_col, self.problems_col, self.plan_col = (
            columns[name] for name in self.NEEDED)
        self.task_text_col, self.role_col = columns.get("任务内容"), columns.get("本单位角色")
        self.lifecycle_cols = [col for col, _ in lifecycle_columns.values() if col is not None]
        self.width = 1 + max([*(columns[name] for name in self.NEEDED),
                              *(c for c in (self.task_text_col, self.role_col) if c is not None)])
        self.tasks = ctx.tasks
        self.fixed = _file_fields(verdict, ctx)

    @classmethod
    def of(cls, columns: dict[str, int], lifecycle_columns: dict, verdict: FileVerdict, ctx: Context
           ) -> "_PlainRow | None":
        return cls(columns, lifecycle_columns, verdict, ctx) if all(n in columns for n in cls.NEEDED) else None

    def __call__(self, row: list, excel_row: int, held: dict[str, str], seen: dict[str, int]):
        """The row's record (seen marked), or None when the row needs the full judging."""
        if len(row) < self.width:
            return None
        task_id, state, progress, text = row[self.id_col], row[self.state_col], row[self.progress_col], \
            row[self.text_col]
        if task_id.__class__ is not str or task_id not in held or task_id in seen or state not in REPORTABLE_STATES \
                or progress.__class__ not in (int, float) or text.__class__ is not str or not text \
                or text[0].isspace() or text[-1].isspace():
            return None
        progress = round(float(progress), 6)
        if not 0 <= progress <= 100:
            return None
        role = held[task_id]
        if self.task_text_col is not None and row[self.task_text_col] not in ("", self.tasks[task_id].text):
            return None
        if self.role_col is not None and row[self.role_col] not in ("", role):
            return None
        if not _asks_nothing(row, self.lifecycle_cols):
            return None
        seen[task_id] = excel_row
        return ProgressRecord(task_id=task_id, role=role, state=state, progress=progress, text=text,
                              problems=text_of(row[self.problems_col]), plan=text_of(row[self.plan_col]),
                              **self.fixed)


def _lifecycle_columns(columns: dict[str, int]) -> dict[str, tuple[int | None, str]]:
    """header → (column index or None, column letter or "") of the lifecycle columns, once per file."""
    found = {}
    for h in lifecycle.FORM_HEADERS:
        col = columns.get(_header_key(h))
        found[h] = (col, column_letter(col) if col is not None else "")
    return found


def _judge_lifecycle_row(verdict: FileVerdict, sheet: str, excel_row: int, row: list,
                         lifecycle_columns: dict[str, tuple[int | None, str]], role: str, record, ctx: Context) -> None:
    """申请销号 … 佐证材料 of an accepted row, judged by toolkit/lifecycle.py (issue 13); a row that leaves them all
    empty (nearly every row) asks for nothing."""
    if _asks_nothing(row, [col for col, _ in lifecycle_columns.values() if col is not None]):
        return
    cells = {h: (_cell(row, col), letter) for h, (col, letter) in lifecycle_columns.items()}
    verdict.lifecycle += lifecycle.judge_row(verdict.add, cells, record, role, sheet, excel_row,
                                             ctx.dues.get(record.task_id))


def _asks_nothing(row: list, columns: list[int]) -> bool:
    """Whether the row leaves every lifecycle column (申请销号 … 佐证材料: their indexes) empty."""
    for col in columns:
        if col < len(row) and row[col] not in ("", None):
            return False
    return True


def _file_fields(verdict: FileVerdict, ctx: Context) -> dict:
    """What every accepted row of a file takes from the file: its period, unit, time of receipt, lateness, name and
    SHA-256."""
    return dict(period=ctx.period.id, unit=verdict.unit, received=verdict.received,
                late=verdict.received > ctx.period.due, file=verdict.name, sha256=verdict.sha256)


def _is_footer_row(row: list, labels: tuple[str, ...]) -> bool:
    """A label (填报人 …) in one of the first three cells; a label is a text (a number or date cell never is)."""
    for cell in row[:3]:
        if cell.__class__ is str and cell and cell.strip().rstrip("：:") in labels:
            return True
    return False


def _footer_cells(rows: list[list], first: int, labels: tuple[str, ...]) -> dict[str, tuple[str, int, str]]:
    """label → (answer, Excel row, column letter of the answer cell) for 填报人 / 联系电话 / 单位负责人,
    looking from row index `first` (where the task rows end) down."""
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

    problems_before = len(verdict.problems)
    raw_state = values["本期状态"]     # nearly always a word of the dropdown, which needs no normalising
    state = raw_state if raw_state in REPORTABLE_STATES else normalise_state(raw_state, REPORTABLE_STATES)
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
    if any(p.is_error for p in verdict.problems[problems_before:]):
        return None
    return ProgressRecord(task_id=task_id, role=role, state=state, progress=progress, text=text,
                          problems=text_of(values["存在问题"]), plan=text_of(values["下步计划"]),
                          **_file_fields(verdict, ctx))


def _check_unchanged(verdict: FileVerdict, sheet: str, excel_row: int, col: int | None, record,
                     ctx: Context) -> None:
    """A row sent back exactly as pre-filled (same text, state and progress as last time) is 未更新."""
    from toolkit.progress import unchanged_counts

    previous = ctx.previous.get((record.unit, record.task_id))
    if unchanged_counts(record, previous, ctx.completed_may_repeat):
        verdict.add("unchanged", f"本期进展、本期状态和完成进度与上次报送（{previous.period}）完全相同，"
                    "通报中将计为“未更新”。如本期确有进展，请更新后重新报送；如确无进展，请在本期进展中写明原因。",
                    sheet=sheet, row=excel_row, column=column_letter(col) if col is not None else "",
                    field="本期进展", value=record.text[:60])


def _progress_of(value, state: str | None) -> float | None:
    if is_blank(value):
        return {"未启动": 0.0, "已完成": 100.0}.get(state or "")
    return normalise_percent(value)


def _recover_task_id(verdict, task_id, row, columns, held, seen, ctx, where, letter) -> str | None:
    """The row's task id; when the locked id was edited but the task text is intact, the text decides."""
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
    text = _cell(row, columns.get("任务内容"))       # untouched, the locked cell holds the ledger's text as it is
    if text is not None and text != task.text and (text := text_of(text)) and not _same_text(text, task.text):
        verdict.add("locked-changed", "锁定的任务内容被修改，以台账原文为准。请不要修改灰色锁定单元格。",
                    column=letter("任务内容"), field="任务内容", value=text, **where)
    shown_role = text_of(_cell(row, columns.get("本单位角色")))
    if columns.get("本单位角色") is not None and shown_role and shown_role != role:
        verdict.add("locked-changed", f"锁定的本单位角色被改为“{shown_role}”，以台账分工“{role}”为准。"
                    "如分工有误请与督查室联系。", column=letter("本单位角色"), field="本单位角色",
                    value=shown_role, **where)


def _fix_percent_cells(verdict, book: Book, sheet: str, col: int, reported: dict, seen: dict) -> None:
    """Excel stores 80% typed in a number cell as 0.8 with a percent format; calamine gives only 0.8."""
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
    from toolkit.collect.numformats import percent_formatted     # the package's XML: no openpyxl to import

    return percent_formatted(path, sheet, cells)


def _check_consistency(verdict, sheet: str, excel_row: int, col: int, record, ctx: Context) -> None:
    """A self-reported state that the numbers contradict is kept but flagged."""
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


# ---------------------------------------------------------------- judging the files of one run

SPLIT_FILES = 16     # from this many files on, a child judges beside the command (fewer do not repay the fork)


def judge_all(verdicts: list[FileVerdict], ctx: Context, track, meanwhile: Callable[[], None] | None = None) -> None:
    """Judge every file; identical copies are judged once. Where toolkit.beside can fork, the command and a child
    take the files in turn (beside.Turns), and `meanwhile` (work the command needs later) runs while the child
    starts; elsewhere it runs first."""
    for verdict in verdicts:
        if verdict.preset is not None:
            apply_preset(verdict, ctx)
    verdicts = [v for v in verdicts if v.preset is None]
    first_of: dict[str, FileVerdict] = {}
    # of identical copies, the earliest and plainest name (民政局.xlsx before 民政局(1).xlsx) is the original
    for verdict in sorted(verdicts, key=lambda v: (v.modified, len(v.name), v.name)):
        first_of.setdefault(verdict.sha256, verdict)
    originals = [v for v in verdicts if first_of[v.sha256] is v]
    copies = [v for v in verdicts if first_of[v.sha256] is not v]
    turns = _turns_for(len(originals))
    child = beside.start(_judged_in_turns, originals, turns, ctx) if turns else None
    if meanwhile is not None:
        meanwhile()
    judged_elsewhere: set[int] = set()
    order = _in_turns(originals, turns, child, judged_elsewhere, ctx) if turns else originals
    for verdict in track(itertools.chain(order, copies), len(verdicts), "校验回收文件"):
        original = first_of[verdict.sha256]
        if original is not verdict:
            verdict.unit, verdict.rejected = original.unit, original.rejected
            verdict.counted = False
            verdict.add("duplicate-file", f"与《{original.name}》内容完全相同（重复发送），只计一次。")
        elif id(verdict) not in judged_elsewhere:
            _judge_guarded(verdict, ctx)


def _turns_for(count: int) -> beside.Turns | None:
    """Turns for a child and the command to share `count` files, or None when the command judges them alone."""
    if count < SPLIT_FILES or not beside.can_fork():
        return None
    try:
        return beside.Turns(count)
    except ValueError:
        return None


def _in_turns(originals: list[FileVerdict], turns: beside.Turns, child: beside.Pending, judged_elsewhere: set[int],
              ctx: Context) -> Iterator[FileVerdict]:
    """The files the command takes in turn with its child (judged by the caller as they come), then those the
    child judged, their states set here (a child that died has its files judged here)."""
    mine = set()
    while (index := turns.take()) is not None:
        mine.add(index)
        yield originals[index]
    turns.close()
    states = child.result_or({})
    theirs = [index for index in range(len(originals)) if index not in mine]
    for index in theirs:
        if index in states:
            state = pickle.loads(states[index])
            state["records"] = list(map(record_from_values, state["records"]))
            originals[index].__dict__.update(state)
            judged_elsewhere.add(id(originals[index]))
    yield from (originals[index] for index in theirs)


def _judged_in_turns(originals: list[FileVerdict], turns: beside.Turns, ctx: Context) -> dict[int, bytes]:
    """In the child: judge the files it takes in turn; what judging set on each, by its number, pickled as soon as
    it is judged (so that the last file is all that is left to pickle when the command waits; the accepted records
    as tuples of values, see models.record_values)."""
    states = {}
    while (index := turns.take()) is not None:
        _judge_guarded(originals[index], ctx)
        states[index] = pickle.dumps({**originals[index].__dict__,
                                      "records": list(map(record_values, originals[index].records))},
                                     protocol=pickle.HIGHEST_PROTOCOL)
    return states


def _judge_guarded(verdict: FileVerdict, ctx: Context) -> None:
    try:
        judge_file(verdict, ctx)
    except Exception as exc:  # noqa: BLE001 - one strange file must never stop the others
        verdict.reject("unreadable", f"文件内容异常，无法校验（{type(exc).__name__}）。"
                       "请用 Excel 或 WPS 打开确认后另存为 .xlsx 重新发送。")


def mark_earlier_collections(verdicts: list[FileVerdict], ledger, period_id: str) -> None:
    """The same bytes collected in an earlier run under another name are a duplicate; same name is a re-run."""
    earlier = {}
    for record in ledger.progress:
        if record.period == period_id:
            earlier.setdefault(record.sha256, set()).add(record.file)
    for verdict in verdicts:
        names = earlier.get(verdict.sha256)
        if verdict.counted and names and verdict.name not in names:
            verdict.add("duplicate-file", f"与此前已收取的《{sorted(names)[0]}》内容完全相同，只计一次。")


def mark_superseded(verdicts: list[FileVerdict]) -> None:
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
