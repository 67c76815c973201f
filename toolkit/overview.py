"""The ledger's first sheet 总览: what the states rest on, the counts, then tables and charts that print in grey."""
from __future__ import annotations

import math
from collections import Counter

from toolkit.charts import EDGE_COLOUR, STATE_COLOURS
from toolkit.models import STATES, Ledger, TaskStatus

NAME_WIDTH = 46                  # column A: names of sections, leaders and units
COUNT_WIDTH = 9                  # one column per state and 合计
TABLE_COLUMNS = len(STATES) + 2
TABLE_WIDTH_PX = (NAME_WIDTH * 7 + 5) + (len(STATES) + 1) * (COUNT_WIDTH * 7 + 5)
ROW_PX = 20                      # a row of the default height, to leave room under a chart
LINE_PT = 15                     # one line of the 11 pt heading text
# in a black-and-white print the states differ by grey (charts.STATE_COLOURS) and these three also by pattern
STATE_PATTERNS = {"滞后": "wide_upward_diagonal", "未启动": "large_grid", "未报送": "light_horizontal"}
NOTHING_COLLECTED = "尚未回收任何报送，各项任务暂列为“未报送”；回收各单位报送后，本表自动更新。"


def state_counts(ledger: Ledger) -> Counter:
    return Counter((ledger.status.get(t.id) or TaskStatus()).state for t in ledger.tasks)


def warning_counts(ledger: Ledger) -> Counter:
    return Counter((ledger.status.get(t.id) or TaskStatus()).warning for t in ledger.tasks)


def grouped_counts(ledger: Ledger, key) -> dict[str, Counter]:
    """group name → Counter of states; `key(task)` gives the groups a task belongs to."""
    groups: dict[str, Counter] = {}
    for task in ledger.tasks:
        state = (ledger.status.get(task.id) or TaskStatus()).state
        for group in key(task):
            groups.setdefault(group, Counter())[state] += 1
    return groups


def status_period_id(ledger: Ledger) -> str:
    """The collected period the states were evaluated at; for a ledger that did not record it, the period of
    报送情况 that ends last (what collect evaluates when one kind of period is collected)."""
    if ledger.status_period:
        return ledger.status_period
    from toolkit.periods import period_end_of

    ends = {}
    for record in ledger.submissions:
        try:
            ends[record.period] = period_end_of(record.period)
        except Exception:  # noqa: BLE001 - a hand-typed period id: not a period
            continue
    return max(ends, key=ends.get, default="")


def basis_line(ledger: Ledger) -> str:
    """依据2024年第12周（3月18日—3月24日）各单位报送情况，数据截至2024年3月24日。"""
    period_id = status_period_id(ledger)
    if not period_id:
        return NOTHING_COLLECTED
    from toolkit.config import Config
    from toolkit.periods import parse_period

    period = parse_period(period_id, Config())
    end = period.end
    return f"任务状态依据{period.display}各单位报送情况，数据截至{end.year}年{end.month}月{end.day}日。"


def counts_line(ledger: Ledger) -> str:
    """共76项任务：已完成5项，…；红色预警12项，黄色预警20项。"""
    states, warnings = state_counts(ledger), warning_counts(ledger)
    parts = "，".join(f"{s}{states[s]}项" for s in STATES if states[s])
    return (f"共{len(ledger.tasks)}项任务：{parts or '暂无'}；"
            f"红色预警{warnings['红']}项，黄色预警{warnings['黄']}项。" + lifecycle_line(ledger))


def lifecycle_line(ledger: Ledger) -> str:
    """已销号 tasks and the applications waiting for the office (issue 13); "" when there are none."""
    from toolkit import lifecycle

    closed = len(lifecycle.closed_task_ids(ledger))
    waiting = len(lifecycle.pending_closures(ledger))
    requests = len(lifecycle.pending_requests(ledger))
    if not (closed or waiting or requests):
        return ""
    return (f"已销号{closed}项（计入已完成）；待审核的销号申请{waiting}项、调整完成时限申请{requests}项"
            f"（见“{lifecycle.CLOSURE_SHEET}”“{lifecycle.ADJUST_SHEET}”表）。")


def write_overview(book, fmt, ledger: Ledger, name: str) -> None:
    from toolkit.sheets import print_setup

    sheet = book.add_worksheet(name)
    sheet.set_column(0, 0, NAME_WIDTH)
    sheet.set_column(1, TABLE_COLUMNS - 1, COUNT_WIDTH)
    row = _heading(book, sheet, ledger)
    counts = state_counts(ledger)
    total = len(ledger.tasks) or 1
    state_top = row + 1
    _table(sheet, fmt, row, "按状态", ["状态", "任务数", "占比%"],
           [[s, counts[s], round(counts[s] / total * 100, 1)] for s in STATES])
    row = _state_chart(book, sheet, name, state_top, row)
    page_breaks = []
    for caption, key, chart_title in (
            ("类别", lambda t: [t.section or "（未分类）"], "各类别任务状态"),
            ("牵头领导", lambda t: t.leaders or ["（未列领导）"], "各牵头领导任务状态"),
            ("主办单位", lambda t: t.lead_units or ["（未列主办单位）"], "")):
        groups = grouped_counts(ledger, key)
        page_breaks.append(row)       # each table starts a printed page, its chart below it
        top = row + 1
        row = _table(sheet, fmt, row, f"按{caption}", [caption, *STATES, "合计"], _matrix(groups))
        if chart_title:
            row = _stacked_chart(book, sheet, name, chart_title, top, len(groups), row)
    sheet.activate()
    print_setup(sheet, header_rows=1)
    sheet.set_h_pagebreaks(page_breaks)


def _heading(book, sheet, ledger: Ledger) -> int:
    """Title, the basis of the states and the counts, each merged across the tables' width; the next free row."""
    title = book.add_format({"bold": True, "font_size": 16, "font_name": "宋体", "valign": "vcenter"})
    line = book.add_format({"font_size": 11, "font_name": "宋体", "text_wrap": True, "valign": "top"})
    emphasis = book.add_format({"font_size": 11, "font_name": "宋体", "text_wrap": True, "valign": "top",
                                "bold": True})
    texts = [(f"督查任务总览（{ledger.info.doc_no or ledger.info.title or ''}）", title, 26),
             (basis_line(ledger), emphasis, None), (counts_line(ledger), line, None)]
    for row, (text, look, height) in enumerate(texts):
        sheet.merge_range(row, 0, row, TABLE_COLUMNS - 1, text, look)
        sheet.set_row(row, height or _text_height(text))
    return len(texts) + 1


def _text_height(text: str) -> float:
    from toolkit.sheets import wrapped_lines

    width = NAME_WIDTH + (TABLE_COLUMNS - 1) * COUNT_WIDTH
    return LINE_PT * wrapped_lines(text, width * 10 / 11) + 3   # 11 pt text is wider than the 10 pt the widths fit


def _matrix(groups: dict[str, Counter]) -> list[list]:
    return [[name, *[c[s] for s in STATES], sum(c.values())] for name, c in groups.items()]


def _table(sheet, fmt, row: int, caption: str, headers: list[str], rows: list[list]) -> int:
    """Write a captioned table starting at `row`; return the first free row after a gap."""
    from toolkit.sheets import LINE_HEIGHT, wrapped_lines

    for col, header in enumerate(headers):
        sheet.write_string(row, col, header if col else f"{header}（{caption}）", fmt.header)
    for r, values in enumerate(rows, start=row + 1):
        for col, value in enumerate(values):
            if isinstance(value, (int, float)):
                sheet.write_number(r, col, value, fmt.number)
            else:
                sheet.write_string(r, col, str(value), fmt.text)
        lines = wrapped_lines(str(values[0]), NAME_WIDTH)
        if lines > 1:                 # a long name wraps: make the row tall enough to show all of it
            sheet.set_row(r, LINE_HEIGHT * lines + 2)
    return row + len(rows) + 3


def state_look(state: str) -> dict:
    """A chart fill for a state: its colour, a pattern for the states that need attention, a dark border."""
    look = {"border": {"color": EDGE_COLOUR, "width": 0.75}}
    if state in STATE_PATTERNS:
        look["pattern"] = {"pattern": STATE_PATTERNS[state], "fg_color": EDGE_COLOUR,
                           "bg_color": STATE_COLOURS[state]}
    else:
        look["fill"] = {"color": STATE_COLOURS[state]}
    return look


def _rows_for(height_px: int) -> int:
    return math.ceil(height_px / ROW_PX) + 1


def _state_chart(book, sheet, name: str, first: int, row: int) -> int:
    """A pie of the states to the right of the 按状态 table; the first free row below both."""
    chart = book.add_chart({"type": "pie"})
    chart.add_series({
        "name": "任务状态", "categories": [name, first, 0, first + len(STATES) - 1, 0],
        "values": [name, first, 1, first + len(STATES) - 1, 1],
        "data_labels": {"value": True, "category": True, "leader_lines": True, "position": "outside_end",
                        "font": {"size": 10}},
        "points": [state_look(s) for s in STATES],
    })
    chart.set_title({"name": "任务状态分布", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    width = TABLE_WIDTH_PX - (NAME_WIDTH * 7 + 5) - 2 * (COUNT_WIDTH * 7 + 5)
    height = 260
    chart.set_size({"width": width, "height": height})
    sheet.insert_chart(first - 1, 3, chart, {"x_offset": 4})
    return max(row + len(STATES) + 3, first - 1 + _rows_for(height))


def _stacked_chart(book, sheet, name: str, title: str, header_row: int, count: int, row: int) -> int:
    """Stacked bars of the states per group, below its table; the first free row below the chart."""
    if not count:
        return row
    chart = book.add_chart({"type": "bar", "subtype": "stacked"})
    first, last = header_row, header_row + count - 1
    for col, state in enumerate(STATES, start=1):
        chart.add_series({"name": [name, header_row - 1, col], "categories": [name, first, 0, last, 0],
                          "values": [name, first, col, last, col], "gap": 60, **state_look(state)})
    chart.set_title({"name": title, "name_font": {"size": 12}})
    chart.set_y_axis({"reverse": True, "num_font": {"size": 10}})
    chart.set_x_axis({"num_font": {"size": 10}})
    chart.set_legend({"position": "top", "font": {"size": 10}})
    height = max(280, 24 * count + 110)
    chart.set_size({"width": TABLE_WIDTH_PX, "height": height})
    sheet.insert_chart(row - 1, 0, chart)
    return row - 1 + _rows_for(height) + 1
