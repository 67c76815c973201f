"""A unit form written directly as package XML (issue 16).

``write_unit_workbook`` writes each package directly. The sheets are XML made from cached row fragments
(toolkit/formxml.py; a task's row recurs in many units' forms), texts as inline strings. The parts every unit shares
(styles, theme, relationships) come once per process from a reference workbook that xlsxwriter writes (percell), the
``_lists`` sheet is written once in inline strings (the reference keeps it in shared strings); all are deflated
once. xlsxwriter's per-cell writer stays as the reference (tests/test_forms_package.py checks that both give the same
workbook). It also writes the rare form the direct writer leaves to it.
"""
from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from toolkit.forms.contract import (FOOTER_REQUIRED, FOOTER_VALUE_COLUMN, INDICATOR_FIRST_ROW, INDICATOR_HEADERS,
                                    INDICATOR_HEADER_ROW, INDICATOR_INPUT_HEADERS, STATES_NAME, TASK_FIRST_ROW,
                                    TASK_HEADERS, TASK_HEADER_ROW, TASK_INPUT_HEADERS, TASK_REQUIRED_HEADERS,
                                    footer_rows, identity_chunks, make_identity)
from toolkit.forms.layout import (CLOSE_RULE, DUE_RULE, EARLIEST_DUE, INDICATOR_RULE, INDICATOR_STYLES, PROGRESS_RULE,
                                  STATE_RULE, UNIT_NOTE, document_properties, due_text, form_title, indicator_cells,
                                  indicator_title, indicator_values, indicator_widths, layout_hints, meta_pairs,
                                  row_height, string_constant, task_styles, task_values, task_widths, title_height)
from toolkit.forms.percell import write_per_cell
from toolkit.forms.plan import IndicatorRow, TaskRow
from toolkit.formxml import (WORKSHEET_START, NotInline, Part, Row, blank_cell, blanks_rule_xml, cols_xml,
                             column_letter, column_range, core_properties_xml, custom_properties_xml,
                             data_validation_xml, data_validations_xml, defined_names_xml, dimension_xml,
                             height_attributes, merge_cells_xml, number_cell, rows_xml, text_cell, unescape_data,
                             zip_package)
from toolkit.lifecycle import YES
from toolkit.sheets import excel_serial
from toolkit.models import CO, LEAD, REPORTABLE_STATES

_PACKAGE_LEVEL = 1           # zlib level of the parts written for each unit (the shared ones: 6, once)


def write_unit_workbook(path: Path, unit: str, period_display: str, due: datetime, tasks: Sequence[TaskRow],
                        indicators: Sequence[IndicatorRow], identity: dict[str, str], signature: str,
                        title_prefix: str = "", per_cell: bool = False) -> Path:
    """Write one unit's workbook (layout in the contract module's docstring); returns `path`.

    The package is written directly (`_package_parts`); `per_cell` writes it through xlsxwriter's per-cell writer
    instead, as the fast path's reference (and for the rare form the direct writer leaves to it: no task rows, a text
    of 16,384 characters or more or with a control character or an "_xHHHH_" escape, a number that is not finite). Both
    give the same cells, styles, validations and identity.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    parts = None
    if not per_cell and _fits_package(tasks, indicators):
        try:
            parts = _package_parts(unit, period_display, due, tasks, indicators, identity, signature, title_prefix)
        except NotInline:
            parts = None
    if parts is None:
        try:
            write_per_cell(tmp, unit, period_display, due, tasks, indicators, identity, signature, title_prefix)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    else:
        _save_package(tmp, path, parts)
    return path


def _save_package(tmp: Path, path: Path, parts: list) -> None:
    """Deflate the unit's own parts, zip them with the shared ones, write the file and move it into place."""
    try:
        tmp.write_bytes(zip_package([part if isinstance(part, Part) else Part.of(*part, _PACKAGE_LEVEL)
                                     for part in parts]))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fits_package(tasks: Sequence[TaskRow], indicators: Sequence[IndicatorRow]) -> bool:
    """The direct writer covers every form with a task row and finite numbers (texts it cannot write inline
    raise formxml.NotInline as they are met)."""
    return bool(tasks) and all(value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                                 and math.isfinite(value))
                               for i in indicators for value in (i.target, i.current))


@dataclass(frozen=True)
class _Reference:
    """What every unit's package shares, taken from one workbook written per cell: the parts that never change
    (deflated once), the xf index of each format, the workbook.xml around its defined names."""
    shared: dict[str, Any]
    xf: dict[str, int]
    dxf: int
    workbook_head: str
    workbook_tail: str
    fixed_names: tuple[tuple[str, int, str], ...]


@functools.lru_cache(maxsize=1)
def _reference() -> _Reference:
    import io
    import re
    import zipfile

    sample = [TaskRow("1", "任务", LEAD, "领导", "指标", "序时推进", "进展"), TaskRow("2", "任务", CO, "", "")]
    indicators = [IndicatorRow("1#1", "1", "指标", 1.0, "个", None)]
    identity = make_identity("单位", "2024-W1", ["1", "2"], datetime(2024, 1, 1, 9))
    buffer = io.BytesIO()
    fmt = write_per_cell(buffer, "单位", "期别", datetime(2024, 1, 4, 17), sample, indicators, identity, "0", "")
    with zipfile.ZipFile(buffer) as package:
        text = {name: package.read(name).decode("utf-8") for name in package.namelist()}
    xf = {name: f._get_xf_index() for name, f in fmt.items() if name != "missing"}   # equal formats share one
    written = int(re.search(r'<cellXfs count="(\d+)"', text["xl/styles.xml"])[1])
    if max(xf.values()) >= written or fmt["missing"].dxf_index is None:
        raise RuntimeError(f"the reference form leaves formats unused: {xf}")
    text["[Content_Types].xml"] = re.sub(r'<Override PartName="/xl/sharedStrings.xml"[^>]*/>', "",
                                         text["[Content_Types].xml"])
    text["xl/_rels/workbook.xml.rels"] = re.sub(r'<Relationship [^>]*Target="sharedStrings.xml"/>', "",
                                                text["xl/_rels/workbook.xml.rels"])
    head, rest = text["xl/workbook.xml"].split("<definedNames>")
    names, tail = rest.split("</definedNames>")
    identity_names = {name for name, _ in identity_chunks(identity, "0")}
    fixed = tuple((name, int(local) if local else -1, unescape_data(formula)) for name, local, formula in
                  re.findall(r'<definedName name="([^"]+)"(?: localSheetId="(\d+)")?>([^<]*)</definedName>', names)
                  if name not in identity_names)
    shared = {name: Part.of(name, text[name]) for name in ("[Content_Types].xml", "_rels/.rels",
                                                           "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                                           "xl/theme/theme1.xml", "docProps/app.xml")}
    shared["xl/worksheets/sheet3.xml"] = Part.of("xl/worksheets/sheet3.xml", _lists_sheet_xml())
    return _Reference(shared, xf, fmt["missing"].dxf_index, head, tail, fixed)


def _package_parts(unit: str, period_display: str, due: datetime, tasks: Sequence[TaskRow],
                   indicators: Sequence[IndicatorRow], identity: dict[str, str], signature: str,
                   title_prefix: str) -> list:
    """The package's members in xlsxwriter's order: the shared ones as deflated Parts, the unit's own as
    (name, XML text) pairs."""
    ref = _reference()
    title = form_title(title_prefix, period_display)
    task_xml, footer_cells = _task_sheet_xml(ref, title, unit, due_text(due), tasks)
    layout = layout_hints(tasks, indicators, footer_cells)
    chunks = identity_chunks(identity, signature)
    names = [*ref.fixed_names, *((name, -1, string_constant(text)) for name, text in chunks)]
    properties = document_properties(title, unit, identity)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    shared = ref.shared
    return [
        shared["[Content_Types].xml"], shared["_rels/.rels"], shared["xl/_rels/workbook.xml.rels"],
        ("xl/worksheets/sheet1.xml", task_xml),
        ("xl/worksheets/sheet2.xml", _indicator_sheet_xml(ref, unit, period_display, indicators)),
        shared["xl/worksheets/sheet3.xml"],
        ("xl/worksheets/sheet4.xml", _meta_sheet_xml(meta_pairs(identity, signature, layout))),
        ("xl/workbook.xml", ref.workbook_head + defined_names_xml(names) + ref.workbook_tail),
        shared["xl/styles.xml"],
        ("docProps/custom.xml", custom_properties_xml(chunks)),
        shared["xl/theme/theme1.xml"],
        ("docProps/core.xml", core_properties_xml(properties["title"], properties["subject"],
                                                  properties["author"], properties["comments"], created)),
        shared["docProps/app.xml"],
    ]


_FIT_TO_PAGE = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
_TASK_VIEW = ('<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane xSplit="2" ySplit="3" topLeftCell="C4" '
              'activePane="bottomRight" state="frozen"/><selection pane="topRight" activeCell="C1" sqref="C1"/>'
              '<selection pane="bottomLeft" activeCell="A4" sqref="A4"/><selection pane="bottomRight"/></sheetView>'
              '</sheetViews>')
_INDICATOR_VIEW = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="2" topLeftCell="A3" '
                   'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>')
_PLAIN_VIEW = '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
_ROW_FORMAT = '<sheetFormatPr defaultRowHeight="15"/>'
_PROTECTION = '<sheetProtection sheet="1" objects="1" scenarios="1" formatColumns="0" formatRows="0"/>'
_PRINT_SETUP = ('<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.3" footer="0.3"/>'
                '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/>'
                '<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>')
_PLAIN_MARGINS = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'


def _messages(rule: dict[str, str]) -> dict[str, str]:
    return {"errorTitle": rule["error_title"], "error": rule["error_message"], "promptTitle": rule["input_title"],
            "prompt": rule["input_message"]}


def _span_row(number: int, cells: Sequence[tuple[int, str]], height: str = "") -> Any:
    """A Row of (column, cell XML) pairs, the empty cell texts left out."""
    used = [col for col, xml in cells if xml]
    return Row(number, min(used), max(used), height, "".join(xml for _, xml in cells))


def _title_cells(ref: _Reference, row: int, title: str, last_col: int) -> list[tuple[int, str]]:
    """merge_range(row, 0, row, last_col, title): the title in the first cell, styled blanks in the others."""
    style = ref.xf["title"]
    return [(0, text_cell(f"A{row}", style, title))] + [(col, blank_cell(f"{column_letter(col)}{row}", style))
                                                         for col in range(1, last_col + 1)]


def _header_cells(ref: _Reference, row: int, headers: Sequence[str], inputs: Sequence[str]) -> list[tuple[int, str]]:
    return [(col, text_cell(f"{column_letter(col)}{row}", ref.xf["input_header" if h in inputs else "header"], h))
            for col, h in enumerate(headers)]


def _task_sheet_xml(ref: _Reference, title: str, unit: str, due_label: str,
                    tasks: Sequence[TaskRow]) -> tuple[str, dict[str, str]]:
    last_col = len(TASK_HEADERS) - 1
    widths = task_widths([task_values(t) for t in tasks])
    x = ref.xf
    unit_row = [(0, text_cell("A2", x["label"], "填报单位")), (1, text_cell("B2", x["value"], unit)),
                (3, text_cell("D2", x["label"], "报送截止")), (4, text_cell("E2", x["value"], due_label)),
                (5, blank_cell("F2", x["value"])), (6, blank_cell("G2", x["value"])),
                (7, text_cell("H2", x["note"], UNIT_NOTE))]
    unit_row += [(col, blank_cell(f"{column_letter(col)}2", x["note"])) for col in range(8, last_col + 1)]
    rows = [_span_row(1, _title_cells(ref, 1, title, last_col), height_attributes(title_height(title, widths))),
            _span_row(2, unit_row, height_attributes(28)),
            _span_row(TASK_HEADER_ROW, _header_cells(ref, TASK_HEADER_ROW, TASK_HEADERS, TASK_INPUT_HEADERS),
                      height_attributes(30))]
    rows += _task_rows(ref, tasks, tuple(widths))
    footer = footer_rows(len(tasks))
    for label, r in footer.items():
        rows.append(_span_row(r, [(1, text_cell(f"B{r}", x["footer_label"], label))]
                              + [(col, blank_cell(f"{column_letter(col)}{r}", x["footer_input"])) for col in (2, 3, 4)],
                              height_attributes(22)))
    first, last = TASK_FIRST_ROW, TASK_FIRST_ROW + len(tasks) - 1
    letter = {h: column_letter(TASK_HEADERS.index(h)) for h in TASK_HEADERS}
    rules = [column_range(letter[h], first, last) for h in TASK_REQUIRED_HEADERS]
    rules += [f"{FOOTER_VALUE_COLUMN}{footer[label]}" for label in FOOTER_REQUIRED]
    end = column_letter(last_col)
    merges = [f"A1:{end}1", "E2:G2", f"H2:{end}2"] + [f"C{r}:E{r}" for r in footer.values()]
    xml = (WORKSHEET_START + _FIT_TO_PAGE + dimension_xml(last_col, max(footer.values())) + _TASK_VIEW + _ROW_FORMAT
           + cols_xml(widths) + "<sheetData>" + rows_xml(rows) + "</sheetData>" + _PROTECTION
           + merge_cells_xml(merges)
           + "".join(blanks_rule_xml(ref_, ref.dxf, n) for n, ref_ in enumerate(rules, start=1))
           + data_validations_xml(_task_validations(tasks, letter, first, last))
           + _PRINT_SETUP + "</worksheet>")
    return xml, {label: f"{FOOTER_VALUE_COLUMN}{r}" for label, r in footer.items()}


def _task_validations(tasks: Sequence[TaskRow], letter: dict[str, str], first: int, last: int) -> list[str]:
    """The <dataValidation>s of percell's _write_lifecycle_validation and _write_task_sheet, in the same order."""
    make = data_validation_xml
    items = []
    leads = sum(t.role == LEAD for t in tasks)
    if leads:
        lead_last = first + leads - 1
        column = letter["申请销号"]
        items.append(make("list", "", column_range(column, first, lead_last), _messages(CLOSE_RULE), [f'"{YES}"']))
        column = letter["申请调整时限"]
        serial = excel_serial(datetime.combine(EARLIEST_DUE, datetime.min.time()))
        items.append(make("date", "greaterThanOrEqual", column_range(column, first, lead_last), _messages(DUE_RULE),
                          [f"{serial:.16G}"]))
    column = letter["本期状态"]
    items.append(make("list", "", column_range(column, first, last), _messages(STATE_RULE), [STATES_NAME]))
    column = letter["完成进度（%）"]
    items.append(make("decimal", "", column_range(column, first, last), _messages(PROGRESS_RULE), ["0", "100"]))
    return items


def _task_rows(ref: _Reference, tasks: Sequence[TaskRow], widths: tuple[float, ...]) -> list:
    styles = {role: tuple(ref.xf[s] for s in task_styles(role)) for role in {t.role for t in tasks}}
    last_col = len(TASK_HEADERS) - 1
    rows = []
    for r, task in enumerate(tasks, start=TASK_FIRST_ROW):
        height, cells = _task_row_xml(task, styles[task.role], widths)
        rows.append(Row(r, 0, last_col, height, str(r).join(cells)))
    return rows


@functools.lru_cache(maxsize=8192)
def _task_row_xml(task: TaskRow, styles: tuple[int, ...], widths: tuple[float, ...]) -> tuple[str, tuple[str, ...]]:
    """A task row's height attributes and its cells split where the row number goes (then joined with it): the
    same task recurs in many units' forms. From the second period on each unit's row differs (its own last
    report), so the task's own columns, the same in every form, are measured and rendered once (_own_part)."""
    values = task_values(task)
    own_height, own_cells = _own_part(tuple(values[:_OWN_COLUMNS]), styles[:_OWN_COLUMNS], widths[:_OWN_COLUMNS])
    height = max(own_height, row_height(values[_OWN_COLUMNS:], widths[_OWN_COLUMNS:], min_lines=3))
    rest = "".join(text_cell(f"{column_letter(col)}\0", style, value)
                   for col, (value, style) in enumerate(zip(values, styles)) if col >= _OWN_COLUMNS)
    return height_attributes(height), tuple((own_cells + rest).split("\0"))


_OWN_COLUMNS = TASK_HEADERS.index("上期状态")     # 序号 … 量化指标: the task's, whichever unit's form it is in


@functools.lru_cache(maxsize=8192)
def _own_part(values: tuple[str, ...], styles: tuple[int, ...], widths: tuple[float, ...]) -> tuple[float, str]:
    """The height the task's own columns need (row_height is the largest of its columns') and their cells, with
    "\0" where the row number goes."""
    return (row_height(values, widths, min_lines=3),
            "".join(text_cell(f"{column_letter(col)}\0", style, value)
                    for col, (value, style) in enumerate(zip(values, styles))))


def _indicator_sheet_xml(ref: _Reference, unit: str, period_display: str, indicators: Sequence[IndicatorRow]) -> str:
    last_col = len(INDICATOR_HEADERS) - 1
    values = [indicator_values(i) for i in indicators]
    widths = indicator_widths(values)
    title = indicator_title(unit, period_display, indicators)
    rows = [_span_row(1, _title_cells(ref, 1, title, last_col), height_attributes(title_height(title, widths))),
            _span_row(INDICATOR_HEADER_ROW, _header_cells(ref, INDICATOR_HEADER_ROW, INDICATOR_HEADERS,
                                                          INDICATOR_INPUT_HEADERS), height_attributes(30))]
    letters = [column_letter(col) for col in range(last_col + 1)]
    styles = [ref.xf[style] for style in INDICATOR_STYLES]      # every cell styled: each row spans A..G
    for r, (item, shown) in enumerate(zip(indicators, values), start=INDICATOR_FIRST_ROW):
        cells = "".join((text_cell if isinstance(value, str) else number_cell)(f"{letter}{r}", style, value)
                        for letter, style, value in zip(letters, styles, indicator_cells(item)))
        rows.append(Row(r, 0, last_col, height_attributes(row_height(shown, widths)), cells))
    tail = ""
    if indicators:
        letter = column_letter(last_col)
        ref_ = column_range(letter, INDICATOR_FIRST_ROW, INDICATOR_FIRST_ROW + len(indicators) - 1)
        tail = blanks_rule_xml(ref_, ref.dxf, 1) + data_validations_xml(
            [data_validation_xml("decimal", "greaterThanOrEqual", ref_, _messages(INDICATOR_RULE), ["0"])])
    last_row = max(INDICATOR_HEADER_ROW, INDICATOR_FIRST_ROW + len(indicators) - 1)
    return (WORKSHEET_START + _FIT_TO_PAGE + dimension_xml(last_col, last_row) + _INDICATOR_VIEW + _ROW_FORMAT
            + cols_xml(widths) + "<sheetData>" + rows_xml(rows) + "</sheetData>" + _PROTECTION
            + merge_cells_xml([f"A1:{column_letter(last_col)}1"]) + tail + _PRINT_SETUP + "</worksheet>")


def _plain_sheet_xml(rows: Sequence[Sequence[str]], widths: Sequence[float] = ()) -> str:
    """A sheet of unstyled texts from A1 (write_string without a format), protected, default page setup."""
    built = []
    for r, values in enumerate(rows, start=1):
        cells = [(col, text_cell(f"{column_letter(col)}{r}", 0, value)) for col, value in enumerate(values)]
        if any(xml for _, xml in cells):
            built.append(_span_row(r, cells))
    last_row = max((row.number for row in built), default=1)
    last_col = max((row.last_col for row in built), default=0)
    data = "<sheetData>" + rows_xml(built) + "</sheetData>" if built else "<sheetData/>"
    return (WORKSHEET_START + dimension_xml(last_col, last_row) + _PLAIN_VIEW + _ROW_FORMAT + cols_xml(widths)
            + data + _PROTECTION + _PLAIN_MARGINS + "</worksheet>")


def _lists_sheet_xml() -> str:
    return _plain_sheet_xml([[state] for state in REPORTABLE_STATES])


def _meta_sheet_xml(pairs: Sequence[tuple[str, str]]) -> str:
    return _plain_sheet_xml(pairs, (20, 70))
