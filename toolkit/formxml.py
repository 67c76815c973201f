"""SpreadsheetML parts written as text, and the .xlsx zip that holds them (the unit forms' fast path, issue 16).

The functions mirror what xlsxwriter writes for the same call (column widths and row heights rounded to whole
pixels, spans per block of 16 rows, escaping), except that texts are inline strings instead of shared strings,
as xlsxwriter itself does in constant_memory mode. `zip_package` writes the zip in one go; a part made once
with `Part.of` (its deflated bytes and CRC kept) goes into every package without being compressed again.
"""
from __future__ import annotations

import functools
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Iterable, Sequence

from toolkit.checks import column_letter
from toolkit.sheets import inline_text

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
WORKSHEET_START = (XML_DECLARATION + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">')
MAX_DIGIT_WIDTH = 7        # xlsxwriter's Calibri 11 metrics: pixels per character, padding, defaults
CELL_PADDING = 5
DEFAULT_COLUMN_PIXELS = 64
DEFAULT_ROW_PIXELS = 20


# ----------------------------------------------------------------------------------------------- text

def escape_data(text: str) -> str:
    """Element text as xlsxwriter escapes it (double quotes stay)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_data(text: str) -> str:
    """The text escape_data escaped."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape_attribute(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "&#xA;"))


# ----------------------------------------------------------------------------------------------- cells

class NotInline(ValueError):
    """A text holding a control character or an "_xHHHH_" escape (readers unescape those differently in inline
    and in shared strings: openpyxl does not unescape inline ones), or one so long that xlsxwriter might cut it
    elsewhere: such a workbook is written per cell."""


LONGEST_INLINE = 16383


_ESCAPED = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_").search


def text_cell(ref: str, style: int, text: str) -> str:
    """A text cell; an empty text with a style is a styled blank, without one no cell at all."""
    if not text:
        return blank_cell(ref, style)
    if len(text) > LONGEST_INLINE or _ESCAPED(text):
        raise NotInline(text[:40])
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled} t="inlineStr">{inline_text(text)}</c>'


def blank_cell(ref: str, style: int) -> str:
    return f'<c r="{ref}" s="{style}"/>' if style else ""


def number_cell(ref: str, style: int, number: float | None) -> str:
    if number is None:
        return blank_cell(ref, style)
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled}><v>{number:.16G}</v></c>'


# ----------------------------------------------------------------------------------------------- sizes

def row_pixels(points: float) -> int:
    return int(points * 4.0 / 3.0 + 0.5)


@functools.lru_cache(maxsize=4096)
def height_attributes(points: float) -> str:
    """The <row> attributes of set_row(r, points): whole pixels; none for the default height."""
    pixels = row_pixels(points)
    if pixels == DEFAULT_ROW_PIXELS:
        return ""
    return f' ht="{pixels * 0.75:.16g}" customHeight="1"'


def column_pixels(width: float) -> int:
    if width == 0:
        return 0
    if width < 1:
        return int(width * (MAX_DIGIT_WIDTH + CELL_PADDING) + 0.5)
    return int(width * MAX_DIGIT_WIDTH + 0.5) + CELL_PADDING


def cols_xml(widths: Sequence[float]) -> str:
    """<cols> of set_column(col, col, width) for each column: neighbours of equal pixel width share a <col>."""
    if not widths:
        return ""
    pixels = [column_pixels(w) for w in widths]
    parts, first = [], 0
    for col in range(1, len(pixels) + 1):
        if col == len(pixels) or pixels[col] != pixels[first]:
            width = (pixels[first] * 256 // MAX_DIGIT_WIDTH) / 256.0
            custom = ' customWidth="1"' if pixels[first] != DEFAULT_COLUMN_PIXELS else ""
            parts.append(f'<col min="{first + 1}" max="{col}" width="{width:.16g}"{custom}/>')
            first = col
    return "<cols>" + "".join(parts) + "</cols>"


# ----------------------------------------------------------------------------------------------- rows

@dataclass(slots=True)
class Row:
    """One <row>: its Excel number, first and last column with a cell (0-based), attributes and cells."""
    number: int
    first_col: int
    last_col: int
    attributes: str
    cells: str


def rows_xml(rows: Iterable[Row]) -> str:
    """The rows with xlsxwriter's spans: the columns used by each block of 16 rows."""
    rows = list(rows)
    blocks: dict[int, tuple[int, int]] = {}
    for row in rows:
        block = (row.number - 1) // 16
        low, high = blocks.get(block, (row.first_col, row.last_col))
        blocks[block] = (min(low, row.first_col), max(high, row.last_col))
    spans = {block: f"{low + 1}:{high + 1}" for block, (low, high) in blocks.items()}
    return "".join(f'<row r="{row.number}" spans="{spans[(row.number - 1) // 16]}"{row.attributes}>{row.cells}</row>'
                   for row in rows)


# ----------------------------------------------------------------------------------------------- parts of a sheet

def dimension_xml(last_col: int, last_row: int) -> str:
    ref = "A1" if last_col == 0 and last_row == 1 else f"A1:{column_letter(last_col)}{last_row}"
    return f'<dimension ref="{ref}"/>'


def column_range(letter: str, first: int, last: int) -> str:
    """A range in one column, as xlsxwriter writes it: "H4:H11", or "H4" for one cell."""
    return f"{letter}{first}" if first == last else f"{letter}{first}:{letter}{last}"


def merge_cells_xml(refs: Sequence[str]) -> str:
    if not refs:
        return ""
    return f'<mergeCells count="{len(refs)}">' + "".join(f'<mergeCell ref="{ref}"/>' for ref in refs) + \
        "</mergeCells>"


def blanks_rule_xml(ref: str, dxf: int, priority: int) -> str:
    """conditional_format(range, {"type": "blanks"}) on `ref` ("H4:H11" or "C13")."""
    top_left = ref.split(":")[0]
    return (f'<conditionalFormatting sqref="{ref}"><cfRule type="containsBlanks" dxfId="{dxf}" '
            f'priority="{priority}"><formula>LEN(TRIM({top_left}))=0</formula></cfRule></conditionalFormatting>')


def data_validations_xml(items: Sequence[str]) -> str:
    if not items:
        return ""
    return f'<dataValidations count="{len(items)}">' + "".join(items) + "</dataValidations>"


def data_validation_xml(kind: str, operator: str, ref: str, messages: dict[str, str], formulas: Sequence[str]) -> str:
    """One <dataValidation> (error style stop, blanks allowed, input and error messages shown)."""
    attributes = f'type="{kind}"' + (f' operator="{operator}"' if operator else "")
    attributes += ' allowBlank="1" showInputMessage="1" showErrorMessage="1"'
    for key in ("errorTitle", "error", "promptTitle", "prompt"):
        if messages.get(key):
            attributes += f' {key}="{escape_attribute(messages[key])}"'
    body = "".join(f"<formula{n}>{escape_data(text)}</formula{n}>" for n, text in enumerate(formulas, start=1))
    return f'<dataValidation {attributes} sqref="{ref}">{body}</dataValidation>'


# ----------------------------------------------------------------------------------------------- workbook parts

def defined_names_xml(names: Iterable[tuple[str, int, str]]) -> str:
    """(name, local sheet index or -1, formula without "=") in xlsxwriter's (Excel's) order."""
    def order(item):
        name, _, formula = item
        return name.replace("_xlnm.", "").lower() + "::" + formula.lstrip("'").lower()

    parts = []
    for name, sheet, formula in sorted(names, key=order):
        local = f' localSheetId="{sheet}"' if sheet != -1 else ""
        parts.append(f'<definedName name="{escape_attribute(name)}"{local}>{escape_data(formula)}</definedName>')
    return "<definedNames>" + "".join(parts) + "</definedNames>" if parts else ""


def custom_properties_xml(properties: Sequence[tuple[str, str]]) -> str:
    """docProps/custom.xml of text properties, numbered from pid 2 as xlsxwriter numbers them."""
    items = "".join(f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" '
                    f'name="{escape_attribute(name)}"><vt:lpwstr>{escape_data(value)}</vt:lpwstr></property>'
                    for pid, (name, value) in enumerate(properties, start=2))
    return (XML_DECLARATION + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            + items + "</Properties>")


def core_properties_xml(title: str, subject: str, author: str, comments: str, created: str) -> str:
    """docProps/core.xml as xlsxwriter's set_properties writes it; `created` is "YYYY-MM-DDTHH:MM:SSZ"."""
    fields = [("dc:title", title), ("dc:subject", subject), ("dc:creator", author), ("dc:description", comments),
              ("cp:lastModifiedBy", author)]
    body = "".join(f"<{tag}>{escape_data(value)}</{tag}>" for tag, value in fields if value)
    return (XML_DECLARATION + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' + body
            + f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
            + f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified></cp:coreProperties>')


# ----------------------------------------------------------------------------------------------- the zip

_DOS_DATE = (0 << 9) | (1 << 5) | 1     # 1980-01-01, as xlsxwriter dates its parts
_FILE_MODE = 0o600 << 16


@dataclass(frozen=True)
class Part:
    """A member of the package, already deflated."""
    name: str
    crc: int
    size: int
    data: bytes

    @classmethod
    def of(cls, name: str, text: str | bytes, level: int = 6) -> "Part":
        raw = text.encode("utf-8") if isinstance(text, str) else text
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        return cls(name, zlib.crc32(raw), len(raw), packer.compress(raw) + packer.flush())


def zip_package(parts: Sequence[Part]) -> bytes:
    """The .xlsx bytes: local headers and data, then the central directory."""
    chunks, directory, offset = [], [], 0
    for part in parts:
        name = part.name.encode("utf-8")
        fields = (20, 0, 8, 0, _DOS_DATE, part.crc, len(part.data), part.size, len(name), 0)
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name
        chunks += (header, part.data)
        directory.append(_central_entry(fields, name, offset))
        offset += len(header) + len(part.data)
    central = b"".join(directory)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), offset, 0)
    return b"".join(chunks) + central + end


def _central_entry(fields: tuple, name: bytes, offset: int) -> bytes:
    version, flags, method, time, date, crc, packed, size, name_length, _ = fields
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, version, flags, method, time, date, crc, packed,
                       size, name_length, 0, 0, 0, 0, _FILE_MODE, offset) + name
