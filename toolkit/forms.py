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
from toolkit.models import LEAD, REPORTABLE_STATES, Ledger
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

    forms = []
    for unit, held in assignments.items():
        held = [(tid, role) for tid, role in held if tid in tasks]
        held.sort(key=lambda item: (item[1] != LEAD, order.get(item[0], 0)))
        rows = [_task_row(tasks[tid], role, unit, ledger, reports, indicators_by_task.get(tid, []))
                for tid, role in held]
        indicator_rows = [IndicatorRow(r.id, r.task_id, r.phrase, r.target, r.unit, r.current)
                          for tid, role in held if role == LEAD for r in indicators_by_task.get(tid, [])]
        if rows:
            forms.append(UnitForm(unit, rows, indicator_rows))
    return forms


def _task_row(task, role: str, unit: str, ledger: Ledger, reports: dict, indicators: list) -> TaskRow:
    report = reports.get((unit, task.id))
    if report is not None:
        state, text = report.state, report.text
    elif role == LEAD and _has_history(ledger.status.get(task.id)):
        status = ledger.status[task.id]
        state, text = status.state, status.latest
    else:
        state, text = "", ""
    targets = "\n".join(r.phrase for r in indicators) or "\n".join(i.phrase for i in task.indicators)
    return TaskRow(task.id, task.text, role, "、".join(task.leaders), targets, state or "", text or "")


def _has_history(status) -> bool:
    """A fresh ledger says 未报送 for every task; that is no "last period" to show."""
    return status is not None and bool(status.last_period or status.latest)


# ----------------------------------------------------------------------------------------------- workbook

def _column_width(header: str, values: Iterable[Any], low: float, cap: float) -> float:
    widest = text_width(header) / 2 + 2  # headers wrap onto two lines
    for value in values:
        if widest >= cap:
            break
        for line in ("" if value is None else str(value)).split("\n"):
            if 2 * len(line) + 2 > widest:  # a character is at most 2 wide: a shorter line cannot win
                widest = max(widest, text_width(line) + 2)
    return max(low, min(cap, widest))


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
                        title_prefix: str = "") -> Path:
    """Write one unit's workbook (layout in the module docstring); returns `path`."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                          "strings_to_urls": False, "in_memory": True})
    fmt = _formats(book)
    title = f"{title_prefix}{period_display}重点任务推进情况填报表"
    due_label = due_text(due)
    footer_cells = _write_task_sheet(book, fmt, title, unit, due_label, tasks)
    _write_indicator_sheet(book, fmt, unit, period_display, indicators)
    _write_lists_sheet(book)
    layout = {"task_sheet": TASK_SHEET, "task_first_row": str(TASK_FIRST_ROW), "task_count": str(len(tasks)),
              "indicator_sheet": INDICATOR_SHEET, "indicator_first_row": str(INDICATOR_FIRST_ROW),
              "indicator_count": str(len(indicators)), "filler_cell": footer_cells["填报人"],
              "phone_cell": footer_cells["联系电话"], "head_cell": footer_cells[APPROVER_SHOWN]}
    _write_meta_sheet(book, identity, signature, layout)
    _write_identity_elsewhere(book, identity, signature)
    book.set_properties({"title": title, "subject": f"{unit} {identity.get('period', '')}",
                         "author": "督查室", "comments": "请勿修改表头、增删行列；灰色单元格为锁定内容。"})
    book.close()
    os.replace(tmp, path)
    return path


def _write_task_sheet(book, fmt, title: str, unit: str, due_label: str, tasks: Sequence[TaskRow]) -> dict[str, str]:
    sheet = book.add_worksheet(TASK_SHEET)
    sheet.activate()
    last_col = len(TASK_HEADERS) - 1
    rows = [[t.task_id, t.text, t.role, t.leaders, t.indicators, t.last_state, t.last_text,
             "", "", t.last_text, "", "", *([""] * len(LIFECYCLE_HEADERS))] for t in tasks]
    widths = [_column_width(h, (r[i] for r in rows), *_TASK_WIDTHS[h]) for i, h in enumerate(TASK_HEADERS)]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)

    sheet.merge_range(0, 0, 0, last_col, title, fmt["title"])
    sheet.set_row(0, title_height(title, widths))
    sheet.write_string(1, 0, "填报单位", fmt["label"])
    sheet.write_string(1, 1, unit, fmt["value"])
    sheet.write_string(1, 3, "报送截止", fmt["label"])
    sheet.merge_range(1, 4, 1, 6, due_label, fmt["value"])
    sheet.merge_range(1, 7, 1, last_col, "绿色表头为填报列：本期状态从下拉列表选择，完成进度填0—100的数字；"
                      "黄色单元格为尚未填写的必填项。本期进展已预填上期内容，有变化请直接修改。", fmt["note"])
    sheet.set_row(1, 28)

    _write_header_row(sheet, fmt, TASK_HEADER_ROW - 1, TASK_HEADERS, TASK_INPUT_HEADERS)

    first = TASK_FIRST_ROW - 1
    for offset, values in enumerate(rows):
        r = first + offset
        _write_text(sheet, r, 0, values[0], fmt["locked_center"])
        for col in (1, 3, 4, 6):
            _write_text(sheet, r, col, values[col], fmt["locked"])
        _write_text(sheet, r, 2, values[2], fmt["locked_center"])
        _write_text(sheet, r, 5, values[5], fmt["locked_center"])
        sheet.write_blank(r, 7, None, fmt["input_choice"])
        sheet.write_blank(r, 8, None, fmt["input_number"])
        for col in (9, 10, 11):
            _write_text(sheet, r, col, values[col], fmt["input_text"])
        _write_lifecycle_cells(sheet, fmt, r, tasks[offset].role)
        sheet.set_row(r, row_height(values, widths, min_lines=3))

    _write_lifecycle_validation(sheet, first, tasks)
    if tasks:
        last = first + len(tasks) - 1
        col = TASK_HEADERS.index
        sheet.data_validation(first, col("本期状态"), last, col("本期状态"), {
            "validate": "list", "source": f"={STATES_NAME}", "error_type": "stop",
            "input_title": "本期状态", "input_message": "请从下拉列表中选择一项。",
            "error_title": "本期状态只能从列表中选择",
            "error_message": f"请点单元格右侧的下拉箭头，从“{'、'.join(REPORTABLE_STATES)}”中选择一项，"
                             "不要自行输入其他文字。"})
        sheet.data_validation(first, col("完成进度（%）"), last, col("完成进度（%）"), {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100, "error_type": "stop",
            "input_title": "完成进度（%）", "input_message": "填0—100之间的数字，不带%号。",
            "error_title": "完成进度应为0—100的数字",
            "error_message": "请填写0到100之间的数字（例如 45 或 62.5），不要带%号或文字。"})
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


def _write_lifecycle_cells(sheet, fmt, r: int, role: str) -> None:
    """申请销号 … 佐证材料 (issue 13): a lead row fills them all; a co-unit's row only 佐证材料 (the rest locked)."""
    first = TASK_HEADERS.index(LIFECYCLE_HEADERS[0])
    for col, header in enumerate(LIFECYCLE_HEADERS, start=first):
        if role != LEAD and header in LEAD_ONLY_HEADERS:
            sheet.write_blank(r, col, None, fmt["locked"])
        elif header == "申请销号":
            sheet.write_blank(r, col, None, fmt["input_choice"])
        elif header == "申请调整时限":
            sheet.write_blank(r, col, None, fmt["input_date"])
        else:
            sheet.write_blank(r, col, None, fmt["input_text"])


def _write_lifecycle_validation(sheet, first: int, tasks: Sequence[TaskRow]) -> None:
    """Prompts and checks on the lead rows' 申请销号 (是 / empty) and 申请调整时限 (a date); 主办 rows come first."""
    leads = sum(t.role == LEAD for t in tasks)
    if not leads:
        return
    last = first + leads - 1
    col = TASK_HEADERS.index
    sheet.data_validation(first, col("申请销号"), last, col("申请销号"), {
        "validate": "list", "source": [YES], "error_type": "stop", "input_title": "申请销号",
        "input_message": "任务已完成、申请销号的选“是”，并填写办结依据；本期状态须为“已完成”。",
        "error_title": "申请销号只能选“是”或留空", "error_message": "请从下拉列表选择“是”，不申请的留空。"})
    sheet.data_validation(first, col("申请调整时限"), last, col("申请调整时限"), {
        "validate": "date", "criteria": ">=", "value": date(2000, 1, 1), "error_type": "stop",
        "input_title": "申请调整时限", "input_message": "确需延期的，填写申请延至的日期（如 2024-09-30），并填写调整理由。"
                                                        "请在现完成时限之前提出。",
        "error_title": "请填写日期", "error_message": "请填写日期，例如 2024-09-30。"})


def _write_indicator_sheet(book, fmt, unit: str, period_display: str, indicators: Sequence[IndicatorRow]) -> None:
    sheet = book.add_worksheet(INDICATOR_SHEET)
    last_col = len(INDICATOR_HEADERS) - 1
    rows = [[i.indicator_id, i.task_id, i.phrase, number_text(i.target), i.unit, number_text(i.current),
             number_text(i.current)]
            for i in indicators]
    widths = [_column_width(h, (r[n] for r in rows), *_INDICATOR_WIDTHS[h])
              for n, h in enumerate(INDICATOR_HEADERS)]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    title = f"{unit}量化指标填报（{period_display}，本单位主办任务）"
    if not indicators:
        title += "：本单位主办任务无量化指标，本表无需填写"
    sheet.merge_range(0, 0, 0, last_col, title, fmt["title"])
    sheet.set_row(0, title_height(title, widths))
    _write_header_row(sheet, fmt, INDICATOR_HEADER_ROW - 1, INDICATOR_HEADERS, INDICATOR_INPUT_HEADERS)
    first = INDICATOR_FIRST_ROW - 1
    for offset, item in enumerate(indicators):
        r = first + offset
        _write_text(sheet, r, 0, item.indicator_id, fmt["locked_center"])
        _write_text(sheet, r, 1, item.task_id, fmt["locked_center"])
        _write_text(sheet, r, 2, item.phrase, fmt["locked"])
        _write_number(sheet, r, 3, item.target, fmt["locked_number"])
        _write_text(sheet, r, 4, item.unit, fmt["locked_center"])
        _write_number(sheet, r, 5, item.current, fmt["locked_number"])
        _write_number(sheet, r, 6, item.current, fmt["input_number"])
        sheet.set_row(r, row_height(rows[offset], widths))
    if indicators:
        last = first + len(indicators) - 1
        sheet.data_validation(first, last_col, last, last_col, {
            "validate": "decimal", "criteria": ">=", "value": 0, "error_type": "stop",
            "input_title": "本期累计完成值", "input_message": "填写截至本期末的累计数，只填数字，单位见“单位”列。",
            "error_title": "累计完成值应为不小于0的数字",
            "error_message": "请只填写数字（例如 120 或 3.5），单位已在“单位”列给出，不要带单位或文字。"})
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


def _write_meta_sheet(book, identity: dict[str, str], signature: str, layout: dict[str, str]) -> None:
    sheet = book.add_worksheet(META_SHEET)
    pairs = [(key, identity[key]) for key in IDENTITY_FIELDS] + [(SIGNATURE_KEY, signature)] + list(layout.items())
    for row, (key, value) in enumerate(pairs):
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


def _write_identity_elsewhere(book, identity: dict[str, str], signature: str) -> None:
    for name, text in identity_chunks(identity, signature):
        book.set_custom_property(name, text, "text")
        book.define_name(name, '="' + text.replace('"', '""') + '"')


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
