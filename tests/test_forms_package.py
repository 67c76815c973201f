"""The unit forms written directly as package XML (issue 16) hold what xlsxwriter's per-cell writer puts there."""
from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from toolkit import forms
from toolkit.models import CO, LEAD

KEY = bytes(range(32))
ISSUED = datetime(2024, 3, 18, 9, 0)
DUE = datetime(2024, 3, 21, 17, 0)
DISPLAY = "2024年第12周（3月18日—3月24日）"


# ----------------------------------------------------------------------------------------------- what a unit sees

def _style(cell) -> tuple:
    return (repr(cell.font), repr(cell.fill), repr(cell.border), repr(cell.alignment), repr(cell.protection),
            cell.number_format)


def _sheet_facts(ws) -> dict:
    cells = {}
    for row in ws.iter_rows(min_row=1, max_row=max(ws.max_row, 1), max_col=max(ws.max_column, 1)):
        for cell in row:
            cells[cell.coordinate] = (cell.value, cell.data_type, _style(cell))
    validations = sorted((dv.type, dv.operator, dv.formula1, dv.formula2, str(dv.sqref), dv.allow_blank,
                          dv.showErrorMessage, dv.showInputMessage, dv.errorStyle, dv.errorTitle, dv.error,
                          dv.promptTitle, dv.prompt, dv.showDropDown) for dv in ws.data_validations.dataValidation)
    conditional = sorted((str(cf.sqref), tuple((r.type, tuple(r.formula), r.priority, repr(r.dxf)) for r in cf.rules))
                         for cf in ws.conditional_formatting)
    setup = ws.page_setup
    margins = ws.page_margins
    return {
        "state": ws.sheet_state,
        "cells": cells,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "columns": {k: (d.width, d.customWidth, d.hidden, d.min, d.max) for k, d in ws.column_dimensions.items()},
        "rows": {k: (d.height, d.customHeight, d.hidden) for k, d in ws.row_dimensions.items()},
        "freeze": ws.freeze_panes,
        "views": repr(ws.views.sheetView[0]),
        "validations": validations,
        "conditional": conditional,
        "protection": repr(ws.protection),
        "print": (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight,
                  ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
                  ws.print_title_rows, ws.print_title_cols, ws.oddFooter.center.text, ws.oddHeader.center.text),
        "margins": (margins.left, margins.right, margins.top, margins.bottom, margins.header, margins.footer),
    }


def workbook_facts(path: Path) -> dict:
    """Everything a unit (and the collection) can see in a workbook, as openpyxl reads it."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    props = book.properties
    return {
        "sheets": book.sheetnames,
        "active": book.active.title,
        "facts": {ws.title: _sheet_facts(ws) for ws in book.worksheets},
        "names": sorted((name, d.attr_text, d.localSheetId) for name, d in book.defined_names.items()),
        "custom": [(p.name, p.value, type(p).__name__) for p in book.custom_doc_props.props],
        "properties": (props.title, props.subject, props.creator, props.description, props.lastModifiedBy,
                       props.keywords, props.category),
    }


def calamine_values(path: Path) -> dict[str, list[list]]:
    """Every sheet's values as the collection reads them."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def _outside_rows(xml: str) -> str:
    return re.sub(r"<sheetData>.*</sheetData>", "<sheetData/>", xml, flags=re.S)


def assert_same_form(fast: Path, reference: Path) -> None:
    """The same sheets, cells, styles, validations, sizes and identity; the sheets' XML outside their rows and
    the rows' own attributes (height, spans) byte for byte."""
    a, b = workbook_facts(fast), workbook_facts(reference)
    for sheet in b["facts"]:
        for key in b["facts"][sheet]:
            assert a["facts"][sheet][key] == b["facts"][sheet][key], (fast.name, sheet, key)
    assert a == b
    assert calamine_values(fast) == calamine_values(reference)
    with zipfile.ZipFile(fast) as x, zipfile.ZipFile(reference) as y:
        assert x.testzip() is None
        for name in y.namelist():
            if name == "xl/sharedStrings.xml":
                continue
            mine, theirs = x.read(name).decode("utf-8"), y.read(name).decode("utf-8")
            if name.startswith("xl/worksheets/"):
                assert _outside_rows(mine) == _outside_rows(theirs), (fast.name, name)
                assert re.findall(r"<row [^>]*>", mine) == re.findall(r"<row [^>]*>", theirs), (fast.name, name)
            elif name not in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                              "docProps/core.xml"):
                assert mine == theirs, (fast.name, name)


def write_both(tmp: Path, unit: str, tasks, indicators, prefix: str = "兖州区") -> tuple[Path, Path]:
    identity = forms.make_identity(unit, "2024-W12", [t.task_id for t in tasks], ISSUED)
    signature = forms.sign_identity(KEY, identity)
    paths = []
    for per_cell in (False, True):
        target = tmp / ("per-cell" if per_cell else "package") / f"{len(paths)}.xlsx"
        paths.append(forms.write_unit_workbook(target, unit, DISPLAY, DUE, tasks, indicators, identity, signature,
                                               title_prefix=prefix, per_cell=per_cell))
    return paths[0], paths[1]


# ----------------------------------------------------------------------------------------------- cases

ODD_TEXTS = ("A&B<C>“引号”\"直引号\"", "  首尾空格  ", "下划线_x41_与_x004_字样", "完成100%，%d %s", "=1+1",
             "第一行\n第二行\n" + "很长的一行文字" * 12, "http://example.com", "0123", "", "\t制表")


def _task(n: int, role: str, text: str = "推进重点项目建设", last: str = "", state: str = "") -> forms.TaskRow:
    return forms.TaskRow(str(n), f"{text}（第{n}项）", role, "张三、李四" if n % 2 else "", "新建5G基站200个" if n % 3 else "",
                         state, last)


def test_sample_form_is_the_same_both_ways(tmp_path):
    from test_forms import forms_sample_rows

    assert_same_form(*write_both(tmp_path, "区工业和信息化局", *forms_sample_rows()))


@pytest.mark.parametrize("leads, cos", [(1, 0), (0, 1), (0, 13), (12, 1), (40, 25)])
def test_synthetic_forms_are_the_same_both_ways(tmp_path, leads, cos):
    """One task (single-cell ranges), co rows only (no lifecycle checks), footers alone in a block of 16 rows
    (their own spans), many rows, odd texts, identity split over several defined names."""
    tasks = [_task(n, LEAD, ODD_TEXTS[n % len(ODD_TEXTS)], last=ODD_TEXTS[(n + 3) % len(ODD_TEXTS)],
                   state="序时推进" if n % 2 else "") for n in range(1, leads + 1)]
    tasks += [_task(n, CO, ODD_TEXTS[n % len(ODD_TEXTS)], last="已配合" if n % 2 else "")
              for n in range(100, 100 + cos)]
    indicators = [forms.IndicatorRow(f"{n}#1", str(n), ODD_TEXTS[n % len(ODD_TEXTS)] or "指标", target, unit, current)
                  for n, (target, unit, current) in enumerate([(200.0, "个", 80.0), (10.6, "亿元", None),
                                                               (None, "", 3), (1e20, "%", 1e-7), (0, "户", 0.5)],
                                                              start=1)
                  if n <= leads]
    fast, reference = write_both(tmp_path, "区A&B<局>“甲”", tasks, indicators, prefix="兖州区&")
    with zipfile.ZipFile(fast) as package:
        assert "xl/sharedStrings.xml" not in package.namelist()      # written directly, not per cell
    assert_same_form(fast, reference)


def test_a_form_the_package_does_not_cover_goes_per_cell(tmp_path):
    """A control character or a literal "_x0041_" reads back differently from an inline string (openpyxl does not
    unescape those), a very long text xlsxwriter may cut elsewhere, a number that is not finite xlsxwriter
    refuses: such a form is written per cell."""
    tasks = [_task(1, LEAD)]
    assert not forms.package._fits_package(tasks, [forms.IndicatorRow("1#1", "1", "指标", float("nan"), "个", None)])
    assert forms.package._fits_package(tasks, [])
    for odd in ("含控制符\x07", "字样_x0041_", "很长" * 9000):
        fast, reference = write_both(tmp_path / str(len(odd)), "区民政局", [_task(1, LEAD, last=odd), _task(2, CO)], [])
        with zipfile.ZipFile(fast) as package:
            assert "xl/sharedStrings.xml" in package.namelist()
        assert_same_form(fast, reference)
    fast, _ = write_both(tmp_path / "plain", "区民政局", [_task(1, LEAD), _task(2, CO)], [])
    with zipfile.ZipFile(fast) as package:
        assert "xl/sharedStrings.xml" not in package.namelist()


def test_a_text_that_looks_like_rich_text_stays_text_both_ways(tmp_path):
    """xlsxwriter writes a shared string "<r>…</r>" into sharedStrings.xml as it is (its own rich text): the
    per-cell writer must not, or the text comes back changed (or the file breaks)."""
    for odd in ("<r><t>伪造的进展</t></r>", "<r></t></si></sst></r>", "<r>含控制符\x07</r>"):
        fast, reference = write_both(tmp_path / str(len(odd)), "区民政局", [_task(1, LEAD, last=odd), _task(2, CO)], [])
        assert_same_form(fast, reference)
        assert any(odd in str(cell) for row in calamine_values(reference)["任务填报"] for cell in row), odd


@pytest.mark.filterwarnings("ignore::toolkit.errors.ToolkitWarning")
def test_the_bundled_notice_forms_are_the_same_both_ways(parsed_workspace, monkeypatch, tmp_path):
    """`toolkit issue` on the real notice: every unit's form as the per-cell writer makes it from the same rows."""
    from toolkit.workspace import Workspace

    written = []
    direct = forms.write_unit_workbook

    def both(path, *args, **kwargs):
        reference = tmp_path / "per-cell" / Path(path).name
        written.append((direct(path, *args, **kwargs), direct(reference, *args, per_cell=True, **kwargs)))
        return written[-1][0]

    import toolkit.forms.command        # (toolkit.forms loads it on first use; this test must not depend on order)

    monkeypatch.setattr(toolkit.forms.command, "write_unit_workbook", both)   # where issue_forms finds it
    outcome = forms.issue_forms(Workspace.at(parsed_workspace), "2024-W12", as_of=datetime(2024, 3, 18).date())
    assert len(written) == len(outcome.files) > 40
    for fast, reference in written:
        assert_same_form(fast, reference)


def test_column_widths_measure_the_widest_line(tmp_path):
    """_column_width (with its cache of text extents) is the header's half width or the widest line of any value,
    plus 2, within the column's bounds."""
    from toolkit.sheets import text_width

    values = ["短", "第一行\n第二行更长一些的文字", None, "", 12.5, "ascii only line", "很长" * 30]
    for low, cap in [(8, 8), (7, 12), (14, 24), (24, 42), (10, 200)]:
        for count in range(len(values) + 1):
            chosen = values[:count]
            lines = [line for v in chosen if v not in (None, "") for line in str(v).split("\n")]
            widest = max([text_width("任务内容") / 2 + 2] + [text_width(line) + 2 for line in lines])
            assert forms.layout._column_width("任务内容", chosen, low, cap) == max(low, min(cap, widest))
