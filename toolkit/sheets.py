"""Writing workbooks made for people: frozen header, filters, CJK-sized columns, wrapped text, A4 landscape.

Every text is written as a string, never as a formula (a unit's "=1+1" stays text).
"""
from __future__ import annotations

import functools
import os
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

MAX_WIDTH = 60
MIN_WIDTH = 6


@functools.lru_cache(maxsize=None)
def _char_width(ch: str) -> float:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1.1


def text_width(text: str) -> float:
    """Width in Excel units: a Han character is about two digit widths."""
    if text.isascii():
        return 1.1 * len(text)
    return sum(map(_char_width, text))


def column_width(header: str, values: Iterable[Any], cap: int = MAX_WIDTH) -> float:
    longest = text_width(header) + 2
    for value in values:
        if longest >= cap:
            break  # nothing can make it wider (a table of 30,000 rows is sized in a moment)
        if value is None or value == "":
            continue
        for line in str(value).split("\n"):
            if 2 * len(line) + 2 > longest:  # a character is at most 2 wide: a shorter line cannot win
                longest = max(longest, text_width(line) + 2)
    return max(MIN_WIDTH, min(cap, longest))


def new_workbook(path: Path):
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"})


@dataclass
class Formats:
    header: Any
    text: Any
    number: Any
    date: Any
    datetime: Any


def formats(book) -> Formats:
    base = {"font_name": "宋体", "font_size": 10, "valign": "top", "border": 1}
    return Formats(
        header=book.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "text_wrap": True,
                                "align": "center", "valign": "vcenter"}),
        text=book.add_format({**base, "text_wrap": True}),
        number=book.add_format({**base, "num_format": "General"}),
        date=book.add_format({**base, "num_format": "yyyy-mm-dd"}),
        datetime=book.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"}),
    )


def write_cell(sheet, row: int, col: int, value: Any, fmt: Formats) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None, fmt.text)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否", fmt.text)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, fmt.number)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, fmt.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt.date)
    else:
        sheet.write_string(row, col, str(value), fmt.text)


def write_table(book, fmt: Formats, name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]],
                widths: dict[str, float] | None = None, caps: dict[str, int] | None = None):
    """One sheet: header row frozen and filtered, columns sized, A4 landscape, header repeated on print."""
    sheet = book.add_worksheet(name)
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, fmt.header)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            write_cell(sheet, r, col, value, fmt)
    for col, header in enumerate(headers):
        width = (widths or {}).get(header)
        if width is None:
            cap = (caps or {}).get(header, MAX_WIDTH)
            width = column_width(header, (row[col] for row in rows if col < len(row)), cap)
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    if headers:
        sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    print_setup(sheet, header_rows=1)
    return sheet


def print_setup(sheet, header_rows: int) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, header_rows - 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")


def write_table_workbook(path: Path, tables: list[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> None:
    """A workbook of plain tables, written to a temporary file first and then moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    book = new_workbook(tmp)
    fmt = formats(book)
    for name, headers, rows in tables:
        write_table(book, fmt, name, headers, rows)
    book.close()
    os.replace(tmp, path)
