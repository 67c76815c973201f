"""Task tables: a .docx whose tasks sit in a table, or the same table kept as an .xlsx.

Columns are found by their header text (序号, 重点任务, 牵头领导, 牵头单位, 配合单位, 完成时限, 类别 …).
Vertically merged cells count for every row they cover; a row merged across the whole table (一、工业经济)
starts a new category. Line breaks inside a cell separate names; `/`, `—`, `无` or an empty cell mean none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.notice import (CN_DIGITS, CO_UNIT_LABELS, DEADLINE_LABELS, LEAD_UNIT_LABELS, LEADER_LABELS,
                            MIXED_UNIT_LABELS, SECTION_RE, SUBSECTION_RE, Para, Source)

# (field, header words) — checked in this order, so 任务类别 is a category and not the task text
COLUMN_WORDS = (
    ("number", ("序号", "编号")),
    ("leaders", LEADER_LABELS + ("县级领导", "区级领导", "责任领导", "领导")),
    ("deadline", DEADLINE_LABELS + ("时间节点", "完成时限", "时限")),
    ("leads", LEAD_UNIT_LABELS),
    ("cos", CO_UNIT_LABELS),
    ("mixed", MIXED_UNIT_LABELS),
    ("section", ("类别", "类型", "分类", "领域", "板块")),
    ("text", ("重点任务", "工作任务", "任务内容", "主要任务", "具体任务", "工作内容", "任务")),
)
HEADER_SEARCH_ROWS = 10
NUMBER_RE = re.compile(r"[（(]?([0-9０-９]{1,4})(?:\.0)?[)）.．、]?")


@dataclass
class TableRow:
    """One task read from a table row (or from consecutive rows sharing a merged task cell)."""
    number: str | None
    section: str
    section_no: str | None
    text: str
    leaders: list[Para] = field(default_factory=list)
    leads: list[Para] = field(default_factory=list)
    cos: list[Para] = field(default_factory=list)
    mixed: list[Para] = field(default_factory=list)
    deadline: str | None = None


# --------------------------------------------------------------------------------------------- reading

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


def _para_of(paragraph) -> Para:
    """A python-docx paragraph as text with per-character bold, taking run, run style and paragraph style."""
    text, bold = "", []
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
    for run in paragraph.runs:
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
    """Rows of cells; python-docx already repeats a vertically merged cell in every row it covers."""
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


# --------------------------------------------------------------------------------------------- columns and rows

def find_header(grid: list[list[Para]]) -> tuple[int, dict[str, int]] | None:
    """The header row (the one naming most known columns, which must include the task text) and its columns."""
    best = None
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        columns = _columns_of(row)
        if "text" in columns and len(columns) >= 2 and (best is None or len(columns) > len(best[1])):
            best = (index, columns)
    return best


def _columns_of(row: list[Para]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        words = re.sub(r"\s+", "", cell.text)
        if not words or len(words) > 12:
            continue
        name = next((f for f, labels in COLUMN_WORDS if any(label in words for label in labels)), None)
        if name and name not in columns:
            columns[name] = index
    return columns


def table_rows(tables: list[list[list[Para]]]) -> list[TableRow]:
    """Task rows of every table that has a recognisable header, in order."""
    rows: list[TableRow] = []
    for grid in tables:
        header = find_header(grid)
        if header is not None:
            rows += _rows_of(grid, *header)
    return rows


def _rows_of(grid: list[list[Para]], header_index: int, columns: dict[str, int]) -> list[TableRow]:
    rows: list[TableRow] = []
    header_text = grid[header_index][columns["text"]].text
    section, section_no, categories = "", None, {}

    def cell(row, name) -> Para:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else Para("", None)

    for row in grid[header_index + 1:]:
        values = [c.text for c in row if c.text]
        number = _number(cell(row, "number").text)
        if not values:
            continue
        heading = _category_heading(values, cell(row, "number").text, cell(row, "text").text)
        if number is None and heading:
            section, section_no = heading[0], heading[1] or str(len(categories) + 1)
            categories.setdefault(section, section_no)
            continue
        text = cell(row, "text").text
        if not text or text == header_text:
            continue
        if "section" in columns and cell(row, "section").text:
            section = cell(row, "section").text.replace("\n", "")
            section_no = categories.setdefault(section, str(len(categories) + 1))
        if rows and rows[-1].text == text and rows[-1].number == number:
            _merge_into(rows[-1], row, cell)   # the task cell is merged over rows that list more units
            continue
        task = TableRow(number, section, section_no, text)
        _merge_into(task, row, cell)
        deadline = cell(row, "deadline").text.replace("\n", "")
        task.deadline = deadline or None
        rows.append(task)
    return rows


def _merge_into(task: TableRow, row, cell) -> None:
    for name in ("leaders", "leads", "cos", "mixed"):
        para = cell(row, name)
        target = getattr(task, name)
        if para.text and all(para.text != p.text for p in target):
            target.append(para)


def _number(text: str) -> str | None:
    m = NUMBER_RE.fullmatch(text.strip())
    return m[1] if m else None


def _category_heading(values: list[str], number: str, text: str) -> tuple[str, str | None] | None:
    """A category row: one text merged across the row, a lone 一、工业经济, or 一 | 工业经济 with no units.

    Returns (category, its numeral or None)."""
    numeral = re.fullmatch(rf"[（(]?([{CN_DIGITS}]+)[）)、.．]?", number.strip())
    if numeral and text and len(set(values)) == 2:
        return text.replace("\n", ""), numeral[1]
    if len(set(values)) != 1:
        return None
    for pattern in (SECTION_RE, SUBSECTION_RE):
        m = pattern.match(values[0])
        if m:
            return m[2].strip(), m[1]
    return (values[0].replace("\n", ""), None) if len(values) > 1 else None


def title_above_header(tables: list[list[list[Para]]]) -> str | None:
    """A sheet's title: the first row above the header that holds one text (usually merged across)."""
    for grid in tables:
        header = find_header(grid)
        if header is None:
            continue
        for row in grid[:header[0]]:
            values = {c.text for c in row if c.text}
            if len(values) == 1:
                return values.pop().replace("\n", "")
    return None
