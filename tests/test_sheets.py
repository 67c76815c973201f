"""sheets: the fast path for large tables reads back exactly like xlsxwriter's own cells; column widths."""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tests.conftest import convert_with_soffice
from toolkit import sheets

HEADERS = ["文本", "数字", "日期", "时间", "是否", "空", "备注"]
LONG = "长" * 40000                      # over Excel's 32,767-character limit: cut like xlsxwriter cuts it
MAX = "满" * 32767
LOOKALIKE = re.compile(r"_x[0-9a-fA-F]{4}_")


def every_kind() -> list[list]:
    """Rows with every value kind and every text a unit might paste."""
    texts = ["普通文本", "=1+1", '=HYPERLINK("http://x.cn","点我")', "a & b < c > d \"q\" 's'", "第一行\n第二行",
             "  前导空格", "末尾空格  ", "\u3000全角空格开头", "控制\x0b字符\x1a和\x00", "\t制表", "回车\r\n换行",
             "_x0041_ 字面量", "_x005F_ 又一个", "\ufffe非字符", "𠀀扩展区汉字🙂", LONG, MAX, "123", "0012",
             "1e5", "TRUE", "#N/A", "]]>", "<![CDATA[x]]>", " ", "\n", "<r><t>伪造</t></r>", "<r></t></si></sst></r>"]
    numbers = [0, 1, -3, 2.5, 1e-7, 123456789012345, 0.1 + 0.2, 100.0, 1e20, -0.0]
    days = [date(2024, 3, 18), date(1900, 1, 1), date(1900, 3, 1), date(2099, 12, 31)]
    times = [datetime(2024, 3, 21, 17, 0), datetime(2024, 3, 22, 9, 30, 15), datetime(2024, 1, 1)]
    rows = []
    for i in range(max(len(texts), len(numbers), len(days), len(times))):
        rows.append([texts[i % len(texts)], numbers[i % len(numbers)], days[i % len(days)], times[i % len(times)],
                     i % 2 == 0, None if i % 3 else "", f"第{i}行"])
    rows.append(["短行"])                   # shorter than the header
    rows.append([])                         # nothing at all
    rows.append(["长行", 1, None, None, False, "", "x", "多出来的列"])   # longer than the header
    return rows


def write_both(tmp_path: Path, monkeypatch, rows: list[list], headers=HEADERS) -> tuple[Path, Path]:
    slow, fast = tmp_path / "slow.xlsx", tmp_path / "fast.xlsx"
    monkeypatch.setattr(sheets, "FAST_ROWS", 10 ** 9)
    sheets.write_table_workbook(slow, [("表", headers, rows)])
    monkeypatch.setattr(sheets, "FAST_ROWS", 1)
    sheets.write_table_workbook(fast, [("表", headers, rows)])
    return slow, fast


def inline_strings_used(path: Path) -> bool:
    with zipfile.ZipFile(path) as package:
        return b't="inlineStr"' in package.read("xl/worksheets/sheet1.xml")


def openpyxl_cells(path: Path, read_only: bool) -> list[list]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=read_only)
    try:
        return [[(c.value, c.number_format, c.data_type) for c in row] for row in book["表"].iter_rows()]
    finally:
        book.close()


def openpyxl_styles(path: Path) -> list[list]:
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book["表"]
    return [[(c.font.name, c.font.b, c.border.left.style, c.alignment.wrap_text, c.alignment.vertical,
              c.fill.fgColor.rgb) for c in row] for row in sheet.iter_rows()]


def calamine_cells(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").to_python(skip_empty_area=False)


def test_fast_path_reads_back_like_xlsxwriter(tmp_path, monkeypatch):
    rows = every_kind()
    slow, fast = write_both(tmp_path, monkeypatch, rows)
    assert inline_strings_used(fast) and not inline_strings_used(slow)
    for read_only in (False, True):
        expected, got = openpyxl_cells(slow, read_only), openpyxl_cells(fast, read_only)
        assert len(got) == len(expected)
        for r, (want, have) in enumerate(zip(expected, got), start=1):
            # openpyxl mis-decodes a literal "_x0041_" either way (shared strings: drops every "x005F_";
            # inline strings: no decoding); calamine, Excel and LibreOffice decode both forms right (below)
            assert len(have) == len(want), f"row {r}"
            for c, (cell, expected_cell) in enumerate(zip(have, want), start=1):
                if not any(isinstance(x[0], str) and LOOKALIKE.search(x[0]) for x in (cell, expected_cell)):
                    assert cell == expected_cell, f"row {r} column {c} (read_only={read_only})"
    assert calamine_cells(fast) == calamine_cells(slow)
    texts = [row[0] for row in calamine_cells(fast)]
    assert "_x0041_ 字面量" in texts and "_x005F_ 又一个" in texts and "控制\x0b字符\x1a和\x00" in texts
    assert openpyxl_styles(fast) == openpyxl_styles(slow)


def test_fast_path_texts_stay_texts(tmp_path, monkeypatch):
    import openpyxl

    _, fast = write_both(tmp_path, monkeypatch, every_kind())
    sheet = openpyxl.load_workbook(fast)["表"]
    values = [sheet.cell(row=r, column=1).value for r in range(2, 30)]
    assert "=1+1" in values and '=HYPERLINK("http://x.cn","点我")' in values
    assert "  前导空格" in values and "末尾空格  " in values and "第一行\n第二行" in values
    assert "  前导空格" in values
    assert MAX in values and "长" * 32767 in values
    assert sheet.cell(row=2, column=2).value == 0 and sheet.cell(row=3, column=2).value == 1
    assert sheet.cell(row=2, column=3).value == datetime(2024, 3, 18)
    assert sheet.cell(row=2, column=3).number_format == "yyyy-mm-dd"
    assert sheet.cell(row=3, column=4).number_format == "yyyy-mm-dd hh:mm"
    assert sheet.cell(row=2, column=5).value == "是" and sheet.cell(row=3, column=5).value == "否"
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 28))


def test_fast_path_keeps_sheet_setup(tmp_path, monkeypatch):
    import openpyxl

    rows = [[f"任务{i}", i, date(2024, 1, 1 + i % 28)] for i in range(1200)]
    slow, fast = write_both(tmp_path, monkeypatch, rows, headers=["任务", "序号", "日期"])
    books = [openpyxl.load_workbook(p)["表"] for p in (slow, fast)]
    for attribute in ("freeze_panes", "print_title_rows", "dimensions"):
        assert getattr(books[1], attribute) == getattr(books[0], attribute)
    assert books[1].auto_filter.ref == books[0].auto_filter.ref == "A1:C1201"
    assert books[1].page_setup.orientation == "landscape" and books[1].page_setup.paperSize == 9
    widths = [[s.column_dimensions[c].width for c in "ABC"] for s in books]
    assert widths[0] == widths[1]
    read_only = openpyxl.load_workbook(fast, read_only=True)["表"]
    assert read_only.calculate_dimension() == "A1:C1201"        # WPS and read-only readers trust <dimension>
    assert read_only.max_row == 1201


def test_cells_written_below_the_header_after_the_table_are_kept(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setattr(sheets, "FAST_ROWS", 1)
    path = tmp_path / "t.xlsx"
    book = sheets.new_workbook(path)
    fmt = sheets.formats(book)
    sheet = sheets.write_table(book, fmt, "表", ["甲", "乙"], [["a", 1], ["b", 2]])
    sheet.write_string(2, 1, "改过", fmt.text)
    book.close()
    cells = [[c.value for c in row] for row in openpyxl.load_workbook(path)["表"].iter_rows()]
    assert cells == [["甲", "乙"], ["a", 1], ["b", "改过"]]


def test_ledger_written_by_the_fast_path_loads_back(tmp_path, monkeypatch, parsed_workspace):
    from toolkit.ledger import load_ledger, write_ledger
    from toolkit.workspace import Workspace

    ws = Workspace(parsed_workspace)
    ledger = load_ledger(ws)
    monkeypatch.setattr(sheets, "FAST_ROWS", 10 ** 9)
    write_ledger(tmp_path / "slow.xlsx", ledger)
    monkeypatch.setattr(sheets, "FAST_ROWS", 1)
    write_ledger(tmp_path / "fast.xlsx", ledger)
    from python_calamine import CalamineWorkbook

    slow, fast = (CalamineWorkbook.from_path(str(tmp_path / n)) for n in ("slow.xlsx", "fast.xlsx"))
    assert fast.sheet_names == slow.sheet_names
    for name in slow.sheet_names:
        if name == "说明":      # holds the time of writing
            continue
        assert fast.get_sheet_by_name(name).to_python() == slow.get_sheet_by_name(name).to_python(), name


def test_libreoffice_converts_fast_tables(tmp_path, monkeypatch):
    from python_calamine import CalamineWorkbook

    slow, fast = write_both(tmp_path, monkeypatch, every_kind())
    converted = {}
    for source in (slow, fast):
        xlsx = convert_with_soffice(source, "xlsx:Calc MS Excel 2007 XML", tmp_path / f"lo-{source.stem}")
        pdf = convert_with_soffice(source, "pdf", tmp_path / f"lo-{source.stem}")
        assert pdf.stat().st_size > 1000
        converted[source.stem] = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("表").to_python()
    back = converted["fast"]
    assert back == converted["slow"]             # LibreOffice reads both the same (it turns \r\n into \n)
    assert back[2][0] == "=1+1" and back[6][0] == "  前导空格" and back[4][0] == "a & b < c > d \"q\" 's'"
    assert back[12][0] == "_x0041_ 字面量" and back[13][0] == "_x005F_ 又一个"


@pytest.mark.parametrize("count", [10, 2500])
def test_column_width_sample_matches_a_full_scan(count):
    values = [("区" * (i % 7)) + "x" * (i % 5) for i in range(count)] + [None, "", 12345]
    values[count // 2] = "很长的单位名称" * 2

    def full_scan(header, column, cap=sheets.MAX_WIDTH):
        longest = sheets.text_width(header) + 2
        for value in column:
            if value not in (None, ""):
                for line in str(value).split("\n"):
                    longest = max(longest, sheets.text_width(line) + 2)
        return max(sheets.MIN_WIDTH, min(cap, longest))

    assert sheets.column_width("单位", values) == full_scan("单位", values)
    assert sheets.column_width("单位", values, cap=12) == full_scan("单位", values, cap=12)


def test_texts_that_look_like_rich_text_come_back_as_written(tmp_path, monkeypatch):
    """A unit's "<r>…</r>" is a text: not taken for xlsxwriter's own rich-text markup in sharedStrings.xml."""
    texts = ["<r><t>伪造</t></r>", "<r></t></si></sst></r>", "<r>  空格  </r>", "<r>控制\x0b</r>"]
    slow, fast = write_both(tmp_path, monkeypatch, [[t] for t in texts] * 3, headers=["文本"])
    for path in (slow, fast):
        assert [row[0] for row in calamine_cells(path)[1:]] == texts * 3, path.name


def test_excel_serial_matches_xlsxwriter():
    from xlsxwriter.utility import _datetime_to_excel_datetime

    for value in (datetime(1900, 1, 1), datetime(1900, 2, 28, 12), datetime(1900, 3, 1), datetime(2024, 3, 21, 17),
                  datetime(2024, 12, 31, 23, 59, 59, 999999)):
        assert sheets.excel_serial(value) == _datetime_to_excel_datetime(value, False, False)


# ------------------------------------------------------------------------------------------ unchanged tables reused

def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name != "docProps/core.xml"}


def write_tables(path: Path, tables: list[tuple[str, list, list]]) -> None:
    book = sheets.new_workbook(path)
    fmt = sheets.formats(book)
    for name, headers, rows in tables:
        sheets.write_table(book, fmt, name, headers, rows, fit_rows=["文本"])
    book.close()


def counting_renders(monkeypatch) -> list[int]:
    calls = []
    real = sheets.table_rows_xml

    def counted(rows, *args, **kwargs):
        calls.append(len(rows))
        return real(rows, *args, **kwargs)
    monkeypatch.setattr(sheets, "table_rows_xml", counted)
    return calls


def test_unchanged_tables_are_copied_from_the_previous_file_byte_for_byte(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "FAST_ROWS", 1)
    record, previous = tmp_path / "record.json", tmp_path / "a.xlsx"
    kept, changed = every_kind(), [["甲", 1]] * 3
    with sheets.reusing_bodies(previous, record):          # no previous file yet: everything rendered, recorded
        write_tables(previous, [("表", HEADERS, kept), ("变", ["文本", "数"], changed)])
    calls = counting_renders(monkeypatch)
    changed_now = [["乙", 2]] * 4
    with sheets.reusing_bodies(previous, record):
        write_tables(tmp_path / "b.xlsx", [("表", HEADERS, [list(r) for r in kept]), ("变", ["文本", "数"], changed_now)])
    assert calls == [4]                                     # only the changed table was generated
    write_tables(tmp_path / "fresh.xlsx", [("表", HEADERS, kept), ("变", ["文本", "数"], changed_now)])
    assert zip_parts(tmp_path / "b.xlsx") == zip_parts(tmp_path / "fresh.xlsx")
    assert calamine_cells(tmp_path / "b.xlsx") == calamine_cells(tmp_path / "fresh.xlsx")


def test_a_table_that_changed_is_not_fingerprinted_in_full_and_still_reused_once_unchanged(tmp_path, monkeypatch):
    """A table whose sketch (length, settings, rows spread over it) changed is written without its full
    fingerprint; written again unchanged, it is rendered once more and recorded, and reused from then on.
    A change the sketch does not see (a row it does not sample) is caught by the full fingerprint. A small
    table (written cell by cell) leaves its sketch only: grown large and changed, it is not fingerprinted either."""
    monkeypatch.setattr(sheets, "FAST_ROWS", 50)
    keyed, real_key = [], sheets._Bodies.key
    monkeypatch.setattr(sheets._Bodies, "key", staticmethod(lambda *table: keyed.append(len(table[1])) or
                                                            real_key(*table)))
    record = tmp_path / "record.json"
    rows = [[f"第{i}行", i] for i in range(200)]
    written = []

    def write(rows, short=(["甲", 1],) * 3):
        path = tmp_path / f"{len(written)}.xlsx"
        with sheets.reusing_bodies(written[-1] if written else tmp_path / "none.xlsx", record):
            write_tables(path, [("表", ["文本", "数"], rows), ("短", ["文本", "数"], list(short))])
        written.append(path)

    write(rows)                                   # seen for the first time: fingerprinted in full
    assert keyed == [200]
    calls = counting_renders(monkeypatch)
    write(rows + [["新", 1]])                       # longer: changed, no full fingerprint
    assert keyed == [200] and calls == [201]
    write(rows + [["新", 1]])                       # unchanged, but the last write had no fingerprint: rendered
    assert keyed == [200, 201] and calls == [201, 201]
    write(rows + [["新", 1]])                       # reused
    assert keyed == [200, 201, 201] and calls == [201, 201]
    unsampled = next(i for i in range(201) if sheets._Bodies.sketch(["文本", "数"], rows[:i] + [["改", i]] +
                     rows[i + 1:] + [["新", 1]], None, None, set()) == sheets._Bodies.sketch(
                     ["文本", "数"], rows + [["新", 1]], None, None, set()))
    changed = rows[:unsampled] + [["改", unsampled]] + rows[unsampled + 1:] + [["新", 1]]
    write(changed)
    assert calls == [201, 201, 201]                # the sketch was the same, the full fingerprint was not
    write(changed, short=[["乙", i] for i in range(60)])
    assert keyed == [200, 201, 201, 201, 201] and calls == [201, 201, 201, 60]    # 表 reused, 短 not keyed
    assert calamine_cells(written[-2])[unsampled + 1] == ["改", unsampled]
    for path, table in zip(written, [rows] + [rows + [["新", 1]]] * 3 + [changed] * 2):
        assert calamine_cells(path)[1:] == table, path.name


def test_a_previous_file_that_changed_since_is_not_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "FAST_ROWS", 1)
    record, previous = tmp_path / "record.json", tmp_path / "a.xlsx"
    tables = [("表", HEADERS, every_kind())]
    with sheets.reusing_bodies(previous, record):
        write_tables(previous, tables)
    with zipfile.ZipFile(previous) as source:                # the clerk saved it again: other bytes
        parts = {info.filename: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(previous, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    calls = counting_renders(monkeypatch)
    with sheets.reusing_bodies(previous, record):
        write_tables(tmp_path / "b.xlsx", tables)
    assert calls == [len(every_kind())]
    record.write_text("{not json", encoding="utf-8")         # a damaged record is no record
    with sheets.reusing_bodies(tmp_path / "b.xlsx", record):
        write_tables(tmp_path / "c.xlsx", tables)
    assert len(calls) == 2
    assert zip_parts(tmp_path / "b.xlsx") == zip_parts(tmp_path / "c.xlsx")


def test_saving_the_ledger_again_reuses_its_unchanged_sheets(monkeypatch, parsed_workspace, tmp_path):
    from toolkit.ledger import load_ledger, save_ledger, write_ledger
    from toolkit.models import CircularRecord
    from toolkit.workspace import Workspace

    monkeypatch.setattr(sheets, "FAST_ROWS", 1)
    ws = Workspace(parsed_workspace)
    ledger = load_ledger(ws)
    save_ledger(ws, ledger)                                    # records its tables
    calls = counting_renders(monkeypatch)
    ledger = load_ledger(ws)
    ledger.circulars.append(CircularRecord("周盘点", 2024, 1, "2024-W12", "通报.docx", date(2024, 3, 25)))
    save_ledger(ws, ledger)
    assert 0 < len(calls) < 4                                # 通报记录 and 说明 (its time), not every sheet
    write_ledger(tmp_path / "fresh.xlsx", ledger)
    from python_calamine import CalamineWorkbook

    saved, fresh = (CalamineWorkbook.from_path(str(p)) for p in (ws.ledger, tmp_path / "fresh.xlsx"))
    assert saved.sheet_names == fresh.sheet_names
    for name in fresh.sheet_names:
        if name != "说明":
            assert saved.get_sheet_by_name(name).to_python() == fresh.get_sheet_by_name(name).to_python(), name
    assert [c.number for c in load_ledger(ws).circulars] == [1]


def test_fast_path_keeps_equal_values_of_other_types_apart(tmp_path, monkeypatch):
    """Rendered cells are cached by value; 1, 1.0 and True, or 0.0 and -0.0, are equal as keys but not as cells,
    and a value that cannot be a key (a list) is written as its text, like xlsxwriter's own cells."""
    column = [1, 1.0, True, "1", 0, 0.0, -0.0, False, "", None, date(2024, 3, 18), datetime(2024, 3, 18),
              ["列表", 1], 2.5, "2.5"]
    rows = [[value, f"第{i}行", column[-1 - i % len(column)]] for i, value in enumerate(column * 3)]
    slow, fast = write_both(tmp_path, monkeypatch, rows, headers=["混合", "文本", "倒序"])
    assert inline_strings_used(fast)
    assert calamine_cells(fast) == calamine_cells(slow)
    for read_only in (False, True):
        assert openpyxl_cells(fast, read_only) == openpyxl_cells(slow, read_only)
    assert openpyxl_styles(fast) == openpyxl_styles(slow)


def test_rectangular_tables_render_the_same_xml_as_row_by_row():
    """Rows of one length are rendered column by column; the XML is that of the row-by-row rendering."""
    width = max(len(row) for row in every_kind())
    rows = [list(row) + [None] * (width - len(row)) for row in every_kind() if row] * 3
    rows.append([["列表"], 1, True, 1.0, -0.0, 0, date(2024, 1, 1), datetime(2024, 1, 1)])
    heights = {3: 28.5, 7: 42.0}
    rectangular = sheets.table_rows_xml(rows, (5, 6, 7, 8), False, heights)
    by_row = sheets.table_rows_xml(rows + [["短"]], (5, 6, 7, 8), False, heights)
    assert rectangular[1:] == (len(rows) + 1, width)
    assert by_row[0].startswith(rectangular[0]) and by_row[0] != rectangular[0]
    written = []
    assert sheets.table_rows_xml(rows, (5, 6, 7, 8), False, heights, out=written.append)[0] == ""
    assert "".join(written) == rectangular[0]


def test_large_workbooks_are_assembled_through_files_with_the_same_cells(tmp_path, monkeypatch):
    """A workbook whose fast tables are long goes through xlsxwriter's temporary files, zipped at deflate level 1
    (xlsxwriter's own ZipFile is given back afterwards); the cells are those of the slow path."""
    import xlsxwriter.workbook

    monkeypatch.setattr(sheets, "IN_MEMORY_ROWS", 0)
    levels = []

    class Recording(zipfile.ZipFile):                 # xlsxwriter's ZipFile, noting the level it is opened with
        def __init__(self, *args, **kwargs):
            levels.append(kwargs.get("compresslevel"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", Recording)
    rows = every_kind() + [[f"任务{i}", i, date(2024, 1, 1 + i % 28)] for i in range(600)]
    slow, fast = write_both(tmp_path, monkeypatch, rows)
    assert levels == [None, 1]                        # the slow path xlsxwriter's default, the fast path level 1
    assert xlsxwriter.workbook.ZipFile is Recording   # given back afterwards
    assert calamine_cells(fast) == calamine_cells(slow)
    assert openpyxl_styles(fast) == openpyxl_styles(slow)
    with zipfile.ZipFile(fast) as package:
        assert package.testzip() is None


def _heights_measuring_every_text(rows, widths, first_row=2):
    """fitted_heights by its definition: every text of a fitted column measured."""
    heights = {}
    for r, row in enumerate(rows, start=first_row):
        lines = max((sheets.wrapped_lines(v, w) for v, w in zip(row, widths) if w and isinstance(v, str)), default=1)
        if lines > 1:
            heights[r] = 0.75 * int(min(sheets.MAX_ROW_HEIGHT, sheets.LINE_HEIGHT * lines + 2) * 4 / 3 + 0.5)
    return heights


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(), st.text(alphabet="长a \n🙂", max_size=60)),
                         max_size=5), max_size=12),
       st.lists(st.sampled_from([0, 0.5, 3, 8.8, 20, 61]), min_size=4, max_size=4))
def test_fitted_heights_skips_only_texts_that_cannot_make_a_row_taller(rows, widths):
    """A text is left unmeasured only when even two units a character could not make its row taller."""
    assert sheets.fitted_heights(rows, widths) == _heights_measuring_every_text(rows, widths)


def test_a_column_renders_values_that_are_equal_but_look_different_each_as_itself():
    """Values rendered once per column by value must not lend one cell's XML to an equal value of another look."""
    from datetime import timedelta, timezone

    tails = sheets._CellTails((1, 2, 3, 4), False)
    eight, utc = timezone(timedelta(hours=8)), timezone.utc
    same_instant = [datetime(2024, 3, 1, 8, tzinfo=eight), datetime(2024, 3, 1, 0, tzinfo=utc)]
    nan = float("nan")
    for column in ([True, 1, 1.0, None], [0.0, -0.0, 0], [0, -0.0, 0, 2.5], same_instant, [True, False, None, True],
                   [date(2024, 3, 1), None, date(2024, 3, 1)], [3, 3, None, 12345678901234567890],
                   [45, 45.0, 62.5, None, 0, 0.0, 45], [nan, float("nan"), nan, float("inf"), 1e20, 10 ** 20]):
        assert tails.column(column) == [tails.render(value) for value in column], column
    assert sheets._renders_by_value([True, None, False]) and sheets._renders_by_value([1, 2, None])
    assert sheets._renders_by_value([45, 45.0, None, 0.0]) and sheets._renders_by_value([2.5, 0, 0.0])
    assert not sheets._renders_by_value([True, 1]) and not sheets._renders_by_value([0.0, -0.0])
    assert not sheets._renders_by_value([3, -0.0])
    assert not sheets._renders_by_value(same_instant)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["长", "a", " ", "\u3000", "\n", "\t", "&", "<", "_x0041_", "\x01", "\ufffe", "_x00",
                                  "41_", "\r"]), min_size=1, max_size=12))
def test_inline_text_takes_its_short_way_only_for_texts_that_need_no_care(pieces):
    text = "".join(pieces)
    assert sheets.inline_text(text) == sheets._inline(text)
