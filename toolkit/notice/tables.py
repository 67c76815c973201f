"""Table layouts: task tables in .docx, .xlsx or pasted into .txt, their headers, category rows and page breaks."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import zip_longest

from toolkit.notice.duties import Duty, RawTask, blank_notes, heading_leaders, read_field, read_fields
from toolkit.notice.indicators import chinese_to_int
from toolkit.notice.labels import (CN_DIGITS, COLUMN_NAMES, LABEL_RE, NONE_VALUES, SECTION_RE, SUBSECTION_RE, TASK_RE,
                                   ascii_digits, column_fields, is_note)
from toolkit.notice.reading import Para

HEADER_SEARCH_ROWS = 10
NUMBER_RE = re.compile(r"[（(]?([0-9０-９]{1,4})(?:\.0)?[)）.．、]?")
# the label each column's cells are read with (toolkit/notice/duties.read_field)
COLUMN_LABEL = {"leaders": "牵头领导", "leads": "牵头单位", "cos": "配合单位", "mixed": "责任单位",
                "deadline": "完成时限"}


@dataclass
class Header:
    """A table's header: the rows it takes and the field of each column (None for a column we do not know)."""
    first: int
    last: int
    fields: list[str | None]
    labels: list[str]

    def columns(self, name: str) -> list[int]:
        return [i for i, f in enumerate(self.fields) if f == name]

    @property
    def known(self) -> set[str]:
        return {f for f in self.fields if f}

    @property
    def usable(self) -> bool:
        return "text" in self.known and len(self.known) >= 2


@dataclass
class TableRow:
    """One task read from a table row (or from consecutive rows sharing a merged task cell)."""
    number: str | None
    section: str
    section_no: str | None
    text: str
    leaders_of_heading: list[str]
    cells: dict[str, list[Para]] = field(default_factory=dict)

    def add(self, name: str, para: Para) -> None:
        kept = self.cells.setdefault(name, [])
        if para.text and all(para.text != p.text for p in kept):
            kept.append(para)


@dataclass
class _State:
    """What carries over from one table to the next (a table broken over pages)."""
    header: Header | None = None
    section: str = ""
    section_no: str | None = None
    section_leaders: list[str] = field(default_factory=list)
    categories: dict[str, str] = field(default_factory=dict)
    last: TableRow | None = None
    reported: set[str] = field(default_factory=set)   # unknown columns already warned about


# --------------------------------------------------------------------------------------------- headers

def find_header(grid: list[list[Para]]) -> Header | None:
    """The header (one row, or two rows when the second names columns the first groups, e.g. 责任分工 over
    牵头单位 | 配合单位) naming most known columns; it must include the task text."""
    best = None
    for index in range(min(len(grid), HEADER_SEARCH_ROWS)):
        labels = [c.text for c in grid[index]]
        fields, last = column_fields(labels), index
        if index + 1 < len(grid) and _second_header_row(grid[index + 1], grid[index]):
            below = [c.text for c in grid[index + 1]]
            fields = [b or a for a, b in zip_longest(fields, column_fields(below))]
            labels = [b or a or "" for a, b in zip_longest(labels, below)]
            last = index + 1
        header = Header(index, last, fields, labels)
        if header.usable and (best is None or len(header.known) > len(best.known)):
            best = header
    if best is not None:
        _settle_text_columns(best, grid[best.last + 1:])
    return best


def _settle_text_columns(header: Header, data: list[list[Para]]) -> None:
    """重点工作 | 具体任务: of two task-text columns the one whose cells differ row by row is the task; the other,
    repeated over rows (merged), is the category when the table has none."""
    columns = header.columns("text")
    if len(columns) < 2:
        return

    def distinct(index: int) -> int:
        return len({row[index].text for row in data if index < len(row) and row[index].text})

    task = max(columns, key=distinct)
    for index in columns:
        if index != task:
            repeated = distinct(index) < distinct(task)
            header.fields[index] = "section" if repeated and "section" not in header.known else None


def _second_header_row(row: list[Para], above: list[Para]) -> bool:
    fields = column_fields([c.text for c in row])
    above_texts = [c.text for c in above]
    if not any(column_fields(above_texts)) or len({c.text for c in row}) == 1:
        return False
    new = [f for f, c, a in zip_longest(fields, row, above_texts) if c is not None and c.text and c.text != a]
    return bool(new) and all(new)


def _is_header_row(row: list[Para], header: Header) -> bool:
    """A header printed again (on each page): its cells name the same columns, and it holds no task number."""
    fields = column_fields([c.text for c in row])
    return sum(1 for f in fields if f) >= 2 and all(f is None or f == h for f, h in zip(fields, header.fields)) \
        and not any(_number(row[i].text) for i in header.columns("number") if i < len(row))


# --------------------------------------------------------------------------------------------- rows

def table_tasks(tables: list[list[list[Para]]], formatted: bool) -> tuple[list[RawTask], list[str]]:
    """Task rows of every table with a recognisable header (or continuing the table before it), in order,
    and the warnings about what was seen but not read (unknown columns, rows without a task text)."""
    rows: list[TableRow] = []
    warnings: list[str] = []
    state = _State()
    for number, grid in enumerate(tables, start=1):
        header = find_header(grid)
        start = header.last + 1 if header else 0
        if header is None:
            if state.header is None or not grid or len(grid[0]) != len(state.header.fields):
                warnings += _skipped_table(number, grid)
                continue
            header = state.header   # the same table, carried on over a page break without its header
        else:
            warnings += _unknown_columns(grid, header, state.reported)
        state.header = header
        rows += _rows_of(grid[start:], header, state, warnings)
    return [_raw_task(row, formatted) for row in rows], warnings


def _rows_of(grid: list[list[Para]], header: Header, state: _State, warnings: list[str]) -> list[TableRow]:
    rows: list[TableRow] = []

    def cell(row, name) -> Para:
        index = next(iter(header.columns(name)), None)
        return row[index] if index is not None and index < len(row) else Para("", None)

    for row in grid:
        values = [c.text for c in row if c.text]
        if not values or _is_header_row(row, header) or _is_note_row(values):
            continue
        number_text = cell(row, "number").text
        number = _number(number_text)
        heading = _category_heading(values, number_text, cell(row, "text").text)
        if number is None and heading:
            _start_category(state, *heading)
            state.last = None   # a category row ends the task above: a row after it starts a new one
            continue
        text = cell(row, "text").text
        number, text = _number_of_task(number, number_text, text, header)
        if "section" in header.known and cell(row, "section").text:
            _start_category(state, cell(row, "section").text.replace("\n", ""), None)
        previous = state.last
        if previous is not None and previous.text == text and previous.number == number:
            _add_cells(previous, row, header)   # the task cell is merged over rows that list more units
            continue
        if number is None and not number_text and previous is not None and previous.number is not None:
            warnings += _continue_row(previous, row, header)   # a row broken over a page: the rest of the task
            continue
        if not text:
            warnings.append(_row_without_text(number, row, header))
            continue
        task = TableRow(number, state.section, state.section_no, text, list(state.section_leaders))
        _add_cells(task, row, header)
        rows.append(task)
        state.last = task
    return rows


def _start_category(state: _State, title: str, numeral: str | None) -> None:
    title, leaders = heading_leaders(title)
    state.section, state.section_leaders = title, leaders
    state.section_no = state.categories.setdefault(title, numeral or str(len(state.categories) + 1))


def _add_cells(task: TableRow, row: list[Para], header: Header) -> None:
    for name in COLUMN_LABEL:
        for index in header.columns(name):
            if index < len(row):
                task.add(name, row[index])


def _continue_row(task: TableRow, row: list[Para], header: Header) -> list[str]:
    """A row without a number adds its units to the task above; its task text, if any, is appended and reported."""
    _add_cells(task, row, header)
    text = next((row[i].text for i in header.columns("text") if i < len(row)), "")
    if not text or text == task.text:
        return []
    task.text += text
    return [f"任务表中序号 {task.number} 下面一行没有序号，按跨页断开的同一项任务接在其后（“{text[:30]}”）。"
            f"如果那是另一项任务，请在台账中拆分。"]


def _skipped_table(number: int, grid: list[list[Para]]) -> list[str]:
    texts = [c.text for row in grid for c in row if c.text]
    if len(grid) < 2 or not texts:
        return []
    return [f"第{number}个表格没有可识别的表头（如“重点任务”“牵头单位”），没有读入，表中第一格为“{texts[0][:30]}”。"
            f"如其中有任务，请给表格加上表头后重新运行，或在台账中手工补充。"]


def _is_note_row(values: list[str]) -> bool:
    return len(set(values)) == 1 and is_note(values[0])


def _row_without_text(number: str | None, row: list[Para], header: Header) -> str:
    where = f"序号为 {number} 的行" if number else "有一行"
    content = "；".join(f"{header.labels[i] or COLUMN_NAMES.get(header.fields[i] or '', '')}：{c.text}"
                       for i, c in enumerate(row) if c.text and i < len(header.fields))
    return f"任务表中{where}没有任务内容，没有作为任务读入（该行写有：{content}）。请核对通知，需要时在台账中补充。"


def _unknown_columns(grid: list[list[Para]], header: Header, reported: set[str]) -> list[str]:
    """A column we do not know (备注, 工作措施 …), or a second task-text or deadline column, is reported once."""
    warnings = []
    data = [row for row in grid[header.last + 1:] if not _is_header_row(row, header)]
    for index in _unread_columns(header):
        filled = [row[index].text for row in data if index < len(row) and row[index].text]
        label = header.labels[index].replace("\n", "") or f"第{index + 1}列（没有表头）"
        if (not filled and not header.labels[index]) or label in reported:
            continue
        reported.add(label)
        example = f"，如“{filled[0][:30]}”" if filled else ""
        warnings.append(f"任务表的“{label}”列不是可识别的列（或与前面的列重复），其中 {len(filled)} 格内容没有读入"
                        f"台账{example}。如需保留，请在台账中手工补充。")
    return warnings


def _unread_columns(header: Header) -> list[int]:
    single = ("number", "text", "section", "deadline")
    return [i for i, f in enumerate(header.fields) if f is None or (f in single and i != header.columns(f)[0])]


def _number_of_task(number: str | None, number_text: str, text: str, header: Header) -> tuple[str | None, str]:
    """（一） in the number column of a task row is its number; without a number column, `1.新建…` in the task
    cell gives the number and the text after it."""
    numeral = re.fullmatch(rf"[（(]?([{CN_DIGITS}]+)[）)、.．]?", number_text.strip())
    if number is None and numeral:
        return str(chinese_to_int(numeral[1])), text
    printed = TASK_RE.match(text)
    if number is None and not header.columns("number") and printed:
        return ascii_digits(printed[1]), printed[2]
    return number, text


def _number(text: str) -> str | None:
    m = NUMBER_RE.fullmatch(text.strip())
    return ascii_digits(m[1]) if m else None


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


# --------------------------------------------------------------------------------------------- one task

def _raw_task(row: TableRow, formatted: bool) -> RawTask:
    raw = RawTask(row.number, row.section, None, row.section_no, None, row.text, Duty(), row.leaders_of_heading)
    for name, label in COLUMN_LABEL.items():
        paras = row.cells.get(name, [])
        for para in paras[:1] if name == "deadline" else paras:   # merged rows: the first row's deadline
            _read_cell(raw.duty, name, label, para, formatted)
    if raw.duty.deadline in NONE_VALUES:
        raw.duty.deadline = None
    return raw


def _read_cell(duty: Duty, name: str, label: str, para: Para, formatted: bool) -> None:
    """A cell is read as its column says, unless it carries its own labels (牵头单位：…　配合单位：…)."""
    bold = para.bold if formatted and name == "mixed" else None
    if name != "deadline" and LABEL_RE.search(para.text):
        read_fields(duty, para.text, 0, len(para.text), bold)
        return
    text = blank_notes(para.text, 0, len(para.text))
    read_field(duty, label, text, 0, len(text), bold)
    if name == "deadline" and duty.deadline:
        duty.deadline = duty.deadline.strip()


def title_above_header(tables: list[list[list[Para]]]) -> str | None:
    """A sheet's title: the first row above the header that holds one text (usually merged across)."""
    for grid in tables:
        header = find_header(grid)
        if header is None:
            continue
        for row in grid[:header.first]:
            values = {c.text for c in row if c.text}
            if len(values) == 1:
                return values.pop().replace("\n", "")
    return None
