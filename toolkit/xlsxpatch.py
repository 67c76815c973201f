"""Rewrite small tables of a workbook and copy every other part byte for byte (issue 16: write only what changed).

A circular adds one row to the ledger's 通报记录; writing the whole 4.5 MB ledger again for it takes a second at
province scale. `replace_tables` writes a copy of the workbook in which only those sheets' rows (and the ranges
naming them) are new: every other part keeps its compressed bytes. A new cell takes the style the small tables'
cells already have for its kind of value (text, number, date, date and time by the cell's number format), texts are
inline strings, so the cells read back exactly as a full write would give them. Whenever a sheet does not look as
expected — other headers, no cell to take a kind's style from, two styles for one kind (formatted by hand), a
large sheet, an encrypted or ZIP64 package — it returns False and writes nothing, and the caller writes the whole
workbook instead.
"""
from __future__ import annotations

import re
import struct
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from toolkit.checks import column_letter
from toolkit.sheets import sheet_parts, table_rows_xml

MAX_SHEET_BYTES = 1_000_000     # only small sheets are patched; a large one is written in full
BUILTIN_DATES = {14, 15, 16, 17, 22}     # Excel's built-in number formats showing a date
BUILTIN_TIMES = {18, 19, 20, 21, 22, 45, 46, 47}
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>.*</sheetData>", re.DOTALL)


class NotPatchable(Exception):
    """The workbook cannot be patched safely; write it in full."""


def replace_tables(source: Path, target: Path, tables: dict[str, tuple[Sequence[str], Sequence[Sequence[Any]]]],
                   style_sheets: Sequence[str] = ()) -> bool:
    """Write `target`: `source` with the rows below the header of each sheet named in `tables` replaced.

    tables: sheet name → (its headers, which the sheet must have in this order; its new rows). The styles of text,
    number, date and date-time cells come from the cells of those sheets and of `style_sheets` (small tables written
    with the same formats), which must agree. Returns False (nothing written) when that cannot be done safely.
    """
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(source) as book, open(source, "rb") as handle:
            values = CalamineWorkbook.from_filelike(handle)
            workbook_xml = book.read("xl/workbook.xml")
            date_1904 = re.search(rb'date1904="(1|true)"', workbook_xml) is not None
            parts = sheet_parts(book, workbook_xml)
            if any(name not in parts for name in tables):
                raise NotPatchable("a sheet that is not there")
            number_kinds = _number_kinds(book.read("xl/styles.xml"))
            styles: dict[str, str] = {}
            own = {name: _small_part(book, parts[name][0]) for name in tables}      # each read once
            for name in tables:
                _check_headers(values.get_sheet_by_name(name).to_python(), tables[name][0])
                _add_styles(styles, own[name], number_kinds)
            for name in (n for n in style_sheets if n not in tables and n in parts):
                part = parts[name][0]
                if book.getinfo(part).file_size <= MAX_SHEET_BYTES:
                    _add_styles(styles, book.read(part), number_kinds)
            replaced = {}
            for name, (headers, rows) in tables.items():
                part, index = parts[name]
                replaced[part] = _with_rows(own[name], rows, styles, len(headers), date_1904)
                workbook_xml = _with_filter_range(workbook_xml, index, len(headers), len(rows) + 1)
            replaced["xl/workbook.xml"] = workbook_xml
            if "docProps/core.xml" in book.namelist():
                replaced["docProps/core.xml"] = _modified_now(book.read("docProps/core.xml"))
            _copy_package(book, source, target, replaced)
    except (NotPatchable, KeyError, zipfile.BadZipFile, struct.error, ValueError, OSError):
        target.unlink(missing_ok=True)
        return False
    return True


# ------------------------------------------------------------------------------------------ reading the sheet

def _small_part(book: zipfile.ZipFile, part: str) -> bytes:
    info = book.getinfo(part)
    if info.file_size > MAX_SHEET_BYTES:
        raise NotPatchable("a large sheet")
    return book.read(part)


def _check_headers(rows: list[list], headers: Sequence[str]) -> None:
    """The sheet's header row (as read back) is `headers`, in that order, and nothing beside them."""
    if not rows or [str(v) for v in rows[0][:len(headers)]] != list(headers) or \
            any(v not in ("", None) for v in rows[0][len(headers):]):
        raise NotPatchable("other headers")


def _kind(value: Any) -> str | None:
    """Which of the table's formats a full write gives the value (sheets.write_cell); None for a blank."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, date)) or \
            (isinstance(value, float) and (value != value or value in (float("inf"), float("-inf")))):
        return "text"
    if isinstance(value, datetime):
        return "datetime"
    return "date" if isinstance(value, date) else "number"


def _number_kinds(styles_xml: bytes) -> list[str]:
    """For each cell style (xf) index: "date", "datetime" or "number", by the number format it shows a value in."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(styles_xml)
    codes = {int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in root.iter(f"{MAIN_NS}numFmt")}
    kinds = []
    cell_xfs = root.find(f"{MAIN_NS}cellXfs")
    for xf in cell_xfs if cell_xfs is not None else ():
        number_format = int(xf.get("numFmtId", "0"))
        code = re.sub(r'"[^"]*"|\[[^]]*]|\\.', "", codes.get(number_format, "")).lower()
        dated = number_format in BUILTIN_DATES or bool(re.search("[yd]", code))
        timed = number_format in BUILTIN_TIMES or bool(re.search("[hs]", code))
        kinds.append("datetime" if dated and timed else "date" if dated else "number")
    return kinds


def _add_styles(styles: dict[str, str], sheet_xml: bytes, number_kinds: list[str]) -> None:
    """Kind of value → the style index of the sheet's data cells holding it: a text is a string cell, a number,
    date or date-time a value cell by its number format, and a blank cell has the text style (as sheets.write_cell
    writes it). Two styles for one kind: the sheet was formatted by hand."""
    from defusedxml import ElementTree

    for row in ElementTree.fromstring(sheet_xml).iter(f"{MAIN_NS}row"):
        if int(row.get("r", "0")) < 2:
            continue
        for cell in row.findall(f"{MAIN_NS}c"):
            style = cell.get("s", "0")
            if cell.get("t") in ("s", "inlineStr", "str") or cell.find(f"{MAIN_NS}v") is None:
                kind = "text"
            elif cell.get("t", "n") == "n" and int(style) < len(number_kinds):
                kind = number_kinds[int(style)]
            else:
                raise NotPatchable(f"a cell of type {cell.get('t')}")
            if styles.setdefault(kind, style) != style:
                raise NotPatchable(f"two styles for a {kind}")


# ------------------------------------------------------------------------------------------ writing the sheet

def _styles_for(rows: Sequence[Sequence[Any]], styles: dict[str, str]) -> tuple[int, int, int, int]:
    """The (text, number, date, datetime) style indexes table_rows_xml writes `rows` in; NotPatchable when the
    workbook has no style for a kind of value the rows hold (a kind they do not hold is never written)."""
    needed = {_kind(value) or "text" for row in rows for value in row}
    missing = needed - set(styles)
    if missing:
        raise NotPatchable(f"no style for a {sorted(missing)[0]}")
    return tuple(int(styles.get(kind, 0)) for kind in ("text", "number", "date", "datetime"))


def _with_rows(sheet_xml: bytes, rows: Sequence[Sequence[Any]], styles: dict[str, str], width: int,
               date_1904: bool) -> bytes:
    """The sheet with its data rows replaced, its header row as it was; dimension and filter ranges follow."""
    found = _SHEET_DATA.search(sheet_xml)
    header = re.search(rb'<row r="1"[ >].*?</row>', found.group() if found else b"", re.DOTALL)
    if found is None or header is None:
        raise NotPatchable("no header row")
    body, _, _ = table_rows_xml(rows, _styles_for(rows, styles), date_1904)
    data = b"<sheetData>" + header.group() + body.encode("utf-8") + b"</sheetData>"
    patched = sheet_xml[:found.start()] + data + sheet_xml[found.end():]
    last = f"{column_letter(width - 1)}{len(rows) + 1}".encode()
    patched = re.sub(rb'(<dimension ref=")[^"]*(")', rb"\g<1>A1:" + last + rb"\g<2>", patched, count=1)
    return re.sub(rb'(<autoFilter ref=")[^"]*(")', rb"\g<1>A1:" + last + rb"\g<2>", patched, count=1)


def _with_filter_range(workbook_xml: bytes, index: int, width: int, last_row: int) -> bytes:
    """The sheet's _xlnm._FilterDatabase range ends at its new last row."""
    pattern = re.compile(rb'(<definedName name="_xlnm._FilterDatabase" localSheetId="' + str(index).encode() +
                         rb'"[^>]*>)([^<]*)(</definedName>)')

    def new_range(match: re.Match) -> bytes:
        name = match.group(2).rsplit(b"!", 1)[0]
        return match.group(1) + name + f"!$A$1:${column_letter(width - 1)}${last_row}".encode() + match.group(3)

    return pattern.sub(new_range, workbook_xml)


def _modified_now(core_xml: bytes) -> bytes:
    """The package's last-modified time (file properties) is now, as a full write would stamp it."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", core_xml,
                  count=1)


# ------------------------------------------------------------------------------------------ the package

def _copy_package(book: zipfile.ZipFile, source: Path, target: Path, replaced: dict[str, bytes]) -> None:
    """Every part of `book` in its order: the `replaced` ones deflated anew, the others' compressed bytes copied."""
    from toolkit.formxml import Part, zip_package

    parts = []
    with open(source, "rb") as raw:
        for info in book.infolist():
            if info.flag_bits & 0x1 or info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
                raise NotPatchable("encrypted or ZIP64")
            if info.filename in replaced:
                parts.append(Part.of(info.filename, replaced[info.filename]))
            elif info.compress_type != zipfile.ZIP_DEFLATED:
                parts.append(Part.of(info.filename, book.read(info.filename)))
            else:
                parts.append(Part(info.filename, info.CRC, info.file_size, _raw_bytes(raw, info)))
    target.write_bytes(zip_package(parts))


def _raw_bytes(raw, info: zipfile.ZipInfo) -> bytes:
    raw.seek(info.header_offset)
    header = raw.read(30)
    if header[:4] != b"PK\x03\x04":
        raise NotPatchable("a damaged local header")
    name_length, extra_length = struct.unpack("<2H", header[26:30])
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    payload = raw.read(info.compress_size)
    if len(payload) != info.compress_size:
        raise NotPatchable("a truncated part")
    return payload
