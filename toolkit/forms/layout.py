"""What both writers of a unit form share: column widths and row heights, the titles and document properties, what
each cell holds and how it looks, the validation rules' texts, the ``_meta`` pairs and the due text."""
from __future__ import annotations

import functools
import math
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from toolkit.forms.contract import (IDENTITY_FIELDS, INDICATOR_FIRST_ROW, INDICATOR_HEADERS, INDICATOR_SHEET,
                                    SIGNATURE_KEY, TASK_FIRST_ROW, TASK_HEADERS, TASK_SHEET)
from toolkit.forms.plan import IndicatorRow, TaskRow
from toolkit.ledger import number_text
from toolkit.lifecycle import APPROVER_SHOWN, FORM_HEADERS as LIFECYCLE_HEADERS, LEAD_ONLY_HEADERS
from toolkit.models import LEAD, REPORTABLE_STATES
from toolkit.sheets import text_width


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


_WEEKDAYS = "一二三四五六日"


def due_text(due: datetime) -> str:
    return f"{due.year}年{due.month}月{due.day}日（星期{_WEEKDAYS[due.weekday()]}）{due:%H:%M}前"


def form_title(title_prefix: str, period_display: str) -> str:
    return f"{title_prefix}{period_display}重点任务推进情况填报表"


def document_properties(title: str, unit: str, identity: dict[str, str]) -> dict[str, str]:
    return {"title": title, "subject": f"{unit} {identity.get('period', '')}", "author": "督查室",
            "comments": "请勿修改表头、增删行列；灰色单元格为锁定内容。"}


def layout_hints(tasks: Sequence[TaskRow], indicators: Sequence[IndicatorRow], footer_cells: dict[str, str]) -> dict:
    return {"task_sheet": TASK_SHEET, "task_first_row": str(TASK_FIRST_ROW), "task_count": str(len(tasks)),
            "indicator_sheet": INDICATOR_SHEET, "indicator_first_row": str(INDICATOR_FIRST_ROW),
            "indicator_count": str(len(indicators)), "filler_cell": footer_cells["填报人"],
            "phone_cell": footer_cells["联系电话"], "head_cell": footer_cells[APPROVER_SHOWN]}


def meta_pairs(identity: dict[str, str], signature: str, layout: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, identity[key]) for key in IDENTITY_FIELDS] + [(SIGNATURE_KEY, signature)] + list(layout.items())


def string_constant(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# What each task-row cell holds and how it looks; both writers follow these.
_TASK_STYLES = ("locked_center", "locked", "locked_center", "locked", "locked", "locked_center", "locked",
                "input_choice", "input_number", "input_text", "input_text", "input_text")
UNIT_NOTE = ("绿色表头为填报列：本期状态从下拉列表选择，完成进度填0—100的数字；"
             "黄色单元格为尚未填写的必填项。本期进展已预填上期内容，有变化请直接修改。")


def task_values(t: TaskRow) -> list[str]:
    return [t.task_id, t.text, t.role, t.leaders, t.indicators, t.last_state, t.last_text,
            "", "", t.last_text, "", "", *([""] * len(LIFECYCLE_HEADERS))]


@functools.lru_cache(maxsize=None)
def task_styles(role: str) -> tuple[str, ...]:
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


INDICATOR_STYLES = ("locked_center", "locked_center", "locked", "locked_number", "locked_center", "locked_number",
                    "input_number")


def indicator_cells(item: IndicatorRow) -> list[str | float | None]:
    """What each cell of an indicator row holds (texts, or numbers where INDICATOR_STYLES has a number format)."""
    return [item.indicator_id, item.task_id, item.phrase, item.target, item.unit, item.current, item.current]


def indicator_values(item: IndicatorRow) -> list[str]:
    return [item.indicator_id, item.task_id, item.phrase, number_text(item.target), item.unit,
            number_text(item.current), number_text(item.current)]


def task_widths(rows: Sequence[Sequence[str]]) -> list[float]:
    return [_column_width(h, (r[i] for r in rows), *_TASK_WIDTHS[h]) for i, h in enumerate(TASK_HEADERS)]


def indicator_widths(rows: Sequence[Sequence[str]]) -> list[float]:
    return [_column_width(h, (r[n] for r in rows), *_INDICATOR_WIDTHS[h]) for n, h in enumerate(INDICATOR_HEADERS)]


def indicator_title(unit: str, period_display: str, indicators: Sequence[IndicatorRow]) -> str:
    title = f"{unit}量化指标填报（{period_display}，本单位主办任务）"
    return title + ("" if indicators else "：本单位主办任务无量化指标，本表无需填写")


STATE_RULE = {"input_title": "本期状态", "input_message": "请从下拉列表中选择一项。",
              "error_title": "本期状态只能从列表中选择",
              "error_message": f"请点单元格右侧的下拉箭头，从“{'、'.join(REPORTABLE_STATES)}”中选择一项，"
                               "不要自行输入其他文字。"}
PROGRESS_RULE = {"input_title": "完成进度（%）", "input_message": "填0—100之间的数字，不带%号。",
                 "error_title": "完成进度应为0—100的数字",
                 "error_message": "请填写0到100之间的数字（例如 45 或 62.5），不要带%号或文字。"}
CLOSE_RULE = {"input_title": "申请销号",
              "input_message": "任务已完成、申请销号的选“是”，并填写办结依据；本期状态须为“已完成”。",
              "error_title": "申请销号只能选“是”或留空", "error_message": "请从下拉列表选择“是”，不申请的留空。"}
DUE_RULE = {"input_title": "申请调整时限",
            "input_message": "确需延期的，填写申请延至的日期（如 2024-09-30），并填写调整理由。请在现完成时限之前提出。",
            "error_title": "请填写日期", "error_message": "请填写日期，例如 2024-09-30。"}
EARLIEST_DUE = date(2000, 1, 1)
INDICATOR_RULE = {"input_title": "本期累计完成值", "input_message": "填写截至本期末的累计数，只填数字，单位见“单位”列。",
                  "error_title": "累计完成值应为不小于0的数字",
                  "error_message": "请只填写数字（例如 120 或 3.5），单位已在“单位”列给出，不要带单位或文字。"}
