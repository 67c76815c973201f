"""Reading a notice file (.txt, .docx, .xlsx) into paragraphs and tables, after refusing files too large to read."""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.notice.labels import SECTION_RE, SUBSECTION_RE, is_end_matter, is_header, is_note

MAX_TEXT_BYTES = 20 * 1024 * 1024       # a notice is a few hundred KB of text
MAX_UNPACKED_BYTES = 50 * 1024 * 1024   # .docx / .xlsx once unzipped
MB = 1024 * 1024


@dataclass
class Para:
    """One paragraph of the notice; `bold[i]` tells whether character i was printed bold (docx only)."""
    text: str
    bold: list[bool] | None = None

    def strip(self) -> "Para":
        left = len(self.text) - len(self.text.lstrip())
        text = self.text.strip()
        bold = self.bold[left:left + len(text)] if self.bold is not None else None
        return Para(text, bold)


@dataclass
class Source:
    """What a notice file holds: its paragraphs and its tables (rows of cells, each cell one Para)."""
    paras: list[Para]
    formatted: bool                                   # bold is known
    tables: list[list[list[Para]]] = field(default_factory=list)


def read_notice(path: Path) -> Source:
    if not path.exists():
        raise ToolkitError(f"找不到通知文件：{path}。请检查文件名和路径。")
    suffix = path.suffix.lower()
    if suffix in (".doc", ".wps"):
        raise ToolkitError(f"{path.name} 是旧版 Word/WPS 格式，无法直接读取。请用 Word 或 WPS 打开后"
                           f"“另存为” .docx（Word 文档）再运行；也可以另存为 .txt，但 .txt 会丢失粗体（主办单位）信息。")
    if suffix in (".xls", ".et"):
        raise ToolkitError(f"{path.name} 是旧版 Excel/WPS 表格格式，无法直接读取。请用 Excel 或 WPS 打开后"
                           f"“另存为” .xlsx（Excel 工作簿）再运行。")
    if suffix == ".pdf":
        raise ToolkitError(f"{path.name} 是 PDF，无法可靠读取段落和粗体。请向发文单位索取 .docx 原件，"
                           f"或复制全文粘贴到记事本并保存为 .txt（UTF-8）后再运行。")
    with path.open("rb") as f:
        head = f.read(8)
    if head[:2] == b"PK" or suffix in (".docx", ".xlsx", ".xlsm"):
        _refuse_large_package(path)
        return read_xlsx(path) if suffix in (".xlsx", ".xlsm") else read_docx(path)
    if head[:4] == b"\xd0\xcf\x11\xe0":
        raise ToolkitError(f"{path.name} 实际是旧版 Word（.doc）文件。请用 Word/WPS 另存为 .docx 后再运行。")
    if head.startswith(b"%PDF"):
        raise ToolkitError(f"{path.name} 实际是 PDF 文件。请索取 .docx 原件或另存为 .txt 后再运行。")
    _refuse_large_text(path)
    lines = decode_text(path.read_bytes(), path.name).splitlines()
    return Source([Para(line) for line in lines], False, text_tables(lines))


# --------------------------------------------------------------------------------------------- size limits

def _refuse_large_text(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise ToolkitError(f"{path.name} 有 {size / MB:.0f} MB，超过通知文本的上限 {MAX_TEXT_BYTES // MB} MB，"
                           f"没有读取。请确认选对了文件；如确是通知，请只保留正文和任务部分另存后再运行。")


def _refuse_large_package(path: Path) -> None:
    """Sizes from the zip directory, before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as package:
            unpacked = sum(member.file_size for member in package.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ToolkitError(f"{path.name} 不是完整的 Word/Excel 文件（{exc}）。请用 Word/WPS/Excel 打开后"
                           f"另存为 .docx 或 .xlsx 再运行。") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise ToolkitError(f"{path.name} 解压后有 {unpacked / MB:.0f} MB，超过上限 {MAX_UNPACKED_BYTES // MB} MB，"
                           f"没有读取。通知中可能嵌有大图片或附件：请删去图片和附件、只保留正文和任务表后另存再运行。")


# --------------------------------------------------------------------------------------------- text

def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; refuse rather than guess wrongly."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_like_chinese(text):
        return text
    raise ToolkitError(f"无法判断 {name} 的文字编码（既不是 UTF-8，也不是 GBK/GB18030）。请用记事本打开，"
                       f"“另存为”时选择编码“UTF-8”，再运行。")


def _looks_like_chinese(text: str) -> bool:
    """GB18030 decodes almost any bytes; real Chinese text is mostly common Han characters and ASCII."""
    sample = [ch for ch in text if not ch.isspace()]
    if not sample:
        return False
    common = sum(1 for ch in sample if ch.isascii() or "\u4e00" <= ch <= "\u9fa5" or "\u3000" <= ch <= "\u303f"
                 or "\uff00" <= ch <= "\uffef" or ch in "“”‘’—…·《》〔〕")
    return common / len(sample) > 0.95


# --------------------------------------------------------------------------------------------- tables pasted into text

CELL_GAP_RE = re.compile(r"[ \u3000\xa0]{2,}")
ROW_NUMBER_RE = re.compile(r"[（(]?[0-9０-９]{1,4}[)）.．、]?")


def text_tables(lines: list[str]) -> list[list[list[Para]]]:
    """Tables pasted from a web page: a header line of known column names, then one row per line, cells split
    by tabs (or runs of two or more spaces); a cell that runs over several lines continues on the next line."""
    tables, i = [], 0
    while i < len(lines):
        cells = _cells(lines[i])
        if len(cells) >= 2 and is_header(cells):
            grid, i = _text_table(lines, i + 1, cells)
            tables.append([[Para(c) for c in row] for row in grid])
        else:
            i += 1
    return tables


def _text_table(lines: list[str], start: int, header: list[str]) -> tuple[list[list[str]], int]:
    width, grid, row, closed = len(header), [header], None, True
    i = start
    while i < len(lines):
        if not lines[i].strip():
            closed, i = True, i + 1
            continue
        cells = _cells(lines[i])
        if _ends_table(cells):
            break
        if row is not None and not closed and _continues(row, cells, width):
            row[-1] = f"{row[-1]}\n{cells[0]}" if row[-1] else cells[0]
            row += cells[1:]
        elif len(cells) >= 2 or SECTION_RE.match(cells[0]) or SUBSECTION_RE.match(cells[0]):
            row = list(cells)
            grid.append(row)
        else:
            break
        closed, i = False, i + 1
    return grid, i


def _cells(line: str) -> list[str]:
    line = line.rstrip("\r\n")
    if "\t" in line:
        cells = [c.strip() for c in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        return cells or [""]
    return CELL_GAP_RE.split(line.strip())


def _continues(row: list[str], cells: list[str], width: int) -> bool:
    """The line carries on the row above: the row is short of cells, or the line is one more line of text."""
    if ROW_NUMBER_RE.fullmatch(cells[0]) or SECTION_RE.match(cells[0]) or SUBSECTION_RE.match(cells[0]):
        return False
    return len(row) + len(cells) - 1 <= width or len(cells) == 1


def _ends_table(cells: list[str]) -> bool:
    return len(cells) == 1 and (is_end_matter(cells[0]) or is_note(cells[0]))


# --------------------------------------------------------------------------------------------- .docx

def read_docx(path: Path) -> Source:
    import docx  # python-docx, only for .docx notices

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - any failure means the file is not a usable .docx
        raise ToolkitError(f"{path.name} 无法作为 Word 文档打开（{exc}）。请用 Word/WPS 打开后另存为 .docx 再试。") from exc
    paras = []
    for paragraph in document.paragraphs:
        para = _para_of(paragraph)
        paras += [Para(text, bold) for text, bold in _split_lines(para.text, para.bold)]
    tables = [_docx_grid(table) for table in document.tables]
    return Source(paras, True, tables)


# runs directly in the paragraph and inside hyperlinks, tracked insertions and smart tags: all of them are text
_RUNS_XPATH = ("./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r | ./w:fldSimple/w:r"
               " | ./w:sdt/w:sdtContent/w:r")


def _para_of(paragraph) -> Para:
    """A python-docx paragraph as text with per-character bold, taking run, run style and paragraph style;
    a line break (w:br) inside the paragraph is kept as \\n."""
    from docx.text.run import Run

    text, bold = "", []
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
    for element in paragraph._p.xpath(_RUNS_XPATH):
        run = Run(element, paragraph)
        run_bold = run.bold
        if run_bold is None and run.style is not None and run.style.font.bold is not None:
            run_bold = run.style.font.bold
        if run_bold is None:
            run_bold = style_bold
        text += run.text
        bold += [bool(run_bold)] * len(run.text)
    return Para(text, bold)


def _split_lines(text: str, bold: list[bool]):
    start = 0
    for i, ch in enumerate(text + "\n"):
        if ch == "\n":
            yield text[start:i], bold[start:i]
            start = i + 1


def _docx_grid(table) -> list[list[Para]]:
    """Rows of cells; python-docx already repeats a merged cell in every grid column and row it covers.
    Paragraphs and line breaks inside a cell are both kept as \\n."""
    grid = []
    for row in table.rows:
        cells = [Para("", [])] * row.grid_cols_before
        for cell in row.cells:
            parts = [_para_of(p) for p in cell.paragraphs]
            text = "\n".join(p.text for p in parts)
            bold: list[bool] = []
            for i, p in enumerate(parts):
                bold += ([False] if i else []) + p.bold
            cells.append(Para(text, bold).strip())
        grid.append(cells)
    return grid


# --------------------------------------------------------------------------------------------- .xlsx

def read_xlsx(path: Path) -> Source:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(str(path), data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means the file is not a usable workbook
        raise ToolkitError(f"{path.name} 无法作为 Excel 工作簿打开（{exc}）。请用 Excel/WPS 打开后另存为 .xlsx 再试。") from exc
    tables = [_xlsx_grid(sheet) for sheet in workbook.worksheets]
    paras = [Para(" ".join(dict.fromkeys(c.text for c in row if c.text))) for grid in tables for row in grid]
    return Source(paras, False, tables)


def _xlsx_grid(sheet) -> list[list[Para]]:
    values = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        top = values[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                values[r][c] = top
    return [[Para(v) for v in row] for row in values]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value).strip()
