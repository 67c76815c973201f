"""A unit form written through xlsxwriter, cell by cell: the reference that the direct writer (package) is checked
against and takes its shared parts from, and the writer of the rare form the direct one leaves to it."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from toolkit.forms.contract import (FOOTER_REQUIRED, FOOTER_VALUE_COLUMN, INDICATOR_FIRST_ROW, INDICATOR_HEADERS,
                                    INDICATOR_HEADER_ROW, INDICATOR_INPUT_HEADERS, INDICATOR_SHEET, LIST_SHEET,
                                    META_SHEET, STATES_NAME, TASK_FIRST_ROW, TASK_HEADERS, TASK_HEADER_ROW,
                                    TASK_INPUT_HEADERS, TASK_REQUIRED_HEADERS, TASK_SHEET, footer_rows, identity_chunks)
from toolkit.forms.layout import (CLOSE_RULE, DUE_RULE, EARLIEST_DUE, INDICATOR_RULE, INDICATOR_STYLES, PROGRESS_RULE,
                                  STATE_RULE, UNIT_NOTE, document_properties, due_text, form_title, indicator_cells,
                                  indicator_title, indicator_values, indicator_widths, layout_hints, meta_pairs,
                                  row_height, string_constant, task_styles, task_values, task_widths, title_height)
from toolkit.forms.plan import IndicatorRow, TaskRow
from toolkit.lifecycle import YES
from toolkit.models import LEAD, REPORTABLE_STATES
from toolkit.sheets import print_setup


def write_per_cell(target, unit: str, period_display: str, due: datetime, tasks: Sequence[TaskRow],
                   indicators: Sequence[IndicatorRow], identity: dict[str, str], signature: str,
                   title_prefix: str) -> dict[str, Any]:
    """The workbook through xlsxwriter, cell by cell, into `target` (a path or a BytesIO); returns its formats."""
    from toolkit.sheets import plain_text_workbook_class

    book = plain_text_workbook_class()(target if hasattr(target, "write") else str(target),
                               {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
                                "in_memory": True})
    fmt = _formats(book)
    title = form_title(title_prefix, period_display)
    footer_cells = _write_task_sheet(book, fmt, title, unit, due_text(due), tasks)
    _write_indicator_sheet(book, fmt, unit, period_display, indicators)
    _write_lists_sheet(book)
    _write_meta_sheet(book, identity, signature, layout_hints(tasks, indicators, footer_cells))
    _write_identity_elsewhere(book, identity, signature)
    book.set_properties(document_properties(title, unit, identity))
    book.close()
    return fmt


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


def _write_task_sheet(book, fmt, title: str, unit: str, due_label: str, tasks: Sequence[TaskRow]) -> dict[str, str]:
    sheet = book.add_worksheet(TASK_SHEET)
    sheet.activate()
    last_col = len(TASK_HEADERS) - 1
    rows = [task_values(t) for t in tasks]
    widths = task_widths(rows)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)

    sheet.merge_range(0, 0, 0, last_col, title, fmt["title"])
    sheet.set_row(0, title_height(title, widths))
    sheet.write_string(1, 0, "填报单位", fmt["label"])
    sheet.write_string(1, 1, unit, fmt["value"])
    sheet.write_string(1, 3, "报送截止", fmt["label"])
    sheet.merge_range(1, 4, 1, 6, due_label, fmt["value"])
    sheet.merge_range(1, 7, 1, last_col, UNIT_NOTE, fmt["note"])
    sheet.set_row(1, 28)

    _write_header_row(sheet, fmt, TASK_HEADER_ROW - 1, TASK_HEADERS, TASK_INPUT_HEADERS)

    first = TASK_FIRST_ROW - 1
    for offset, (task, values) in enumerate(zip(tasks, rows)):
        r = first + offset
        for col, (value, style) in enumerate(zip(values, task_styles(task.role))):
            _write_text(sheet, r, col, value, fmt[style])
        sheet.set_row(r, row_height(values, widths, min_lines=3))

    _write_lifecycle_validation(sheet, first, tasks)
    if tasks:
        last = first + len(tasks) - 1
        col = TASK_HEADERS.index
        sheet.data_validation(first, col("本期状态"), last, col("本期状态"), {
            "validate": "list", "source": f"={STATES_NAME}", "error_type": "stop", **STATE_RULE})
        sheet.data_validation(first, col("完成进度（%）"), last, col("完成进度（%）"), {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100, "error_type": "stop",
            **PROGRESS_RULE})
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
        "validate": "list", "source": [YES], "error_type": "stop", **CLOSE_RULE})
    sheet.data_validation(first, col("申请调整时限"), last, col("申请调整时限"), {
        "validate": "date", "criteria": ">=", "value": EARLIEST_DUE, "error_type": "stop", **DUE_RULE})


def _write_indicator_sheet(book, fmt, unit: str, period_display: str, indicators: Sequence[IndicatorRow]) -> None:
    sheet = book.add_worksheet(INDICATOR_SHEET)
    last_col = len(INDICATOR_HEADERS) - 1
    rows = [indicator_values(i) for i in indicators]
    widths = indicator_widths(rows)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    title = indicator_title(unit, period_display, indicators)
    sheet.merge_range(0, 0, 0, last_col, title, fmt["title"])
    sheet.set_row(0, title_height(title, widths))
    _write_header_row(sheet, fmt, INDICATOR_HEADER_ROW - 1, INDICATOR_HEADERS, INDICATOR_INPUT_HEADERS)
    first = INDICATOR_FIRST_ROW - 1
    for offset, item in enumerate(indicators):
        r = first + offset
        for col, (value, style) in enumerate(zip(indicator_cells(item), INDICATOR_STYLES)):
            if isinstance(value, str):
                _write_text(sheet, r, col, value, fmt[style])
            else:
                _write_number(sheet, r, col, value, fmt[style])
        sheet.set_row(r, row_height(rows[offset], widths))
    if indicators:
        last = first + len(indicators) - 1
        sheet.data_validation(first, last_col, last, last_col, {
            "validate": "decimal", "criteria": ">=", "value": 0, "error_type": "stop", **INDICATOR_RULE})
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
    for row, (key, value) in enumerate(meta_pairs(identity, signature, layout)):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 70)
    sheet.very_hidden()
    _protect(sheet)


def _write_identity_elsewhere(book, identity: dict[str, str], signature: str) -> None:
    for name, text in identity_chunks(identity, signature):
        book.set_custom_property(name, text, "text")
        book.define_name(name, "=" + string_constant(text))


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


def _protect(sheet) -> None:
    # no password: protection only prevents accidents; the signature is the integrity check (DESIGN §7)
    sheet.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                       "select_unlocked_cells": True})
