"""The ledger's first sheet 总览: the picture first — counts by state, section, leader and unit, with charts."""
from __future__ import annotations

from collections import Counter

from toolkit.models import STATES, Ledger, TaskStatus

STATE_COLOURS = {"已完成": "#70AD47", "超序时": "#5B9BD5", "序时推进": "#A9D18E", "滞后": "#FFC000",
                 "未启动": "#ED7D31", "未报送": "#A5A5A5"}


def state_counts(ledger: Ledger) -> Counter:
    return Counter((ledger.status.get(t.id) or TaskStatus()).state for t in ledger.tasks)


def grouped_counts(ledger: Ledger, key) -> dict[str, Counter]:
    """group name → Counter of states; `key(task)` gives the groups a task belongs to."""
    groups: dict[str, Counter] = {}
    for task in ledger.tasks:
        state = (ledger.status.get(task.id) or TaskStatus()).state
        for group in key(task):
            groups.setdefault(group, Counter())[state] += 1
    return groups


def write_overview(book, fmt, ledger: Ledger, name: str) -> None:
    sheet = book.add_worksheet(name)
    title = book.add_format({"bold": True, "font_size": 16, "font_name": "宋体"})
    sheet.write_string(0, 0, f"督查任务总览（{ledger.info.doc_no or ledger.info.title or ''}）", title)
    counts = state_counts(ledger)
    total = len(ledger.tasks) or 1
    sheet.write_string(1, 0, f"共 {len(ledger.tasks)} 项任务。"
                       + "；".join(f"{s} {counts[s]} 项" for s in STATES if counts[s]) + "。", fmt.text)
    row = 3
    row = _table(sheet, fmt, row, "按状态", ["状态", "任务数", "占比%"],
                 [[s, counts[s], round(counts[s] / total * 100, 1)] for s in STATES])
    state_rows = (4, 4 + len(STATES) - 1)
    sections = grouped_counts(ledger, lambda t: [t.section or "（未分类）"])
    leaders = grouped_counts(ledger, lambda t: t.leaders or ["（未列领导）"])
    units = grouped_counts(ledger, lambda t: t.lead_units or ["（未列主办单位）"])
    section_top = row + 1
    row = _table(sheet, fmt, row, "按类别", ["类别", *STATES, "合计"], _matrix(sections))
    leader_top = row + 1
    row = _table(sheet, fmt, row, "按牵头领导", ["牵头领导", *STATES, "合计"], _matrix(leaders))
    row = _table(sheet, fmt, row, "按主办单位", ["主办单位", *STATES, "合计"], _matrix(units))
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, len(STATES) + 1, 9)
    _state_chart(book, sheet, name, state_rows)
    _stacked_chart(book, sheet, name, "各类别任务状态", section_top, len(sections), "J21")
    _stacked_chart(book, sheet, name, "各牵头领导任务状态", leader_top, len(leaders), "J45")
    sheet.activate()
    from toolkit.sheets import print_setup

    print_setup(sheet, header_rows=1)


def _matrix(groups: dict[str, Counter]) -> list[list]:
    return [[name, *[c[s] for s in STATES], sum(c.values())] for name, c in groups.items()]


def _table(sheet, fmt, row: int, caption: str, headers: list[str], rows: list[list]) -> int:
    """Write a captioned table starting at `row`; return the first free row after a gap."""
    for col, header in enumerate(headers):
        sheet.write_string(row, col, header if col else f"{header}（{caption}）", fmt.header)
    for r, values in enumerate(rows, start=row + 1):
        for col, value in enumerate(values):
            if isinstance(value, (int, float)):
                sheet.write_number(r, col, value, fmt.number)
            else:
                sheet.write_string(r, col, str(value), fmt.text)
    return row + len(rows) + 3


def _state_chart(book, sheet, name: str, rows: tuple[int, int]) -> None:
    chart = book.add_chart({"type": "pie"})
    chart.add_series({
        "name": "任务状态", "categories": [name, rows[0], 0, rows[1], 0], "values": [name, rows[0], 1, rows[1], 1],
        "data_labels": {"value": True, "category": True},
        "points": [{"fill": {"color": STATE_COLOURS[s]}} for s in STATES],
    })
    chart.set_title({"name": "任务状态分布"})
    chart.set_size({"width": 480, "height": 300})
    sheet.insert_chart("J4", chart)


def _stacked_chart(book, sheet, name: str, title: str, header_row: int, count: int, anchor: str) -> None:
    if not count:
        return
    chart = book.add_chart({"type": "bar", "subtype": "stacked"})
    first, last = header_row, header_row + count - 1
    for col, state in enumerate(STATES, start=1):
        chart.add_series({"name": [name, header_row - 1, col], "categories": [name, first, 0, last, 0],
                          "values": [name, first, col, last, col], "fill": {"color": STATE_COLOURS[state]}})
    chart.set_title({"name": title})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 720, "height": max(300, 26 * count + 80)})
    sheet.insert_chart(anchor, chart)
