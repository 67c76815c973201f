"""Writing workbooks made for people: frozen header, filters, CJK-sized columns, wrapped text, A4 landscape.

Every text is written as a string, never as a formula (a unit's "=1+1" stays text).

Tables of FAST_ROWS rows or more skip xlsxwriter's per-cell writer (about 5 µs a cell): xlsxwriter writes the
sheet with its header row, formats, widths, filter and print setup, and when it writes that sheet's <sheetData> the
body rows follow the header row as sheet XML with inline strings (one template per row length, texts rendered once),
its <dimension> covering them; the package is zipped once. The cells read back exactly as xlsxwriter would have
written them (same styles, control characters escaped as _xHHHH_).

Inside `reusing_bodies(previous, record)` a large table that is the same as when `previous` was written (its
fingerprint kept in `record`, with the SHA-256 of the file it went into) takes its rows, column widths and row
heights from `previous` instead of generating them again: the ledger's unchanged sheets cost a copy, not a render.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import itertools
import json
import math
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from toolkit.checks import column_letter
from toolkit.workspace import file_sha256

MAX_WIDTH = 60
MIN_WIDTH = 6
FAST_ROWS = 50           # tables this long are written by the fast path (shorter ones cost less by cell)
IN_MEMORY_ROWS = 20_000  # a workbook whose fast tables hold fewer rows is put together in memory
WIDTH_SAMPLE_ROWS = 500   # column widths measure this many rows in order, then the distinct texts of the rest
LINE_HEIGHT = 14         # points per line of 10 pt text in a row
MAX_ROW_HEIGHT = 409     # Excel's tallest row, in points


@functools.lru_cache(maxsize=None)
def _char_width(ch: str) -> float:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1.1


def text_width(text: str) -> float:
    """Width in Excel units: a Han character is about two digit widths."""
    if text.isascii():
        return 1.1 * len(text)
    return sum(map(_char_width, text))


def column_width(header: str, values: Iterable[Any], cap: int = MAX_WIDTH) -> float:
    """The width of the widest line of the column's texts (and its header), between MIN_WIDTH and `cap`.

    The first WIDTH_SAMPLE_ROWS values are measured in order; of the rest only the distinct texts, longest first,
    until none can be wider (a character is at most 2 wide): exact for texts (numbers and dates after the first
    rows are taken to be short), and a 30,000-row column of units or periods costs a set, not 30,000
    measurements."""
    longest = text_width(header) + 2
    values = iter(values)
    for value in itertools.islice(values, WIDTH_SAMPLE_ROWS):
        if longest >= cap:
            break  # nothing can make it wider
        if value is not None and value != "":
            longest = _wider(longest, value if isinstance(value, str) else str(value))
    if longest < cap:
        rest = _distinct_texts(values)          # numbers and dates are short anyway
        for text in sorted(rest, key=len, reverse=True):
            if longest >= cap or 2 * len(text) + 2 <= longest:
                break
            longest = _wider(longest, text)
    return max(MIN_WIDTH, min(cap, longest))


def _distinct_texts(values: Iterable[Any]) -> set[str]:
    """The distinct texts among `values` (a set of the values first: a column repeats most of them)."""
    values = list(values)
    try:
        distinct = set(values)
    except TypeError:                      # an unhashable value: looked at one by one
        distinct = values
    return {value for value in distinct if value.__class__ is str}


def _wider(longest: float, text: str) -> float:
    for line in text.split("\n"):
        if 2 * len(line) + 2 > longest:  # a shorter line cannot win
            longest = max(longest, text_width(line) + 2)
    return longest


def new_workbook(path: Path):
    """An xlsxwriter workbook whose large tables (write_table) take the fast path when it is closed."""
    return _table_workbook_class()(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
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
                widths: dict[str, float] | None = None, caps: dict[str, int] | None = None,
                hidden: Iterable[str] = (), fit_rows: Iterable[str] = ()):
    """One sheet: header row frozen and filtered, columns sized, A4 landscape, header repeated on print.

    `hidden` columns are hidden in an outline group (the clerk unhides them with the + above the columns);
    each row is made as tall as the wrapped text of its `fit_rows` columns (LibreOffice does not do it by itself).
    """
    sheet = book.add_worksheet(name)
    hidden, fit_rows = set(hidden), set(fit_rows)
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, fmt.header)
    fast = len(rows) >= FAST_ROWS and hasattr(book, "fast_tables")
    bodies = getattr(book, "bodies", None)
    known = bodies.known(name, (headers, rows, widths, caps, fit_rows), fast) if bodies else None
    sizes = known["widths"] if known else _column_sizes(headers, rows, widths, caps)
    for col, (header, width) in enumerate(zip(headers, sizes)):
        sheet.set_column(col, col, width, None, {"hidden": True, "level": 1} if header in hidden else {})
    if known:
        heights = {int(r): h for r, h in known["heights"].items()}
    else:
        fitted = [width if header in fit_rows else 0 for header, width in zip(headers, sizes)]
        heights = fitted_heights([headers, *rows], fitted, first_row=1) if any(fitted) else {}
    if bodies and fast:
        bodies.wrote(name, sizes, heights)
    heights = dict(heights)
    _set_heights(sheet, {1: heights.pop(1)} if 1 in heights else {})
    if fast:
        book.fast_tables.append(_FastTable(sheet, rows, fmt, heights, known))
    else:
        _write_rows(sheet, rows, fmt)
        _set_heights(sheet, heights)
    sheet.freeze_panes(1, 0)
    if headers:
        sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    print_setup(sheet, header_rows=1)
    return sheet


def _column_sizes(headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: dict[str, float] | None,
                  caps: dict[str, int] | None) -> list[float]:
    sizes = []
    # one transposition instead of a pass over every row per column, when every row is as long as the header
    columns = list(zip(*rows)) if rows and min(map(len, rows)) >= len(headers) else None
    for col, header in enumerate(headers):
        width = (widths or {}).get(header)
        if width is None:
            cap = (caps or {}).get(header, MAX_WIDTH)
            values = columns[col] if columns is not None else (row[col] for row in rows if col < len(row))
            width = column_width(header, values, cap)
        sizes.append(width)
    return sizes


def _write_rows(sheet, rows: Sequence[Sequence[Any]], fmt: Formats, keep_written: bool = False) -> None:
    """Rows 2… cell by cell through xlsxwriter; with keep_written, cells already in the sheet stay as they are."""
    table = sheet.table if keep_written else {}
    for r, row in enumerate(rows, start=1):
        written = table.get(r, ())
        for col, value in enumerate(row):
            if col not in written:
                write_cell(sheet, r, col, value, fmt)


def wrapped_lines(text: str, width: float) -> int:
    """Lines a text takes in a wrapped cell `width` Excel units wide (a little generous, so nothing is cut)."""
    room = max(width - 2, 1)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in text.split("\n"))


def fitted_heights(rows: Sequence[Sequence[Any]], widths: Sequence[float], first_row: int = 2) -> dict[int, float]:
    """Excel row number → height in points (at most Excel's 409), for the rows whose wrapped text needs more than
    one line; a column of width 0 is left out."""
    heights = {}
    fitted = [(col, width, max(width - 2, 1)) for col, width in enumerate(widths) if width]
    for r, row in enumerate(rows, start=first_row):
        lines = 1
        for col, width, room in fitted:
            value = row[col] if col < len(row) else None
            # a text of n characters takes at most ceil(2n / room) lines (a character is at most 2 wide): one that
            # cannot beat `lines` is not measured
            if isinstance(value, str) and (2 * len(value) > lines * room or "\n" in value):
                lines = max(lines, wrapped_lines(value, width))
        if lines > 1:   # whole pixels, as xlsxwriter's set_row stores them
            heights[r] = 0.75 * int(min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 2) * 4 / 3 + 0.5)
    return heights


def _set_heights(sheet, heights: dict[int, float]) -> None:
    for row, height in heights.items():
        sheet.set_row(row - 1, height)


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
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if not isinstance(exc, PermissionError):
            raise
        from toolkit.errors import ToolkitError

        raise ToolkitError(f"无法写入 {path}：文件可能正被 Excel/WPS 打开或为只读。请关闭该文件后重新运行。") from exc


# ------------------------------------------------------------------------------------------ the fast path

@dataclass
class _FastTable:
    sheet: Any               # the xlsxwriter worksheet holding the header row
    rows: Sequence[Sequence[Any]]
    fmt: Formats
    heights: dict[int, float]   # Excel row number → height of the rows that need more than one line
    known: dict | None = None   # the same table in the previous file (reusing_bodies), or None

    def styles(self) -> tuple[int, int, int, int]:
        """xf indexes of text, number, date and datetime cells (assigned now, so styles.xml holds them)."""
        return (self.fmt.text._get_xf_index(), self.fmt.number._get_xf_index(), self.fmt.date._get_xf_index(),
                self.fmt.datetime._get_xf_index())

    def install(self, date_1904: bool, bodies: "_Bodies | None") -> None:
        """Make xlsxwriter write this table's rows itself, right after the header row: the sheet's <dimension>
        covers them, and its <sheetData> gets them rendered (or, when `bodies` knows the table, copied from the
        previous file) straight into the part being written, so the package is zipped once."""
        sheet, styles = self.sheet, self.styles()
        reused = bodies.body(sheet.name, styles, date_1904) if bodies and self.known else None
        last_row, last_col = reused[1:] if reused else _extent(self.rows)
        if bodies:
            bodies.rendered(sheet.name, styles, date_1904, (last_row, last_col))
        write_header_rows = sheet._write_rows

        def write_rows() -> None:
            write_header_rows()
            if reused:
                sheet.fh.write(reused[0].decode("utf-8"))
            else:
                table_rows_xml(self.rows, styles, date_1904, self.heights, out=sheet.fh.write)

        def write_full_dimension() -> None:
            header_last = (sheet.dim_colmax if sheet.dim_colmax is not None else -1) + 1
            ref = f"A1:{column_letter(max(header_last, last_col) - 1)}{last_row}"
            sheet._xml_empty_tag("dimension", [("ref", ref)])

        sheet._write_rows = write_rows
        if last_row > 1:
            sheet._write_dimension = write_full_dimension


@functools.lru_cache(maxsize=None)
def plain_text_workbook_class():
    """xlsxwriter's Workbook whose shared strings are all plain text. xlsxwriter writes a shared string that starts
    with "<r>" and ends with "</r>" into sharedStrings.xml as it is, taking it for rich text it made itself: a
    unit's "<r>…</r>" would come back changed, or break the file. We never write rich text."""
    import xlsxwriter
    from xlsxwriter.packager import Packager
    from xlsxwriter.sharedstrings import SharedStrings
    from xlsxwriter.utility import _preserve_whitespace

    class PlainSharedStrings(SharedStrings):
        def _xml_rich_si_element(self, string) -> None:     # what _write_si calls for "<r>…</r>": a text all the same
            self._xml_si_element(string, [("xml:space", "preserve")] if _preserve_whitespace(string) else [])

    class PlainPackager(Packager):
        def _write_shared_strings_file(self) -> None:
            if not self.workbook.str_table.count:
                return
            sst = PlainSharedStrings()
            sst.string_table = self.workbook.str_table
            sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
            sst._assemble_xml_file()

    class PlainTextWorkbook(xlsxwriter.Workbook):
        def _get_packager(self):
            return PlainPackager()

    return PlainTextWorkbook


@functools.lru_cache(maxsize=None)
def _table_workbook_class():
    class TableWorkbook(plain_text_workbook_class()):
        """Closing writes the large tables' rows straight into their sheets' XML."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fast_tables: list[_FastTable] = []
            self.bodies: _Bodies | None = _BODIES.get()

        def close(self):
            fast = False
            # a small workbook is assembled in memory: xlsxwriter's temporary file per part costs more than it
            self.in_memory = sum(len(table.rows) for table in self.fast_tables) < IN_MEMORY_ROWS
            for table in self.fast_tables:
                if any(r >= 1 for r in table.sheet.table):
                    _write_rows(table.sheet, table.rows, table.fmt, keep_written=True)  # cells below the header
                    _set_heights(table.sheet, table.heights)                            # were added: go slowly
                    if self.bodies:
                        self.bodies.forget(table.sheet.name)
                else:
                    table.install(self.date_1904, self.bodies)
                    fast = True
            self.fast_tables = []
            with _quick_deflate(fast):
                super().close()
            if self.bodies:
                self.bodies.save(Path(self.filename))

    return TableWorkbook


_DEFLATE_LOCK = threading.Lock()


@contextlib.contextmanager
def _quick_deflate(wanted: bool):
    """Zip the package at deflate level 1 (about 2.5× faster than the default level 6 on a large sheet, the file
    about a fifth larger): xlsxwriter has no option for it, so its ZipFile is given the level while it closes."""
    if not wanted:
        yield
        return
    import xlsxwriter.workbook as module

    with _DEFLATE_LOCK:
        original = module.ZipFile
        module.ZipFile = functools.partial(original, compresslevel=1)
        try:
            yield
        finally:
            module.ZipFile = original


def _extent(rows: Sequence[Sequence[Any]]) -> tuple[int, int]:
    """The last Excel row and the number of columns table_rows_xml writes for `rows` (empty rows are skipped)."""
    last_row = last_col = 0
    for r, row in enumerate(rows, start=2):
        if row:
            last_row, last_col = r, max(last_col, len(row))
    return last_row, last_col


def _body_of(sheet_xml: bytes) -> bytes | None:
    """The rows a fast table put into <sheetData>: everything after xlsxwriter's header row."""
    start, end = sheet_xml.find(b"<sheetData>"), sheet_xml.rfind(b"</sheetData>")
    if start < 0 or end < start:
        return None
    inner = sheet_xml[start + len(b"<sheetData>"):end]
    if inner.startswith(b'<row r="1"'):
        inner = inner[inner.index(b"</row>") + len(b"</row>"):]
    return inner


def sheet_parts(package, workbook_xml: bytes | None = None) -> dict[str, tuple[str, int]]:
    """Sheet name → its part in the package (xl/worksheets/sheetN.xml) and its position among the sheets
    (localSheetId), from workbook.xml (`workbook_xml` when it is read already) and its relationships."""
    from defusedxml import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    relationship = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
    targets = {rel.get("Id"): rel.get("Target", "") for rel in
               ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels")).findall(relationship)}
    book = ElementTree.fromstring(workbook_xml if workbook_xml is not None else package.read("xl/workbook.xml"))
    parts = {}
    for index, sheet in enumerate(book.findall(f"{main}sheets/{main}sheet")):
        target = targets.get(sheet.get(rel_id), "")
        if target:
            parts[sheet.get("name")] = (target.lstrip("/") if target.startswith("/") else f"xl/{target}"), index
    return parts


_XML_WORK = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_ESCAPE_LOOKALIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_MAX_TEXT = 32767          # Excel's limit, in UTF-16 code units
_NEEDS_ESCAPING = _XML_WORK.search
_CACHED_TEXTS = 200_000    # texts whose cell XML is kept: units, periods, states repeat thousands of times
_CHUNK_ROWS = 2000         # rows handed to `out` at a time


def table_rows_xml(rows: Sequence[Sequence[Any]], styles: tuple[int, int, int, int], date_1904: bool,
                   heights: dict[int, float] | None = None, out=None) -> tuple[str, int, int]:
    """The <row> elements from Excel row 2 (with their `heights`, as xlsxwriter's set_row writes them); also the
    last row and the number of columns written. With `out`, the XML is passed to it piece by piece and "" is
    returned in its place.

    Each row is one str.format of a template made once per row length: the cell references around what each
    value renders to (its "tail"), the tails of texts cached, so that a cell costs a dictionary look-up.
    """
    heights = heights or {}
    tails = _CellTails(styles, date_1904)
    count = len(rows[0]) if rows else 0
    if count and set(map(len, rows)) == {count}:
        return _rectangular_xml(rows, count, tails, heights, out)
    get, tail = tails.cache.get, tails.tail
    templates: dict[int, str] = {}
    parts: list[str] = []
    whole: list[str] = []
    last_row = last_col = 0
    for r, row in enumerate(rows, start=2):
        if not row:
            continue
        count = len(row)
        template = templates.get(count) or templates.setdefault(count, _row_template(count))
        try:
            cells = [get(value) or tail(value) for value in row]
        except TypeError:                      # an unhashable value: rendered one by one
            cells = [tail(value) for value in row]
        parts.append(template.format(r, f' ht="{heights[r]:g}" customHeight="1"' if r in heights else "", *cells))
        last_row, last_col = r, max(last_col, count)
        if len(parts) >= _CHUNK_ROWS:
            (out or whole.append)("".join(parts))
            parts = []
    (out or whole.append)("".join(parts))
    return ("" if out else "".join(whole)), last_row, last_col


def _rectangular_xml(rows: Sequence[Sequence[Any]], count: int, tails: "_CellTails", heights: dict[int, float],
                     out) -> tuple[str, int, int]:
    """table_rows_xml of rows that all have `count` cells: rendered column by column (a column of units or periods is
    one pass of dictionary look-ups) and the rows put together by str.format, the same XML as row by row."""
    columns = [tails.column(values) for values in zip(*rows)]
    numbers = range(2, len(rows) + 2)
    marks = ([f' ht="{heights[r]:g}" customHeight="1"' if r in heights else "" for r in numbers] if heights
             else itertools.repeat(""))
    lines = itertools.starmap(_row_template(count).format, zip(numbers, marks, *columns))
    whole: list[str] = []
    while True:
        chunk = "".join(itertools.islice(lines, _CHUNK_ROWS))
        if not chunk:
            break
        (out or whole.append)(chunk)
    return ("" if out else "".join(whole)), len(rows) + 1, count


def _row_template(count: int) -> str:
    """'<row r="{0}"{1}><c r="A{0}"{2}<c r="B{0}"{3}…</row>' for a row of `count` cells."""
    cells = "".join(f'<c r="{column_letter(n)}{{0}}"{{{n + 2}}}' for n in range(count))
    return f'<row r="{{0}}"{{1}}>{cells}</row>'


class _CellTails:
    """What follows '<c r="A2"' for a value: its style, type and content, as xlsxwriter would write the cell.

    Texts (and None) are cached by value in `cache`; numbers, booleans and dates by (type, value) in `typed`, zero
    left out: 1, 1.0 and True, or 0.0 and -0.0, are equal as keys but render differently."""

    TYPED = (bool, int, float, datetime, date)

    def __init__(self, styles: tuple[int, int, int, int], date_1904: bool):
        self.text_style, self.number_style, self.date_style, self.datetime_style = styles
        self.date_1904 = date_1904
        self.empty = f' s="{self.text_style}"/>'
        self.cache: dict[Any, str] = {None: self.empty, "": self.empty}
        self.typed: dict[tuple, str] = {}

    def column(self, values: Sequence[Any]) -> list[str]:
        """The tails of a column's values: cached ones looked up all at once, the others rendered."""
        try:
            cells = list(map(self.cache.get, values))
        except TypeError:                      # an unhashable value: rendered one by one
            return [self.tail(value) for value in values]
        if None not in cells:
            return cells
        tail = self.tail
        if _renders_by_value(values):        # a column of flags, counts or days: each value rendered once
            memo: dict[Any, str] = {}
            known = memo.get
            return [known(value) or memo.setdefault(value, tail(value)) for value in values]
        get = self.cache.get       # looked up again one by one: a text rendered a row above is cached by now
        return [cell or get(value) or tail(value) for cell, value in zip(cells, values)]

    def tail(self, value: Any) -> str:
        kind = value.__class__
        if kind in self.TYPED and value and not getattr(value, "tzinfo", None):
            key = (kind, value)
            rendered = self.typed.get(key)
            if rendered is None:
                rendered = self.render(value)
                if len(self.typed) < _CACHED_TEXTS and value == value:     # NaN never finds itself
                    self.typed[key] = rendered
            return rendered
        return self.render(value)

    def render(self, value: Any) -> str:
        if isinstance(value, str):
            if not value:
                return self.empty
            rendered = f' s="{self.text_style}" t="inlineStr">{inline_text(value)}</c>'
            if len(self.cache) < _CACHED_TEXTS and value.__class__ is str:
                self.cache[value] = rendered
            return rendered
        if value is None:
            return self.empty
        if isinstance(value, bool):
            return f' s="{self.text_style}" t="inlineStr"><is><t>{"是" if value else "否"}</t></is></c>'
        if isinstance(value, (int, float)):
            if value != value or value in (float("inf"), float("-inf")):
                return f' s="{self.text_style}" t="inlineStr">{_inline(str(value))}</c>'
            return f' s="{self.number_style}"><v>{value:.16G}</v></c>'
        if isinstance(value, datetime):
            return f' s="{self.datetime_style}"><v>{excel_serial(value, self.date_1904):.16G}</v></c>'
        if isinstance(value, date):
            serial = excel_serial(datetime(value.year, value.month, value.day), self.date_1904)
            return f' s="{self.date_style}"><v>{serial:.16G}</v></c>'
        if value == "":
            return self.empty
        return f' s="{self.text_style}" t="inlineStr">{_inline(str(value))}</c>'


def _renders_by_value(values: Sequence[Any]) -> bool:
    """Whether equal values (None aside) render alike: a column of one kind, or of numbers (45 and 45.0 both write
    45). Not so for 1 and True, 0 and -0.0, or two datetimes that are equal in different time zones."""
    kinds = set(map(type, values)) - {type(None)}
    if kinds and kinds <= {int, float}:
        return float not in kinds or not any(math.copysign(1.0, v) < 0 for v in values if v == 0)
    if len(kinds) != 1:
        return False
    kind = kinds.pop()
    return kind in (bool, date) or (kind is datetime and all(v is None or v.tzinfo is None for v in values))


def _inline(text: str) -> str:
    """<is><t>…</t></is> for a text, as Excel stores it: at most 32,767 UTF-16 units, XML-escaped, control
    characters as _xHHHH_ (and a literal "_x0041_" as "_x005F_x0041_"), edge spaces preserved."""
    if len(text) > _MAX_TEXT // 2 and len(text.encode("utf-16-le")) // 2 > _MAX_TEXT:
        text = _utf16_prefix(text, _MAX_TEXT)
    preserve = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    if _XML_WORK.search(text):
        text = _ESCAPE_LOOKALIKE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m[0]):04X}_", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<is><t{preserve}>{text}</t></is>"


def inline_text(text: str) -> str:
    """The <is> element of a non-empty text, as the fast path writes it (most texts need no escaping at all)."""
    plain = not text[:1].isspace() and not text[-1:].isspace() and not _NEEDS_ESCAPING(text)
    if plain and len(text) < _MAX_TEXT // 2:
        return f"<is><t>{text}</t></is>"
    return _inline(text)


def _utf16_prefix(text: str, units: int) -> str:
    count = 0
    for i, ch in enumerate(text):
        count += 2 if ord(ch) > 0xFFFF else 1
        if count > units:
            return text[:i]
    return text


def excel_serial(value: datetime, date_1904: bool = False) -> float:
    """Excel's serial number of a datetime (days since its epoch, 1900 counted as a leap year)."""
    value = value.replace(tzinfo=None)
    delta = value - (datetime(1904, 1, 1) if date_1904 else datetime(1899, 12, 31))
    serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / 86400
    if not date_1904:
        if (value.year, value.month, value.day) == (1900, 1, 1):
            serial -= 1    # Excel's day 0
        if serial > 59:
            serial += 1    # the 29 February 1900 Excel believes in
    return serial


# ------------------------------------------------------------------------------------------ reusing unchanged tables

SKETCH_ROWS = 64


def _fingerprint(settings, rows: Sequence[Sequence[Any]]) -> str:
    """SHA-256 of `settings` and `rows` pickled without a memo (equal values give equal bytes whichever objects
    hold them), every row as a list (a tuple of the same values is equal), straight into the hash: no copy of a
    30,000-row table in memory."""
    import pickle

    class Digest:
        def __init__(self):
            self.sha = hashlib.sha256()

        def write(self, data) -> int:
            self.sha.update(data)
            return len(data)

    digest = Digest()
    pickler = pickle.Pickler(digest, protocol=5)
    pickler.fast = True
    pickler.dump(settings)
    for start in range(0, len(rows), 1000):
        pickler.dump([row if row.__class__ is list else list(row) for row in rows[start:start + 1000]])
    return digest.sha.hexdigest()


def _settings(headers, widths, caps, fit_rows) -> tuple:
    """What a table's widths and heights depend on besides its rows, in a form that pickles the same every time."""
    return list(headers), sorted((widths or {}).items()), sorted((caps or {}).items()), sorted(fit_rows)


_BODIES: contextvars.ContextVar["_Bodies | None"] = contextvars.ContextVar("toolkit_sheet_bodies", default=None)


@contextlib.contextmanager
def reusing_bodies(previous: Path, record: Path):
    """Workbooks made by new_workbook inside take each large table that did not change from `previous`.

    `record` (JSON) keeps, for the file last written this way, its SHA-256 and each large table's fingerprint,
    widths, heights, styles and extent. A table is reused only when `previous` is byte for byte that file and the
    table's fingerprint (its headers, rows, widths, caps, fitted columns and this module's code) is the same; a
    ledger edited by the clerk, restored from a backup or written by another version is simply written in full.
    """
    token = _BODIES.set(_Bodies(Path(previous), Path(record)))
    try:
        yield
    finally:
        _BODIES.reset(token)


def recorded_file_sha(record: Path) -> str | None:
    """The SHA-256 of the file `record` describes (the one last written inside reusing_bodies); None without one."""
    saved = _read_record(record)
    return saved.get("sha256") if saved else None


def record_moved_to(record: Path, old_sha: str, path: Path) -> None:
    """The file `record` describes (SHA-256 `old_sha`) was rewritten at `path` with its large tables kept byte for
    byte (toolkit.xlsxpatch): the record follows it, so the next write still reuses them."""
    saved = _read_record(record)
    if not saved or saved.get("sha256") != old_sha:
        return
    saved["sha256"] = file_sha256(path)
    _write_record(record, saved)


def _read_record(record: Path) -> dict | None:
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) else None


def _write_record(record: Path, saved: dict) -> None:
    tmp = record.with_name(f"{record.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, record)
    except OSError:
        tmp.unlink(missing_ok=True)   # an old record names another file: it is never used


def _code_digest() -> str:
    return _source_digest(Path(__file__))


@functools.lru_cache(maxsize=None)
def _source_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Bodies:
    """The tables of the previous file that can be reused, and the record of the file being written."""

    def __init__(self, previous: Path, record: Path):
        self.previous, self.record = previous, record
        self.entries: dict[str, dict] | None = None     # loaded on first use
        self.written: dict[str, dict] = {}
        self._package = None

    def _load(self) -> dict[str, dict]:
        if self.entries is None:
            self.entries = {}
            saved = _read_record(self.record)
            if saved and saved.get("code") == _code_digest() and self.previous.exists() and \
                    saved.get("sha256") == file_sha256(self.previous) and isinstance(saved.get("tables"), dict):
                self.entries = saved["tables"]
        return self.entries

    @staticmethod
    def key(headers, rows, widths, caps, fit_rows) -> str:
        """A fingerprint of everything a table's widths, heights and rows depend on (content only: pickled
        without its memo, so equal values give equal bytes whichever objects hold them)."""
        return _fingerprint(_settings(headers, widths, caps, fit_rows), rows)

    @staticmethod
    def sketch(headers, rows, widths, caps, fit_rows) -> str:
        """A fingerprint of the table's settings, its length and SKETCH_ROWS of its rows spread over it: a table
        whose sketch changed has changed, and is not worth the full fingerprint (a 30,000-row table's costs a
        quarter of rendering it)."""
        picked = sorted({i * (len(rows) - 1) // (SKETCH_ROWS - 1) for i in range(SKETCH_ROWS)}) if rows else []
        return _fingerprint((*_settings(headers, widths, caps, fit_rows), len(rows)), [rows[i] for i in picked])

    def known(self, name: str, table: tuple, fast: bool) -> dict | None:
        """The previous file's entry for table `name` (headers, rows, widths, caps, fit_rows), when the table is
        the same and written by the fast path; its fingerprints are recorded. The full fingerprint is made for a
        fast table seen for the first time or whose sketch is as last time: one that changed is recorded without
        it (were it written again unchanged, that write would render it once more and record it)."""
        entry = self._load().get(name)
        sketch = self.sketch(*table)
        worth_keying = fast and (entry is None or entry.get("sketch") == sketch)
        key = self.key(*table) if worth_keying else None
        self.written[name] = {"sketch": sketch, "key": key}
        return entry if entry and key is not None and entry.get("key") == key else None

    def wrote(self, name: str, widths: list[float], heights: dict[int, float]) -> None:
        self.written[name].update(widths=list(widths), heights={str(r): h for r, h in heights.items()})

    def forget(self, name: str) -> None:
        self.written.pop(name, None)

    def body(self, name: str, styles, date_1904: bool) -> tuple[bytes, int, int] | None:
        """The rows of table `name` in the previous file, when they were written with the same styles."""
        import zipfile

        entry = self._load().get(name)
        if not entry or entry.get("styles") != list(styles) or entry.get("date_1904") != date_1904:
            return None
        try:
            if self._package is None:
                self._package = zipfile.ZipFile(self.previous)
            sheet_xml = self._package.read(sheet_parts(self._package)[name][0])
        except (OSError, KeyError, zipfile.BadZipFile):
            return None
        body = _body_of(sheet_xml)
        return (body, *entry["extent"]) if body is not None else None

    def rendered(self, name: str, styles, date_1904: bool, extent: tuple[int, int]) -> None:
        """Table `name` went into the new file with these styles, its rows reaching `extent` (last row, columns)."""
        entry = self.written.get(name)
        if entry is not None:
            entry.update(styles=list(styles), date_1904=date_1904, extent=list(extent))

    def save(self, path: Path) -> None:
        """Record the file just written (at `path`, the same bytes the ledger will have) and its tables."""
        if self._package is not None:
            self._package.close()
            self._package = None
        tables = {name: entry for name, entry in self.written.items()
                  if entry["key"] is None or ("styles" in entry and "extent" in entry)}
        _write_record(self.record, {"code": _code_digest(), "sha256": file_sha256(path), "tables": tables})
