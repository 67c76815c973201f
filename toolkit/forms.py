"""The per-unit fill-in workbooks (`toolkit issue`, DESIGN §7).

Layout contract (schema "1") — the collection stage reads the workbooks by this layout:

* Sheet ``任务填报`` (visible, first). Excel row 1 is the title, row 2 holds ``填报单位`` in A2 with the unit
  name in B2 and ``报送截止`` in D2 with the due text in E2, row 3 is the header row with ``TASK_HEADERS`` in
  columns A..Q, and task rows start at row 4 (``TASK_FIRST_ROW``), one per task, 主办 rows first. Column A
  (序号) holds the task id as text. Inputs are columns H..L (本期状态, 完成进度（%）, 本期进展, 存在问题,
  下步计划) and M..Q (申请销号, 办结依据, 申请调整时限, 调整理由, 佐证材料 — toolkit/lifecycle.py; on a 协办 row
  only 佐证材料 is unlocked). After the last task row comes one empty row, then three rows whose column B holds the labels
  ``填报人``, ``联系电话``, ``单位负责人（审核）`` and whose column C holds the unit's answers (the inputs).
* Sheet ``指标填报`` (visible): row 1 title, row 2 headers ``INDICATOR_HEADERS`` in columns A..G, indicator
  rows from row 3 (``INDICATOR_FIRST_ROW``): A 指标编号 (IndicatorRecord.id "<task id>#<n>"), B 任务序号,
  C 指标原文, D 目标值 (number), E 单位, F 上期完成值 (number or empty), G 本期累计完成值 (the only input,
  pre-filled with the current value when the ledger has one). No rows when the unit leads no task with indicators.
* Sheet ``_lists`` (hidden): A1:A4 are the states a unit may choose (models.REPORTABLE_STATES), named
  ``TK_STATES``; the 本期状态 dropdown uses that name.
* Sheet ``_meta`` (very hidden; LibreOffice turns it into plain hidden): key in column A, value in column B,
  from row 1, every value a string. Keys: the identity fields ``schema``, ``unit``, ``period``, ``tasks``
  (task ids joined by ","), ``issued`` (ISO date-time, seconds), then ``signature`` (hex HMAC-SHA256), then
  layout hints ``task_sheet``, ``task_first_row``, ``task_count``, ``indicator_sheet``,
  ``indicator_first_row``, ``indicator_count``, ``filler_cell``, ``phone_cell``, ``head_cell`` (e.g. "C12").

How a reader finds each field: with python-calamine, read sheet ``_meta`` and turn its rows into a dict
(column A → column B); verify ``signature`` with ``verify_identity(office_key(ws), meta, meta["signature"])``
(only the IDENTITY_FIELDS are signed). Task rows: sheet ``任务填报``, rows ``task_first_row`` ..
``task_first_row + task_count - 1`` (1-based, as Excel shows them; calamine's to_python() index is row - 1),
columns by TASK_HEADERS (match header texts in row 3 rather than positions, to report a unit's edits).
Footer: the cells named by ``filler_cell`` / ``phone_cell`` / ``head_cell``, i.e. column C of the rows whose
column B reads 填报人 / 联系电话 / 单位负责人（审核）. Indicators: sheet ``指标填报`` from row ``indicator_first_row``,
``indicator_count`` rows, key column A, value column G. The same identity is also in the custom document
properties and the defined names ``TK_SCHEMA``, ``TK_UNIT``, ``TK_PERIOD``, ``TK_TASKS``, ``TK_ISSUED``,
``TK_SIGNATURE`` (defined names are string constants ="…"); a value longer than 250 characters is split into
``NAME``, ``NAME_2``, ``NAME_3`` … whose texts are concatenated. Those two copies are for openpyxl readers and
for a file whose ``_meta`` sheet was lost.

Writing (issue 16): ``write_unit_workbook`` writes each package directly. The sheets are XML made from cached row
fragments (toolkit/formxml.py; a task's row recurs in many units' forms), texts as inline strings. The parts
every unit shares (styles, theme, relationships, ``_lists``) come once per process from a reference workbook that
xlsxwriter writes, and are deflated once. xlsxwriter's per-cell writer stays as the reference
(tests/test_forms_package.py checks that both give the same workbook). It also writes the rare form the direct
writer leaves to it.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.ledger import number_text
from toolkit.lifecycle import APPROVER_SHOWN, FORM_HEADERS as LIFECYCLE_HEADERS, LEAD_ONLY_HEADERS, YES, without_closed
from toolkit.models import CO, LEAD, REPORTABLE_STATES, Ledger
from toolkit.progress import last_reports
from toolkit.sheets import print_setup, text_width
from toolkit.workspace import Workspace, safe_file_name

# ----------------------------------------------------------------------------------------------- contract

FORM_SCHEMA = "1"

TASK_SHEET = "任务填报"
INDICATOR_SHEET = "指标填报"
LIST_SHEET = "_lists"
META_SHEET = "_meta"
STATES_NAME = "TK_STATES"

TASK_HEADERS = ("序号", "任务内容", "本单位角色", "牵头领导", "量化指标", "上期状态", "上期进展",
                "本期状态", "完成进度（%）", "本期进展", "存在问题", "下步计划", *LIFECYCLE_HEADERS)
TASK_INPUT_HEADERS = ("本期状态", "完成进度（%）", "本期进展", "存在问题", "下步计划", *LIFECYCLE_HEADERS)
TASK_REQUIRED_HEADERS = ("本期状态", "完成进度（%）", "本期进展")
TASK_TITLE_ROW = 1        # Excel row numbers (1-based) throughout the contract
TASK_UNIT_ROW = 2         # A2 "填报单位", B2 unit name; D2 "报送截止", E2 due text
TASK_HEADER_ROW = 3
TASK_FIRST_ROW = 4
FOOTER_LABEL_COLUMN = "B"
FOOTER_VALUE_COLUMN = "C"
FOOTER_LABELS = ("填报人", "联系电话", APPROVER_SHOWN)
FOOTER_REQUIRED = ("填报人", "联系电话")

INDICATOR_HEADERS = ("指标编号", "任务序号", "指标原文", "目标值", "单位", "上期完成值", "本期累计完成值")
INDICATOR_INPUT_HEADERS = ("本期累计完成值",)
INDICATOR_HEADER_ROW = 2
INDICATOR_FIRST_ROW = 3

IDENTITY_FIELDS = ("schema", "unit", "period", "tasks", "issued")
SIGNATURE_KEY = "signature"
TASKS_SEPARATOR = ","
DEFINED_NAME_PREFIX = "TK_"
CHUNK = 250               # Excel keeps at most 255 characters in a property value or a string constant

_WEEKDAYS = "一二三四五六日"


def footer_rows(task_count: int) -> dict[str, int]:
    """Excel row of 填报人 / 联系电话 / 单位负责人 for a workbook with `task_count` task rows."""
    first = TASK_FIRST_ROW + task_count + 1
    return {label: first + i for i, label in enumerate(FOOTER_LABELS)}


def split_task_ids(tasks: str) -> list[str]:
    return [t for t in tasks.split(TASKS_SEPARATOR) if t]


# ----------------------------------------------------------------------------------------------- identity

def canonical_identity(identity: dict[str, str]) -> bytes:
    """UTF-8 JSON array of [key, value] pairs in IDENTITY_FIELDS order; every value must be a string."""
    pairs = []
    for key in IDENTITY_FIELDS:
        value = identity.get(key)
        if not isinstance(value, str):
            raise ValueError(f"identity field {key!r} must be a string, got {value!r}")
        pairs.append([key, value])
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign_identity(key: bytes, identity: dict[str, str]) -> str:
    return hmac.new(key, canonical_identity(identity), hashlib.sha256).hexdigest()


def verify_identity(key: bytes, identity: dict[str, str], signature: str) -> bool:
    """True only if every identity field is a string and the signature matches."""
    if not isinstance(signature, str):
        return False
    try:
        expected = sign_identity(key, identity)
    except ValueError:
        return False
    return hmac.compare_digest(expected, signature.strip().lower())


def office_key(ws: Workspace) -> bytes:
    """The office's HMAC key, created on first use at outputs/.office_key (32 random bytes)."""
    path = ws.office_key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another command created it a moment ago
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32))
    key = path.read_bytes()
    if len(key) < 32:
        raise ToolkitError(
            f"签名密钥文件 {path} 已损坏（长度不足）。请从备份中恢复该文件；"
            f"若确实无法恢复，删除它后重新运行 toolkit issue，并重新下发所有填报表（旧表的签名将无法通过校验）。")
    return key


def make_identity(unit: str, period_id: str, task_ids: Sequence[str], issued: datetime) -> dict[str, str]:
    return {"schema": FORM_SCHEMA, "unit": unit, "period": period_id,
            "tasks": TASKS_SEPARATOR.join(task_ids), "issued": issued.replace(microsecond=0).isoformat()}


# ----------------------------------------------------------------------------------------------- plain rows

@dataclass(frozen=True)
class TaskRow:
    task_id: str
    text: str
    role: str                # 主办 | 协办
    leaders: str
    indicators: str          # the task's targets as text, one per line
    last_state: str = ""
    last_text: str = ""


@dataclass(frozen=True)
class IndicatorRow:
    indicator_id: str
    task_id: str
    phrase: str
    target: float | None
    unit: str
    current: float | None = None


@dataclass
class UnitForm:
    unit: str
    tasks: list[TaskRow]
    indicators: list[IndicatorRow]

    @property
    def lead_ids(self) -> list[str]:
        return [t.task_id for t in self.tasks if t.role == LEAD]

    @property
    def co_ids(self) -> list[str]:
        return [t.task_id for t in self.tasks if t.role != LEAD]


def plan_forms(ledger: Ledger, assignments: dict[str, list[tuple[str, str]]], period_start: date,
               period_end_of: Callable[[str], date]) -> list[UnitForm]:
    """One UnitForm per unit: its tasks (主办 first, then 协办, each in notice order) and lead indicators."""
    tasks = {t.id: t for t in ledger.tasks}
    order = {t.id: t.seq for t in ledger.tasks}
    reports = last_reports(ledger, period_start, period_end_of)
    indicators_by_task: dict[str, list] = {}
    for record in ledger.indicators:
        indicators_by_task.setdefault(record.task_id, []).append(record)

    shown = {t.id: ("、".join(t.leaders), _targets(t, indicators_by_task.get(t.id, []))) for t in ledger.tasks}
    made: dict[tuple, TaskRow] = {}     # equal rows are one object: the writer caches each row's XML by it
    forms = []
    for unit, held in assignments.items():
        held = [(tid, role) for tid, role in held if tid in tasks]
        held.sort(key=lambda item: (item[1] != LEAD, order.get(item[0], 0)))
        rows = [_task_row(tasks[tid], role, unit, ledger, reports, *shown[tid], made) for tid, role in held]
        indicator_rows = [IndicatorRow(r.id, r.task_id, r.phrase, r.target, r.unit, r.current)
                          for tid, role in held if role == LEAD for r in indicators_by_task.get(tid, [])]
        if rows:
            forms.append(UnitForm(unit, rows, indicator_rows))
    return forms


def _targets(task, indicators: list) -> str:
    """The task's targets as text, one per line: the ledger's indicator records, else the parsed ones."""
    return "\n".join(r.phrase for r in indicators) or "\n".join(i.phrase for i in task.indicators)


def _task_row(task, role: str, unit: str, ledger: Ledger, reports: dict, leaders: str, targets: str,
              made: dict[tuple, TaskRow]) -> TaskRow:
    report = reports.get((unit, task.id))
    if report is not None:
        state, text = report.state, report.text
    elif role == LEAD and _has_history(ledger.status.get(task.id)):
        status = ledger.status[task.id]
        state, text = status.state, status.latest
    else:
        state, text = "", ""
    key = (task.id, role, state or "", text or "")
    row = made.get(key)
    if row is None:
        row = made[key] = TaskRow(task.id, task.text, role, leaders, targets, state or "", text or "")
    return row


def _has_history(status) -> bool:
    """A fresh ledger says 未报送 for every task; that is no "last period" to show."""
    return status is not None and bool(status.last_period or status.latest)


# ----------------------------------------------------------------------------------------------- workbook

def _column_width(header: str, values: Iterable[Any], low: float, cap: float) -> float:
    if low >= cap:
        return low                       # a fixed width: nothing to measure
    widest = text_width(header) / 2 + 2  # headers wrap onto two lines
    for value in values:
        if widest >= cap:
            break
        if value is not None and value != "":
            widest = max(widest, _text_extent(value if value.__class__ is str else str(value)))
    return max(low, min(cap, widest))


@functools.lru_cache(maxsize=1 << 16)
def _text_extent(text: str) -> float:
    """The width of a text's widest line plus 2: the same task text recurs in every unit's form."""
    return max(text_width(line) for line in text.split("\n")) + 2


# (lowest, cap) per column; inputs get room to type even when empty
_TASK_WIDTHS = {"序号": (8, 8), "任务内容": (24, 42), "本单位角色": (7, 7), "牵头领导": (8, 12),
                "量化指标": (10, 20), "上期状态": (9, 9), "上期进展": (14, 24), "本期状态": (11, 11),
                "完成进度（%）": (9, 9), "本期进展": (26, 30), "存在问题": (18, 20), "下步计划": (18, 20),
                "申请销号": (7, 7), "办结依据": (14, 18), "申请调整时限": (11, 11), "调整理由": (14, 18),
                "佐证材料": (14, 20)}
_INDICATOR_WIDTHS = {"指标编号": (8, 10), "任务序号": (7, 8), "指标原文": (24, 44), "目标值": (9, 12),
                     "单位": (7, 10), "上期完成值": (10, 12), "本期累计完成值": (12, 14)}
LINE_HEIGHT = 13.5        # points per line of 10-pt text
MAX_ROW_HEIGHT = 409      # Excel's limit
TITLE_SCALE = 1.6         # a 16-pt title character is 1.6 times as wide as a 10-pt one


def title_height(title: str, widths: Sequence[float]) -> float:
    lines = max(1, math.ceil(text_width(title) * TITLE_SCALE / max(sum(widths) - 2, 1)))
    return lines * 22 + 8


def row_height(values: Sequence[Any], widths: Sequence[float], min_lines: int = 1) -> float:
    lines = min_lines
    for value, width in zip(values, widths):
        if value:
            lines = max(lines, _text_lines(str(value), max(width - 1.5, 1)))
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 4)


@functools.lru_cache(maxsize=1 << 16)
def _text_lines(text: str, usable: float) -> int:
    """Lines a text wraps to in a column `usable` units wide: the same task text recurs in every unit's form."""
    return sum(1 if 2 * len(part) <= usable else max(1, math.ceil(text_width(part) / usable))
               for part in text.split("\n"))


def _formats(book) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "valign": "top", "border": 1, "text_wrap": True}
    unlocked = {**base, "locked": False}
    return {
        "title": book.add_format({"font_name": "黑体", "font_size": 16, "bold": True, "align": "center",
                                  "valign": "vcenter", "text_wrap": True}),
        "label": book.add_format({"font_name": "宋体", "font_size": 10, "bold": True, "valign": "vcenter"}),
        "value": book.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter"}),
        "note": book.add_format({"font_name": "宋体", "font_size": 9, "font_color": "#595959",
                                 "valign": "vcenter", "text_wrap": True}),
        "header": book.add_format({**base, "bold": True, "align": "center", "valign": "vcenter",
                                   "bg_color": "#DDEBF7"}),
        "input_header": book.add_format({**base, "bold": True, "align": "center", "valign": "vcenter",
                                         "bg_color": "#E2EFDA"}),
        "locked": book.add_format({**base, "bg_color": "#F2F2F2"}),
        "locked_center": book.add_format({**base, "bg_color": "#F2F2F2", "align": "center"}),
        "locked_number": book.add_format({**base, "bg_color": "#F2F2F2", "num_format": "General"}),
        "input_text": book.add_format({**unlocked, "num_format": "@"}),
        "input_choice": book.add_format({**unlocked, "align": "center"}),
        "input_number": book.add_format({**unlocked, "num_format": "General", "align": "center"}),
        "input_date": book.add_format({**unlocked, "num_format": "yyyy-mm-dd", "align": "center"}),
        "footer_label": book.add_format({"font_name": "宋体", "font_size": 10, "bold": True, "align": "right",
                                         "valign": "vcenter"}),
        "footer_input": book.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter",
                                         "locked": False, "bottom": 1, "num_format": "@"}),
        "missing": book.add_format({"bg_color": "#FFEB9C"}),
    }


def _write_header_row(sheet, fmt, row: int, headers: Sequence[str], inputs: Sequence[str]) -> None:
    """Headers of the columns a unit fills are green, the locked ones blue."""
    for col, header in enumerate(headers):
        sheet.write_string(row, col, header, fmt["input_header"] if header in inputs else fmt["header"])
    sheet.set_row(row, 30)


def _write_text(sheet, row: int, col: int, value: str, fmt) -> None:
    if value:
        sheet.write_string(row, col, value, fmt)
    else:
        sheet.write_blank(row, col, None, fmt)


def _write_number(sheet, row: int, col: int, value: float | None, fmt) -> None:
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_number(row, col, value, fmt)


def due_text(due: datetime) -> str:
    return f"{due.year}年{due.month}月{due.day}日（星期{_WEEKDAYS[due.weekday()]}）{due:%H:%M}前"


def _protect(sheet) -> None:
    # no password: protection only prevents accidents; the signature is the integrity check (DESIGN §7)
    sheet.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                       "select_unlocked_cells": True})


def write_unit_workbook(path: Path, unit: str, period_display: str, due: datetime, tasks: Sequence[TaskRow],
                        indicators: Sequence[IndicatorRow], identity: dict[str, str], signature: str,
                        title_prefix: str = "", per_cell: bool = False) -> Path:
    """Write one unit's workbook (layout in the module docstring); returns `path`.

    The package is written directly (`_package_parts`); `per_cell` writes it through xlsxwriter's per-cell writer
    instead, as the fast path's reference (and for the rare form the direct writer leaves to it: a text of 16,384
    characters or more or with a control character or an "_xHHHH_" escape, a number that is not finite). Both
    give the same cells, styles, validations and identity.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    parts = None
    if not per_cell and _fits_package(tasks, indicators):
        from toolkit.formxml import NotInline

        try:
            parts = _package_parts(unit, period_display, due, tasks, indicators, identity, signature, title_prefix)
        except NotInline:
            parts = None
    if parts is None:
        _write_per_cell(tmp, unit, period_display, due, tasks, indicators, identity, signature, title_prefix)
        os.replace(tmp, path)
    else:
        _save_package(tmp, path, parts)
    return path


def _save_package(tmp: Path, path: Path, parts: list) -> None:
    """Deflate the unit's own parts, zip them with the shared ones, write the file and move it into place."""
    from toolkit.formxml import Part, zip_package

    try:
        tmp.write_bytes(zip_package([part if isinstance(part, Part) else Part.of(*part, _PACKAGE_LEVEL)
                                     for part in parts]))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_per_cell(target, unit: str, period_display: str, due: datetime, tasks: Sequence[TaskRow],
                    indicators: Sequence[IndicatorRow], identity: dict[str, str], signature: str,
                    title_prefix: str) -> dict[str, Any]:
    """The workbook through xlsxwriter, cell by cell, into `target` (a path or a BytesIO); returns its formats."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target if hasattr(target, "write") else str(target),
                               {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
                                "in_memory": True})
    fmt = _formats(book)
    title = _title(title_prefix, period_display)
    footer_cells = _write_task_sheet(book, fmt, title, unit, due_text(due), tasks)
    _write_indicator_sheet(book, fmt, unit, period_display, indicators)
    _write_lists_sheet(book)
    _write_meta_sheet(book, identity, signature, _layout(tasks, indicators, footer_cells))
    _write_identity_elsewhere(book, identity, signature)
    book.set_properties(_properties(title, unit, identity))
    book.close()
    return fmt


def _title(title_prefix: str, period_display: str) -> str:
    return f"{title_prefix}{period_display}重点任务推进情况填报表"


def _properties(title: str, unit: str, identity: dict[str, str]) -> dict[str, str]:
    return {"title": title, "subject": f"{unit} {identity.get('period', '')}", "author": "督查室",
            "comments": "请勿修改表头、增删行列；灰色单元格为锁定内容。"}


def _layout(tasks: Sequence[TaskRow], indicators: Sequence[IndicatorRow], footer_cells: dict[str, str]) -> dict:
    return {"task_sheet": TASK_SHEET, "task_first_row": str(TASK_FIRST_ROW), "task_count": str(len(tasks)),
            "indicator_sheet": INDICATOR_SHEET, "indicator_first_row": str(INDICATOR_FIRST_ROW),
            "indicator_count": str(len(indicators)), "filler_cell": footer_cells["填报人"],
            "phone_cell": footer_cells["联系电话"], "head_cell": footer_cells[APPROVER_SHOWN]}


# What each task-row cell holds and how it looks; both writers follow these.
_TASK_STYLES = ("locked_center", "locked", "locked_center", "locked", "locked", "locked_center", "locked",
                "input_choice", "input_number", "input_text", "input_text", "input_text")
_UNIT_NOTE = ("绿色表头为填报列：本期状态从下拉列表选择，完成进度填0—100的数字；"
              "黄色单元格为尚未填写的必填项。本期进展已预填上期内容，有变化请直接修改。")


def _task_values(t: TaskRow) -> list[str]:
    return [t.task_id, t.text, t.role, t.leaders, t.indicators, t.last_state, t.last_text,
            "", "", t.last_text, "", "", *([""] * len(LIFECYCLE_HEADERS))]


@functools.lru_cache(maxsize=None)
def _task_styles(role: str) -> tuple[str, ...]:
    """The format of each cell of a task row: 申请销号 … 佐证材料 (issue 13) are a lead row's to fill; a co-unit's row
    only fills 佐证材料 (the rest locked)."""
    return _TASK_STYLES + tuple(_lifecycle_style(role, header) for header in LIFECYCLE_HEADERS)


def _lifecycle_style(role: str, header: str) -> str:
    if role != LEAD and header in LEAD_ONLY_HEADERS:
        return "locked"
    if header == "申请销号":
        return "input_choice"
    if header == "申请调整时限":
        return "input_date"
    return "input_text"


_INDICATOR_STYLES = ("locked_center", "locked_center", "locked", "locked_number", "locked_center", "locked_number",
                     "input_number")


def _indicator_cells(item: IndicatorRow) -> list[str | float | None]:
    """What each cell of an indicator row holds (texts, or numbers where _INDICATOR_STYLES has a number format)."""
    return [item.indicator_id, item.task_id, item.phrase, item.target, item.unit, item.current, item.current]


def _indicator_values(item: IndicatorRow) -> list[str]:
    return [item.indicator_id, item.task_id, item.phrase, number_text(item.target), item.unit,
            number_text(item.current), number_text(item.current)]


def _task_widths(rows: Sequence[Sequence[str]]) -> list[float]:
    return [_column_width(h, (r[i] for r in rows), *_TASK_WIDTHS[h]) for i, h in enumerate(TASK_HEADERS)]


def _indicator_widths(rows: Sequence[Sequence[str]]) -> list[float]:
    return [_column_width(h, (r[n] for r in rows), *_INDICATOR_WIDTHS[h]) for n, h in enumerate(INDICATOR_HEADERS)]


def _indicator_title(unit: str, period_display: str, indicators: Sequence[IndicatorRow]) -> str:
    title = f"{unit}量化指标填报（{period_display}，本单位主办任务）"
    return title + ("" if indicators else "：本单位主办任务无量化指标，本表无需填写")


_STATE_RULE = {"input_title": "本期状态", "input_message": "请从下拉列表中选择一项。",
               "error_title": "本期状态只能从列表中选择",
               "error_message": f"请点单元格右侧的下拉箭头，从“{'、'.join(REPORTABLE_STATES)}”中选择一项，"
                                "不要自行输入其他文字。"}
_PROGRESS_RULE = {"input_title": "完成进度（%）", "input_message": "填0—100之间的数字，不带%号。",
                  "error_title": "完成进度应为0—100的数字",
                  "error_message": "请填写0到100之间的数字（例如 45 或 62.5），不要带%号或文字。"}
_CLOSE_RULE = {"input_title": "申请销号",
               "input_message": "任务已完成、申请销号的选“是”，并填写办结依据；本期状态须为“已完成”。",
               "error_title": "申请销号只能选“是”或留空", "error_message": "请从下拉列表选择“是”，不申请的留空。"}
_DUE_RULE = {"input_title": "申请调整时限",
             "input_message": "确需延期的，填写申请延至的日期（如 2024-09-30），并填写调整理由。请在现完成时限之前提出。",
             "error_title": "请填写日期", "error_message": "请填写日期，例如 2024-09-30。"}
_EARLIEST_DUE = date(2000, 1, 1)
_INDICATOR_RULE = {"input_title": "本期累计完成值", "input_message": "填写截至本期末的累计数，只填数字，单位见“单位”列。",
                   "error_title": "累计完成值应为不小于0的数字",
                   "error_message": "请只填写数字（例如 120 或 3.5），单位已在“单位”列给出，不要带单位或文字。"}


def _write_task_sheet(book, fmt, title: str, unit: str, due_label: str, tasks: Sequence[TaskRow]) -> dict[str, str]:
    sheet = book.add_worksheet(TASK_SHEET)
    sheet.activate()
    last_col = len(TASK_HEADERS) - 1
    rows = [_task_values(t) for t in tasks]
    widths = _task_widths(rows)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)

    sheet.merge_range(0, 0, 0, last_col, title, fmt["title"])
    sheet.set_row(0, title_height(title, widths))
    sheet.write_string(1, 0, "填报单位", fmt["label"])
    sheet.write_string(1, 1, unit, fmt["value"])
    sheet.write_string(1, 3, "报送截止", fmt["label"])
    sheet.merge_range(1, 4, 1, 6, due_label, fmt["value"])
    sheet.merge_range(1, 7, 1, last_col, _UNIT_NOTE, fmt["note"])
    sheet.set_row(1, 28)

    _write_header_row(sheet, fmt, TASK_HEADER_ROW - 1, TASK_HEADERS, TASK_INPUT_HEADERS)

    first = TASK_FIRST_ROW - 1
    for offset, (task, values) in enumerate(zip(tasks, rows)):
        r = first + offset
        for col, (value, style) in enumerate(zip(values, _task_styles(task.role))):
            _write_text(sheet, r, col, value, fmt[style])
        sheet.set_row(r, row_height(values, widths, min_lines=3))

    _write_lifecycle_validation(sheet, first, tasks)
    if tasks:
        last = first + len(tasks) - 1
        col = TASK_HEADERS.index
        sheet.data_validation(first, col("本期状态"), last, col("本期状态"), {
            "validate": "list", "source": f"={STATES_NAME}", "error_type": "stop", **_STATE_RULE})
        sheet.data_validation(first, col("完成进度（%）"), last, col("完成进度（%）"), {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100, "error_type": "stop",
            **_PROGRESS_RULE})
        for header in TASK_REQUIRED_HEADERS:
            sheet.conditional_format(first, col(header), last, col(header),
                                     {"type": "blanks", "format": fmt["missing"]})

    footer = footer_rows(len(tasks))
    cells = {}
    for label, excel_row in footer.items():
        r = excel_row - 1
        sheet.write_string(r, 1, label, fmt["footer_label"])
        sheet.merge_range(r, 2, r, 4, "", fmt["footer_input"])
        sheet.set_row(r, 22)
        cells[label] = f"{FOOTER_VALUE_COLUMN}{excel_row}"
        if label in FOOTER_REQUIRED:
            sheet.conditional_format(r, 2, r, 2, {"type": "blanks", "format": fmt["missing"]})

    sheet.freeze_panes(TASK_HEADER_ROW, 2)
    print_setup(sheet, TASK_HEADER_ROW)
    _protect(sheet)
    return cells


def _write_lifecycle_validation(sheet, first: int, tasks: Sequence[TaskRow]) -> None:
    """Prompts and checks on the lead rows' 申请销号 (是 / empty) and 申请调整时限 (a date); 主办 rows come first."""
    leads = sum(t.role == LEAD for t in tasks)
    if not leads:
        return
    last = first + leads - 1
    col = TASK_HEADERS.index
    sheet.data_validation(first, col("申请销号"), last, col("申请销号"), {
        "validate": "list", "source": [YES], "error_type": "stop", **_CLOSE_RULE})
    sheet.data_validation(first, col("申请调整时限"), last, col("申请调整时限"), {
        "validate": "date", "criteria": ">=", "value": _EARLIEST_DUE, "error_type": "stop", **_DUE_RULE})


def _write_indicator_sheet(book, fmt, unit: str, period_display: str, indicators: Sequence[IndicatorRow]) -> None:
    sheet = book.add_worksheet(INDICATOR_SHEET)
    last_col = len(INDICATOR_HEADERS) - 1
    rows = [_indicator_values(i) for i in indicators]
    widths = _indicator_widths(rows)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    title = _indicator_title(unit, period_display, indicators)
    sheet.merge_range(0, 0, 0, last_col, title, fmt["title"])
    sheet.set_row(0, title_height(title, widths))
    _write_header_row(sheet, fmt, INDICATOR_HEADER_ROW - 1, INDICATOR_HEADERS, INDICATOR_INPUT_HEADERS)
    first = INDICATOR_FIRST_ROW - 1
    for offset, item in enumerate(indicators):
        r = first + offset
        for col, (value, style) in enumerate(zip(_indicator_cells(item), _INDICATOR_STYLES)):
            if isinstance(value, str):
                _write_text(sheet, r, col, value, fmt[style])
            else:
                _write_number(sheet, r, col, value, fmt[style])
        sheet.set_row(r, row_height(rows[offset], widths))
    if indicators:
        last = first + len(indicators) - 1
        sheet.data_validation(first, last_col, last, last_col, {
            "validate": "decimal", "criteria": ">=", "value": 0, "error_type": "stop", **_INDICATOR_RULE})
        sheet.conditional_format(first, last_col, last, last_col, {"type": "blanks", "format": fmt["missing"]})
    sheet.freeze_panes(INDICATOR_HEADER_ROW, 0)
    print_setup(sheet, INDICATOR_HEADER_ROW)
    _protect(sheet)


def _write_lists_sheet(book) -> None:
    sheet = book.add_worksheet(LIST_SHEET)
    for row, state in enumerate(REPORTABLE_STATES):
        sheet.write_string(row, 0, state)
    book.define_name(STATES_NAME, f"={LIST_SHEET}!$A$1:$A${len(REPORTABLE_STATES)}")
    sheet.hide()
    _protect(sheet)


def _meta_pairs(identity: dict[str, str], signature: str, layout: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, identity[key]) for key in IDENTITY_FIELDS] + [(SIGNATURE_KEY, signature)] + list(layout.items())


def _write_meta_sheet(book, identity: dict[str, str], signature: str, layout: dict[str, str]) -> None:
    sheet = book.add_worksheet(META_SHEET)
    for row, (key, value) in enumerate(_meta_pairs(identity, signature, layout)):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 70)
    sheet.very_hidden()
    _protect(sheet)


def identity_chunks(identity: dict[str, str], signature: str) -> list[tuple[str, str]]:
    """(name, text) for the defined names and custom properties: TK_UNIT, TK_TASKS, TK_TASKS_2 …"""
    items = [(key, identity[key]) for key in IDENTITY_FIELDS] + [(SIGNATURE_KEY, signature)]
    result = []
    for key, value in items:
        base = DEFINED_NAME_PREFIX + key.upper()
        parts = [value[i:i + CHUNK] for i in range(0, len(value), CHUNK)] or [""]
        for n, part in enumerate(parts, start=1):
            result.append((base if n == 1 else f"{base}_{n}", part))
    return result


def _string_constant(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _write_identity_elsewhere(book, identity: dict[str, str], signature: str) -> None:
    for name, text in identity_chunks(identity, signature):
        book.set_custom_property(name, text, "text")
        book.define_name(name, "=" + _string_constant(text))


# ----------------------------------------------------------------------------------------------- the package

_PACKAGE_LEVEL = 1           # zlib level of the parts written for each unit (the shared ones: 6, once)


def _fits_package(tasks: Sequence[TaskRow], indicators: Sequence[IndicatorRow]) -> bool:
    """The direct writer covers every form with a task row and finite numbers (texts it cannot write inline
    raise formxml.NotInline as they are met)."""
    return bool(tasks) and all(value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                                 and math.isfinite(value))
                               for i in indicators for value in (i.target, i.current))


@dataclass(frozen=True)
class _Reference:
    """What every unit's package shares, taken from one workbook written per cell: the parts that never change
    (deflated once), the xf index of each format, the workbook.xml around its defined names."""
    shared: dict[str, Any]
    xf: dict[str, int]
    dxf: int
    workbook_head: str
    workbook_tail: str
    fixed_names: tuple[tuple[str, int, str], ...]


@functools.lru_cache(maxsize=1)
def _reference() -> _Reference:
    import io
    import re
    import zipfile

    from toolkit.formxml import Part, unescape_data

    sample = [TaskRow("1", "任务", LEAD, "领导", "指标", "序时推进", "进展"), TaskRow("2", "任务", CO, "", "")]
    indicators = [IndicatorRow("1#1", "1", "指标", 1.0, "个", None)]
    identity = make_identity("单位", "2024-W1", ["1", "2"], datetime(2024, 1, 1, 9))
    buffer = io.BytesIO()
    fmt = _write_per_cell(buffer, "单位", "期别", datetime(2024, 1, 4, 17), sample, indicators, identity, "0", "")
    with zipfile.ZipFile(buffer) as package:
        text = {name: package.read(name).decode("utf-8") for name in package.namelist()}
    xf = {name: f._get_xf_index() for name, f in fmt.items() if name != "missing"}   # equal formats share one
    written = int(re.search(r'<cellXfs count="(\d+)"', text["xl/styles.xml"])[1])
    if max(xf.values()) >= written or fmt["missing"].dxf_index is None:
        raise RuntimeError(f"the reference form leaves formats unused: {xf}")
    text["[Content_Types].xml"] = re.sub(r'<Override PartName="/xl/sharedStrings.xml"[^>]*/>', "",
                                         text["[Content_Types].xml"])
    text["xl/_rels/workbook.xml.rels"] = re.sub(r'<Relationship [^>]*Target="sharedStrings.xml"/>', "",
                                                text["xl/_rels/workbook.xml.rels"])
    head, rest = text["xl/workbook.xml"].split("<definedNames>")
    names, tail = rest.split("</definedNames>")
    identity_names = {name for name, _ in identity_chunks(identity, "0")}
    fixed = tuple((name, int(local) if local else -1, unescape_data(formula)) for name, local, formula in
                  re.findall(r'<definedName name="([^"]+)"(?: localSheetId="(\d+)")?>([^<]*)</definedName>', names)
                  if name not in identity_names)
    shared = {name: Part.of(name, text[name]) for name in ("[Content_Types].xml", "_rels/.rels",
                                                           "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                                           "xl/theme/theme1.xml", "docProps/app.xml")}
    shared["xl/worksheets/sheet3.xml"] = Part.of("xl/worksheets/sheet3.xml", _lists_sheet_xml())
    return _Reference(shared, xf, fmt["missing"].dxf_index, head, tail, fixed)


def _package_parts(unit: str, period_display: str, due: datetime, tasks: Sequence[TaskRow],
                   indicators: Sequence[IndicatorRow], identity: dict[str, str], signature: str,
                   title_prefix: str) -> list:
    """The package's members in xlsxwriter's order: the shared ones as deflated Parts, the unit's own as
    (name, XML text) pairs."""
    from datetime import timezone

    from toolkit.formxml import core_properties_xml, custom_properties_xml, defined_names_xml

    ref = _reference()
    title = _title(title_prefix, period_display)
    task_xml, footer_cells = _task_sheet_xml(ref, title, unit, due_text(due), tasks)
    layout = _layout(tasks, indicators, footer_cells)
    chunks = identity_chunks(identity, signature)
    names = [*ref.fixed_names, *((name, -1, _string_constant(text)) for name, text in chunks)]
    properties = _properties(title, unit, identity)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    shared = ref.shared
    return [
        shared["[Content_Types].xml"], shared["_rels/.rels"], shared["xl/_rels/workbook.xml.rels"],
        ("xl/worksheets/sheet1.xml", task_xml),
        ("xl/worksheets/sheet2.xml", _indicator_sheet_xml(ref, unit, period_display, indicators)),
        shared["xl/worksheets/sheet3.xml"],
        ("xl/worksheets/sheet4.xml", _meta_sheet_xml(_meta_pairs(identity, signature, layout))),
        ("xl/workbook.xml", ref.workbook_head + defined_names_xml(names) + ref.workbook_tail),
        shared["xl/styles.xml"],
        ("docProps/custom.xml", custom_properties_xml(chunks)),
        shared["xl/theme/theme1.xml"],
        ("docProps/core.xml", core_properties_xml(properties["title"], properties["subject"],
                                                  properties["author"], properties["comments"], created)),
        shared["docProps/app.xml"],
    ]


_FIT_TO_PAGE = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
_TASK_VIEW = ('<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane xSplit="2" ySplit="3" topLeftCell="C4" '
              'activePane="bottomRight" state="frozen"/><selection pane="topRight" activeCell="C1" sqref="C1"/>'
              '<selection pane="bottomLeft" activeCell="A4" sqref="A4"/><selection pane="bottomRight"/></sheetView>'
              '</sheetViews>')
_INDICATOR_VIEW = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="2" topLeftCell="A3" '
                   'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>')
_PLAIN_VIEW = '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
_ROW_FORMAT = '<sheetFormatPr defaultRowHeight="15"/>'
_PROTECTION = '<sheetProtection sheet="1" objects="1" scenarios="1" formatColumns="0" formatRows="0"/>'
_PRINT_SETUP = ('<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.3" footer="0.3"/>'
                '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/>'
                '<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>')
_PLAIN_MARGINS = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'


def _messages(rule: dict[str, str]) -> dict[str, str]:
    return {"errorTitle": rule["error_title"], "error": rule["error_message"], "promptTitle": rule["input_title"],
            "prompt": rule["input_message"]}


def _span_row(number: int, cells: Sequence[tuple[int, str]], height: str = "") -> Any:
    """A Row of (column, cell XML) pairs, the empty cell texts left out."""
    from toolkit.formxml import Row

    used = [col for col, xml in cells if xml]
    return Row(number, min(used), max(used), height, "".join(xml for _, xml in cells))


def _title_cells(ref: _Reference, row: int, title: str, last_col: int) -> list[tuple[int, str]]:
    """merge_range(row, 0, row, last_col, title): the title in the first cell, styled blanks in the others."""
    from toolkit.formxml import blank_cell, column_letter, text_cell

    style = ref.xf["title"]
    return [(0, text_cell(f"A{row}", style, title))] + [(col, blank_cell(f"{column_letter(col)}{row}", style))
                                                         for col in range(1, last_col + 1)]


def _header_cells(ref: _Reference, row: int, headers: Sequence[str], inputs: Sequence[str]) -> list[tuple[int, str]]:
    from toolkit.formxml import column_letter, text_cell

    return [(col, text_cell(f"{column_letter(col)}{row}", ref.xf["input_header" if h in inputs else "header"], h))
            for col, h in enumerate(headers)]


def _task_sheet_xml(ref: _Reference, title: str, unit: str, due_label: str,
                    tasks: Sequence[TaskRow]) -> tuple[str, dict[str, str]]:
    from toolkit.formxml import (WORKSHEET_START, blank_cell, blanks_rule_xml, cols_xml, column_letter, column_range,
                                 data_validations_xml, dimension_xml, height_attributes, merge_cells_xml, rows_xml,
                                 text_cell)

    last_col = len(TASK_HEADERS) - 1
    widths = _task_widths([_task_values(t) for t in tasks])
    x = ref.xf
    unit_row = [(0, text_cell("A2", x["label"], "填报单位")), (1, text_cell("B2", x["value"], unit)),
                (3, text_cell("D2", x["label"], "报送截止")), (4, text_cell("E2", x["value"], due_label)),
                (5, blank_cell("F2", x["value"])), (6, blank_cell("G2", x["value"])),
                (7, text_cell("H2", x["note"], _UNIT_NOTE))]
    unit_row += [(col, blank_cell(f"{column_letter(col)}2", x["note"])) for col in range(8, last_col + 1)]
    rows = [_span_row(1, _title_cells(ref, 1, title, last_col), height_attributes(title_height(title, widths))),
            _span_row(2, unit_row, height_attributes(28)),
            _span_row(TASK_HEADER_ROW, _header_cells(ref, TASK_HEADER_ROW, TASK_HEADERS, TASK_INPUT_HEADERS),
                      height_attributes(30))]
    rows += _task_rows(ref, tasks, tuple(widths))
    footer = footer_rows(len(tasks))
    for label, r in footer.items():
        rows.append(_span_row(r, [(1, text_cell(f"B{r}", x["footer_label"], label))]
                              + [(col, blank_cell(f"{column_letter(col)}{r}", x["footer_input"])) for col in (2, 3, 4)],
                              height_attributes(22)))
    first, last = TASK_FIRST_ROW, TASK_FIRST_ROW + len(tasks) - 1
    letter = {h: column_letter(TASK_HEADERS.index(h)) for h in TASK_HEADERS}
    rules = [column_range(letter[h], first, last) for h in TASK_REQUIRED_HEADERS]
    rules += [f"{FOOTER_VALUE_COLUMN}{footer[label]}" for label in FOOTER_REQUIRED]
    end = column_letter(last_col)
    merges = [f"A1:{end}1", "E2:G2", f"H2:{end}2"] + [f"C{r}:E{r}" for r in footer.values()]
    xml = (WORKSHEET_START + _FIT_TO_PAGE + dimension_xml(last_col, max(footer.values())) + _TASK_VIEW + _ROW_FORMAT
           + cols_xml(widths) + "<sheetData>" + rows_xml(rows) + "</sheetData>" + _PROTECTION
           + merge_cells_xml(merges)
           + "".join(blanks_rule_xml(ref_, ref.dxf, n) for n, ref_ in enumerate(rules, start=1))
           + data_validations_xml(_task_validations(tasks, letter, first, last))
           + _PRINT_SETUP + "</worksheet>")
    return xml, {label: f"{FOOTER_VALUE_COLUMN}{r}" for label, r in footer.items()}


def _task_validations(tasks: Sequence[TaskRow], letter: dict[str, str], first: int, last: int) -> list[str]:
    """The <dataValidation>s of _write_lifecycle_validation and _write_task_sheet, in the same order."""
    from toolkit.formxml import column_range, data_validation_xml as make

    items = []
    leads = sum(t.role == LEAD for t in tasks)
    if leads:
        lead_last = first + leads - 1
        column = letter["申请销号"]
        items.append(make("list", "", column_range(column, first, lead_last), _messages(_CLOSE_RULE), [f'"{YES}"']))
        column = letter["申请调整时限"]
        serial = (_EARLIEST_DUE - date(1899, 12, 30)).days
        items.append(make("date", "greaterThanOrEqual", column_range(column, first, lead_last), _messages(_DUE_RULE),
                          [str(serial)]))
    column = letter["本期状态"]
    items.append(make("list", "", column_range(column, first, last), _messages(_STATE_RULE), [STATES_NAME]))
    column = letter["完成进度（%）"]
    items.append(make("decimal", "", column_range(column, first, last), _messages(_PROGRESS_RULE), ["0", "100"]))
    return items


def _task_rows(ref: _Reference, tasks: Sequence[TaskRow], widths: tuple[float, ...]) -> list:
    from toolkit.formxml import Row

    styles = {role: tuple(ref.xf[s] for s in _task_styles(role)) for role in {t.role for t in tasks}}
    last_col = len(TASK_HEADERS) - 1
    rows = []
    for r, task in enumerate(tasks, start=TASK_FIRST_ROW):
        height, cells = _task_row_xml(task, styles[task.role], widths)
        rows.append(Row(r, 0, last_col, height, str(r).join(cells)))
    return rows


@functools.lru_cache(maxsize=8192)
def _task_row_xml(task: TaskRow, styles: tuple[int, ...], widths: tuple[float, ...]) -> tuple[str, tuple[str, ...]]:
    """A task row's height attributes and its cells split where the row number goes (then joined with it): the
    same task recurs in many units' forms."""
    from toolkit.formxml import height_attributes

    return (height_attributes(row_height(_task_values(task), widths, min_lines=3)), _task_cells(task, styles))


@functools.lru_cache(maxsize=8192)
def _task_cells(task: TaskRow, styles: tuple[int, ...]) -> tuple[str, ...]:
    from toolkit.formxml import column_letter, text_cell

    return tuple("".join(text_cell(f"{column_letter(col)}\0", style, value)
                         for col, (value, style) in enumerate(zip(_task_values(task), styles))).split("\0"))


def _indicator_sheet_xml(ref: _Reference, unit: str, period_display: str, indicators: Sequence[IndicatorRow]) -> str:
    from toolkit.formxml import (WORKSHEET_START, Row, blanks_rule_xml, cols_xml, column_letter, column_range,
                                 data_validation_xml, data_validations_xml, dimension_xml, height_attributes,
                                 merge_cells_xml, number_cell, rows_xml, text_cell)

    last_col = len(INDICATOR_HEADERS) - 1
    values = [_indicator_values(i) for i in indicators]
    widths = _indicator_widths(values)
    title = _indicator_title(unit, period_display, indicators)
    rows = [_span_row(1, _title_cells(ref, 1, title, last_col), height_attributes(title_height(title, widths))),
            _span_row(INDICATOR_HEADER_ROW, _header_cells(ref, INDICATOR_HEADER_ROW, INDICATOR_HEADERS,
                                                          INDICATOR_INPUT_HEADERS), height_attributes(30))]
    letters = [column_letter(col) for col in range(last_col + 1)]
    styles = [ref.xf[style] for style in _INDICATOR_STYLES]      # every cell styled: each row spans A..G
    for r, (item, shown) in enumerate(zip(indicators, values), start=INDICATOR_FIRST_ROW):
        cells = "".join((text_cell if isinstance(value, str) else number_cell)(f"{letter}{r}", style, value)
                        for letter, style, value in zip(letters, styles, _indicator_cells(item)))
        rows.append(Row(r, 0, last_col, height_attributes(row_height(shown, widths)), cells))
    tail = ""
    if indicators:
        letter = column_letter(last_col)
        ref_ = column_range(letter, INDICATOR_FIRST_ROW, INDICATOR_FIRST_ROW + len(indicators) - 1)
        tail = blanks_rule_xml(ref_, ref.dxf, 1) + data_validations_xml(
            [data_validation_xml("decimal", "greaterThanOrEqual", ref_, _messages(_INDICATOR_RULE), ["0"])])
    last_row = max(INDICATOR_HEADER_ROW, INDICATOR_FIRST_ROW + len(indicators) - 1)
    return (WORKSHEET_START + _FIT_TO_PAGE + dimension_xml(last_col, last_row) + _INDICATOR_VIEW + _ROW_FORMAT
            + cols_xml(widths) + "<sheetData>" + rows_xml(rows) + "</sheetData>" + _PROTECTION
            + merge_cells_xml([f"A1:{column_letter(last_col)}1"]) + tail + _PRINT_SETUP + "</worksheet>")


def _plain_sheet_xml(rows: Sequence[Sequence[str]], widths: Sequence[float] = ()) -> str:
    """A sheet of unstyled texts from A1 (write_string without a format), protected, default page setup."""
    from toolkit.formxml import WORKSHEET_START, cols_xml, column_letter, dimension_xml, rows_xml, text_cell

    built = []
    for r, values in enumerate(rows, start=1):
        cells = [(col, text_cell(f"{column_letter(col)}{r}", 0, value)) for col, value in enumerate(values)]
        if any(xml for _, xml in cells):
            built.append(_span_row(r, cells))
    last_row = max((row.number for row in built), default=1)
    last_col = max((row.last_col for row in built), default=0)
    data = "<sheetData>" + rows_xml(built) + "</sheetData>" if built else "<sheetData/>"
    return (WORKSHEET_START + dimension_xml(last_col, last_row) + _PLAIN_VIEW + _ROW_FORMAT + cols_xml(widths)
            + data + _PROTECTION + _PLAIN_MARGINS + "</worksheet>")


def _lists_sheet_xml() -> str:
    return _plain_sheet_xml([[state] for state in REPORTABLE_STATES])


def _meta_sheet_xml(pairs: Sequence[tuple[str, str]]) -> str:
    return _plain_sheet_xml(pairs, (20, 70))


# ----------------------------------------------------------------------------------------------- issue

@dataclass
class IssueOutcome:
    period_id: str
    period_display: str
    due: datetime
    folder: Path
    files: list[Path] = field(default_factory=list)
    list_file: Path | None = None
    notice_file: Path | None = None
    inbox: Path | None = None
    lead_rows: int = 0
    co_rows: int = 0
    warnings: list[str] = field(default_factory=list)
    exit_code: int = 0

    def lines(self) -> list[str]:
        lines = [f"已为{self.period_display}生成 {len(self.files)} 个单位的填报表"
                 f"（主办 {self.lead_rows} 行、协办 {self.co_rows} 行），位于 {self.folder}",
                 f"报送截止：{due_text(self.due)}"]
        if self.list_file:
            lines.append(f"下发清单：{self.list_file}")
        if self.notice_file:
            lines.append(f"下发通知（可直接复制到工作群）：{self.notice_file}")
        if self.inbox:
            lines.append(f"各单位报回的文件请放到：{self.inbox}（然后运行 toolkit collect {self.period_id}）")
        return lines  # self.warnings were already raised as ToolkitWarning, which the CLI prints


def _identity_track(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


def issue_forms(ws: Workspace, period_text: str, as_of: date | None = None, track=None) -> IssueOutcome:
    """`toolkit issue PERIOD [--date D]`: one workbook per named unit, 下发清单.xlsx and 下发通知.txt.

    `as_of` fixes the issue time (that day, 09:00) so a rerun is reproducible; without it, now. With no
    period text, the week containing `as_of` is issued.
    """
    from toolkit.config import load_config
    from toolkit.directory import load_directory, unit_tasks, unknown_unit_notes, unresolved_collectives
    from toolkit.ledger import load_ledger
    from toolkit import periods

    track = track or _identity_track
    config = load_config(ws)
    if period_text:
        period = periods.parse_period(period_text, config)
    elif as_of is not None:
        period = periods.period_containing(as_of, "周", config)
    else:
        raise ToolkitError("请给出要下发的期别，例如 toolkit issue 2024-W12，或用 --date 2024-03-18 指定日期。")
    ledger = load_ledger(ws, since=period.start)     # last_reports needs each pair's latest report before it
    directory = load_directory(ws)
    issued = datetime.combine(as_of, time(9, 0)) if as_of else datetime.now().replace(microsecond=0)

    held = without_closed(unit_tasks(ledger, directory, known_only=True), ledger, period.start)   # 已销号 left out
    forms = plan_forms(ledger, held, period.start, periods.period_end_of)
    notes = (unknown_unit_notes(ledger, directory, ws.directory.name)
             + _unresolved_note(unresolved_collectives(ledger, directory)))
    if not forms:
        raise ToolkitError("台账中没有任何单位承担任务，无法下发。请检查 台账.xlsx 的“责任分工”表后重试。")

    key = office_key(ws)
    folder = ws.issued_dir(period.id)
    office = getattr(config, "office", None)
    prefix = getattr(office, "district", "") or ""
    outcome = IssueOutcome(period.id, period.display, period.due, folder, warnings=notes)
    for form in track(forms, len(forms), "生成单位填报表"):
        identity = make_identity(form.unit, period.id, [t.task_id for t in form.tasks], issued)
        path = folder / f"{safe_file_name(form.unit, '未命名单位')}.xlsx"
        write_unit_workbook(path, form.unit, period.display, period.due, form.tasks, form.indicators,
                            identity, sign_identity(key, identity), title_prefix=prefix)
        outcome.files.append(path)
        outcome.lead_rows += len(form.lead_ids)
        outcome.co_rows += len(form.co_ids)
    outcome.list_file = _write_issue_list(ws, period, forms, outcome.files, directory)
    outcome.notice_file = _write_issue_notice(ws, period, config, len(forms))
    outcome.inbox = ws.returns(period.id)
    outcome.inbox.mkdir(parents=True, exist_ok=True)
    return outcome


def _unresolved_note(pairs: list[tuple[str, str]]) -> list[str]:
    if not pairs:
        return []
    by_name: dict[str, list[str]] = {}
    for task_id, name in pairs:
        by_name.setdefault(name, []).append(task_id)
    listed = "；".join(f"“{name}”：第{'、'.join(ids)}项" for name, ids in by_name.items())
    note = (f"{len(pairs)} 处统称还没有对应到具体单位，这些任务暂时只下发给通知中点名的单位（{listed}）。"
            f"请在 台账.xlsx 的“责任分工”表中为这些任务逐一添加相关单位（来源填“人工”），"
            f"然后重新运行 toolkit issue。")
    warnings.warn(note, ToolkitWarning)
    return [note]


def _write_issue_list(ws: Workspace, period, forms: list[UnitForm], files: list[Path], directory) -> Path:
    from toolkit.sheets import write_table_workbook

    rows = []
    for form, path in zip(forms, files):
        unit = directory.find(form.unit)
        rows.append([form.unit, f"下发/{path.name}", "、".join(form.lead_ids), "、".join(form.co_ids),
                     due_text(period.due), unit.contact if unit else "", unit.phone if unit else ""])
    target = ws.period_dir(period.id) / "下发清单.xlsx"
    write_table_workbook(target, [("下发清单", ["单位", "文件", "主办任务", "协办任务", "报送截止", "联系人", "电话"],
                                   rows)])
    return target


def _write_issue_notice(ws: Workspace, period, config, unit_count: int) -> Path:
    office = getattr(config, "office", None)

    def setting(name: str, default: str = "") -> str:
        return str(getattr(office, name, "") or default)

    sender = setting("supervision", "区政府办公室督查室")
    returns_to = setting("returns_to", sender)
    contact = "，".join(x for x in (setting("contact") and f"联系人：{setting('contact')}",
                                    setting("phone") and f"电话：{setting('phone')}") if x)
    text = "\n".join(line for line in [
        "各有关单位：",
        f"现将{period.display}重点任务推进情况填报表下发给你们（共 {unit_count} 个单位，每单位一个文件，"
        f"文件名即单位名称）。请于{due_text(period.due)}填好并报送{returns_to}。",
        "填报要求：",
        "1. “任务填报”表逐项填写本期状态（从下拉列表选择）、完成进度（0—100的数字）、本期进展、存在问题、"
        "下步计划；表下方填写填报人、联系电话、单位负责人（审核）。黄色单元格为尚未填写的必填项。",
        "主办任务已完成的，可在“申请销号”选“是”并写明办结依据；确需延期的，在完成时限之前填写“申请调整时限”和"
        "调整理由。佐证材料（照片、PDF 等）请以任务序号开头命名（如“8-验收报告.pdf”），与填报表一并报送（可打包为 .zip），"
        "并在“佐证材料”栏写明文件名。",
        "2. 本期进展已预填上期报送内容，没有变化的可保留，有变化的请直接修改。",
        "3. 主办单位请在“指标填报”表填写各量化指标截至本期末的累计完成值（只填数字）。",
        "4. 请勿增删行列、修改表头或复制他单位的表格；Excel、WPS、LibreOffice 均可填写，"
        "保存为 .xlsx（也可为 .xls、.ods）后以原文件名报送。",
        "5. 逾期未报送的单位将在通报中列为“未报送”，连续两期未报送的任务将亮红灯。",
        contact,
        sender,
    ] if line)
    target = ws.period_dir(period.id) / "下发通知.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text + "\n", encoding="utf-8")
    return target
