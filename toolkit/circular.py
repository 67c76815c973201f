"""The printed 通报 (DESIGN §9): 周盘点, 旬推进 and 月调度 rendered from the ledger with docxtpl.

Every number comes from the ledger as evaluated at the period's end. Templates are in templates/ (a workspace's
own templates/ overrides them file by file); their variables are documented in templates/README.md.
"""
from __future__ import annotations

import os
import re
import warnings
from collections import Counter
from datetime import date
from pathlib import Path

from toolkit.basis import label as basis_label, span
from toolkit.charts import chart_image
from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.models import CircularRecord, Ledger, TaskStatus
from toolkit.workspace import Workspace, bundled, safe_file_name

REPORT = "完成情况报告"
KINDS = ("周盘点", "旬推进", "月调度", REPORT)
KIND_OF_PERIOD = {"周": "周盘点", "旬": "旬推进", "月": "月调度", "半年": REPORT, "季度": REPORT, "年": REPORT}
RANKED_KINDS = ("月调度", REPORT)   # the circulars that print the unit ranking (and so need the 考核 scores)
BASIS_LISTED = 6        # more collections than this are summarised as 第2周至第26周共25次回收
ON_SCHEDULE = ("已完成", "超序时", "序时推进")
MASTHEAD = "督查通报"
FONT_ALIASES = bundled("scripts/fonts-gongwen.conf")
INSTALL_HINT = ("未找到 LibreOffice，已生成 Word 文件但未转换 PDF。Linux 请安装："
                "sudo apt-get install libreoffice-writer-nogui fonts-noto-cjk；"
                "Windows 请从 https://zh-cn.libreoffice.org 下载安装 LibreOffice，"
                "或用 Word/WPS 打开 .docx 后“另存为 PDF”。")


# ------------------------------------------------------------------------------------------ text helpers

def cn_date(d: date) -> str:
    """GB/T 9704 date: Arabic digits, full year, no zero padding — 2024年3月24日."""
    return f"{d.year}年{d.month}月{d.day}日"


def percent(value: float | None, decimals: int | None = None) -> str:
    """35 → "35%", 35.25 → "35.3%" (or fixed decimals); None → "—"."""
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return f"{value:.{decimals}f}%"


def short_date(d: date, today: date) -> str:
    """3月24日 within the year of `today`, else 2023年12月31日."""
    return f"{d.month}月{d.day}日" if d.year == today.year else cn_date(d)


def plain_number(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def listing(items: list[str], empty: str = "无") -> str:
    return "、".join(items) if items else empty


def summary(text: str) -> str:
    from toolkit.ledger import task_summary   # one rule for every table that shows a task
    return task_summary(text, 40)


def period_label(period) -> str:
    """“2024年第12周（3月18日—3月24日）” → “2024年第12周”."""
    return period.display.split("（")[0]


def subject_of(ledger: Ledger) -> str:
    """What the notice is about, from its title: 关于分解落实2024年政府工作报告任务目标的通知 → 政府工作报告任务目标."""
    title = ledger.info.title or ""
    found = re.search(r"关于(?:分解落实|分解|落实|印发)?(.+?)的通知", title)
    subject = found.group(1) if found else "重点任务"
    return re.sub(r"^\d{4}年(度)?", "", subject) or "重点任务"


# ------------------------------------------------------------------------------------------ the context

CN_NUMERALS = "一二三四五六七八九十"
MARKS = {"红": "●红", "黄": "▲黄"}       # warnings that survive black-and-white printing
PERIOD_WORD = {"周": "周", "旬": "旬", "月": "月"}


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (section numbers)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def status_of(statuses: dict[str, TaskStatus], task_id: str) -> TaskStatus:
    return statuses.get(task_id) or TaskStatus()


def state_counts(statuses: dict[str, TaskStatus], ledger: Ledger) -> dict:
    """Counts by state under English keys (for the templates) and the combined 按序时推进 figure."""
    counts = Counter(status_of(statuses, t.id).state for t in ledger.tasks)
    warnings_ = Counter(status_of(statuses, t.id).warning for t in ledger.tasks)
    total = len(ledger.tasks)
    on_track = sum(counts[s] for s in ON_SCHEDULE)
    parts = [f"{state}{counts[state]}项" for state in ON_SCHEDULE if counts[state]]
    return {"done": counts["已完成"], "ahead": counts["超序时"], "on_schedule": counts["序时推进"],
            "lagging": counts["滞后"], "not_started": counts["未启动"], "unreported": counts["未报送"],
            "on_track": on_track, "on_track_parts": "、".join(parts), "on_track_share": share_text(on_track, total),
            "red": warnings_["红"], "yellow": warnings_["黄"]}


def share_text(count: int, total: int) -> str:
    """A share as a leader reads it: 一半, else 38.2% (全部 would read “占全部” after a count)."""
    if not total:
        return "0%"
    if count * 2 == total:
        return "一半"
    return percent(count / total * 100, 1)


def task_label(task) -> str:
    """第8项 实施数字经济攻坚突破行动 — the number and the task's first clause."""
    from toolkit.ledger import task_summary
    return f"第{task.id}项 {task_summary(task.text, 18)}"


def task_list(ledger: Ledger, task_ids: list[str], group_after: int, holders=None) -> str:
    """Tasks with their lead unit; a long list is grouped by 主办单位 (区商务局：第3项 …、第9项 …；…)."""
    tasks = {t.id: t for t in ledger.tasks}
    chosen = [tasks[i] for i in task_ids if i in tasks]

    def leads(task) -> str:
        units = list(holders[task.id].leads) if holders and task.id in holders else task.lead_units
        return "、".join(units) or "主办单位未明确"

    if len(chosen) <= group_after:
        return "、".join(f"{task_label(t)}（{leads(t)}）" for t in chosen)
    groups: dict[str, list[str]] = {}
    for task in chosen:
        groups.setdefault(leads(task), []).append(task_label(task))
    ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
    return "；".join(f"{unit}：{'、'.join(labels)}" for unit, labels in ordered)


def numbered(items: list[dict]) -> list[dict]:
    """（一）（二）… on items that are printed."""
    for n, item in enumerate(items, 1):
        item["number"] = f"（{cn_numeral(n)}）"
    return items


def updated_task_ids(ledger: Ledger, period, directory=None, completed_may_repeat: bool = True) -> set[str]:
    """Tasks whose deciding unit sent a report in the period that is not a copy of its previous one."""
    from toolkit.progress import reported_task_ids, task_holders, unchanged_task_ids
    holders = task_holders(ledger, directory)
    return (reported_task_ids(ledger, period, directory)
            - unchanged_task_ids(ledger, period, holders, completed_may_repeat))


def changes(ledger: Ledger, statuses, previous_statuses, comparison, unchanged: set[str], updated: set[str],
            config, holders=None) -> dict:
    """新完成 / 新增滞后 against the compared period (only when one was collected), and 未更新 this period."""
    def state(s, tid):
        return status_of(s, tid).state

    ids = [t.id for t in ledger.tasks]
    group_after = config.circular.group_after
    compared = comparison is not None and comparison.basis is not None
    completed = [i for i in ids if compared and state(statuses, i) == "已完成" and state(previous_statuses, i) != "已完成"]
    lagging = [i for i in ids if compared and state(statuses, i) == "滞后" and state(previous_statuses, i) != "滞后"]
    not_updated = [i for i in ids if i not in updated and state(statuses, i) != "已完成"]
    repeated = [i for i in not_updated if i in unchanged]
    items = []
    for label, chosen in (("新完成任务", completed), ("新增滞后任务", lagging), ("本期未更新进展任务", not_updated)):
        if chosen:
            items.append({"label": label, "count": len(chosen), "text": task_list(ledger, chosen, group_after, holders)})
    return {
        "has_comparison": compared,
        "previous_label": basis_label(comparison.basis.period) if compared else "",
        "previous_display": comparison.basis.period.display if compared else "",
        "skipped_text": "、".join(basis_label(p) for p in comparison.skipped) if comparison else "",
        "no_baseline": config.circular.no_baseline,
        "newly_completed": completed, "newly_completed_text": task_list(ledger, completed, group_after, holders),
        "newly_lagging": lagging, "newly_lagging_text": task_list(ledger, lagging, group_after, holders),
        "not_updated": not_updated, "not_updated_text": task_list(ledger, not_updated, group_after, holders),
        "repeated_count": len(repeated),
        "change_items": numbered(items),
    }


def add_lifecycle_items(context: dict, ledger: Ledger, period, config, holders=None) -> None:
    """本期销号任务 and 调整完成时限 (approved applications of the periods ending within this one) join the change
    items, numbered on with them (issue 13)."""
    from toolkit import lifecycle
    from toolkit.progress import ends_within

    def within(period_id: str) -> bool:
        return ends_within(period_id, period)

    closed = lifecycle.closed_in(ledger, within)
    adjusted = lifecycle.adjusted_in(ledger, within)
    items = context["change_items"]
    if closed:
        items.append({"label": "本期销号任务", "count": len(closed),
                      "text": task_list(ledger, closed, config.circular.group_after, holders)})
    if adjusted:
        tasks = {t.id: t for t in ledger.tasks}
        items.append({"label": "调整完成时限", "count": len(adjusted),
                      "text": lifecycle.adjustment_text(adjusted, lambda tid: task_label(tasks[tid]))})
    numbered(items)


def task_row(ledger: Ledger, task, status: TaskStatus, no: int, holders=None) -> dict:
    leads = list(holders[task.id].leads) if holders and task.id in holders else task.lead_units
    return {
        "no": no, "id": task.id, "summary": summary(task.text),
        "leaders": listing(task.leaders, ""), "lead_units": listing(leads, ""),
        "co_units": listing(task.co_units, ""),
        "progress": percent(status.progress), "schedule": percent(status.schedule, 1),
        "warning": status.warning or "", "mark": MARKS.get(status.warning or "", ""), "state": status.state,
        "problems": status.problems or "", "plan": status.plan or "", "latest": status.latest or "",
    }


def red_first(ledger: Ledger, statuses, keep, holders=None) -> list[dict]:
    order = {"红": 0, "黄": 1}
    chosen = [t for t in ledger.tasks if keep(status_of(statuses, t.id))]
    chosen.sort(key=lambda t: (order.get(status_of(statuses, t.id).warning, 2), t.seq))
    return [task_row(ledger, t, status_of(statuses, t.id), n, holders) for n, t in enumerate(chosen, 1)]


def basis_records(ledger: Ledger, basis) -> list:
    ids = {c.id for c in basis.collections}
    return [s for s in ledger.submissions if s.period in ids]


def reporting(ledger: Ledger, basis) -> dict:
    """报送情况 per unit across the collections the circular rests on (大安镇（第11周未报送）)."""
    labels = {c.id: basis_label(c) for c in basis.collections}
    several = len(basis.collections) > 1
    missed: dict[str, list[str]] = {}
    late: dict[str, list[str]] = {}
    expected: list[str] = []
    for record in basis_records(ledger, basis):
        if not record.expected:
            continue
        expected.append(record.unit)
        if not record.reported:
            missed.setdefault(record.unit, []).append(labels[record.period])
        elif record.late:
            late.setdefault(record.unit, []).append(labels[record.period])
    expected = list(dict.fromkeys(expected))
    counted = Counter(r.unit for r in basis_records(ledger, basis) if r.expected)

    def described(found: dict[str, list[str]], word: str) -> str:
        if not several:
            return listing(list(found), "")
        parts = []
        for unit, periods in found.items():
            whole = len(periods) == counted[unit] and len(periods) > 1
            parts.append(f"{unit}（{'、'.join(periods)}{'均' if whole else ''}{word}）")
        return "、".join(parts)

    on_time = [u for u in expected if u not in missed and u not in late]
    return {"expected_units": len(expected), "on_time_units": len(on_time),
            "unreported_units": list(missed), "unreported_text": described(missed, "未报送"),
            "late_units": list(late), "late_text": described(late, "迟报"),
            "collections_count": len(basis.collections)}


def leader_rows(ledger: Ledger, statuses) -> list[dict]:
    rows: dict[str, Counter] = {}
    for task in ledger.tasks:
        status = status_of(statuses, task.id)
        for leader in task.leaders or ["（未明确）"]:
            counter = rows.setdefault(leader, Counter())
            counter["tasks"] += 1
            counter[status.state] += 1
            counter["red"] += status.warning == "红"
    return [{"leader": leader, "tasks": c["tasks"], "done": c["已完成"], "ahead": c["超序时"],
             "on_schedule": c["序时推进"], "on_track": c["超序时"] + c["序时推进"], "lagging": c["滞后"],
             "not_started": c["未启动"], "unreported": c["未报送"], "red": c["red"],
             "red_mark": f"●{c['red']}" if c["red"] else "0"} for leader, c in rows.items()]


def unit_rows(ledger: Ledger, statuses, period, directory=None, basis=None, *, config=None,
              rejected=(), closures=(), holders=None) -> list[dict]:
    """Lead units ranked by their 考核 score for the period (toolkit.scoring, rules in toolkit.toml [scoring]).

    The score is the scoring module's total: base + additions − deductions, every point an event. `statuses` are
    the month-end states of the period's last month (the circular's own evaluation); `rejected` are the rows the
    collections' 校验报告 rejected and `closures` the tasks closed (销号), both from the caller. The other columns
    (按序时推进率, 按时报送率 with a late report counting half, 红色预警, 问题数) describe the unit. Equal scores
    are separated by 按序时推进率, then by how far the unit's tasks are ahead of 序时 on average (完成进度 − 序时进度,
    a task without a number counting as 0 % done); units equal in all three share a rank. The units are the
    tasks' real holders (progress.task_holders); a collective name is never ranked.
    """
    from toolkit.config import Config
    from toolkit.directory import collective
    from toolkit.progress import task_holders

    config = config or Config()
    records = basis_records(ledger, basis) if basis is not None else submissions_in(ledger, period)
    problems, timely, expected = Counter(), Counter(), Counter()
    for record in records:
        problems[record.unit] += record.problems
        if record.expected:
            expected[record.unit] += 1
            timely[record.unit] += 0 if not record.reported else (0.5 if record.late else 1)
    holders = holders or task_holders(ledger, directory)
    units: dict[str, Counter] = {}
    for task in ledger.tasks:
        status = status_of(statuses, task.id)
        for unit in holders[task.id].leads:
            if collective(unit):   # only without a directory can a raw collective name get here
                continue
            counter = units.setdefault(unit, Counter())
            counter["tasks"] += 1
            counter["on_time"] += status.state in ON_SCHEDULE
            counter["lagging"] += status.state == "滞后"
            counter["red"] += status.warning == "红"
            counter["lead"] += _lead_over_schedule(status)
    scores = period_scores(ledger, statuses, period, config, directory, basis, holders, rejected, closures)
    rows = []
    for unit, c in units.items():
        rate = c["on_time"] / c["tasks"]
        reported = timely[unit] / expected[unit] if expected[unit] else 1.0
        found = scores.get(unit)
        score = found.total if found else config.scoring.base
        marked = found.marked if found else c["tasks"] <= config.scoring.few_tasks
        rows.append({"unit": unit, "single": marked, "shown_unit": unit + ("*" if marked else ""),
                     "tasks": c["tasks"], "rate_value": rate * 100, "on_time_rate": percent(rate * 100, 1),
                     "reporting_rate": percent(reported * 100, 1), "lagging": c["lagging"], "red": c["red"],
                     "problems": problems[unit], "score_value": round(score, 1), "score": f"{score:.1f}",
                     "lead_value": round(c["lead"] / c["tasks"], 1), "lead": f"{c['lead'] / c['tasks']:+.1f}"})
    rows.sort(key=lambda r: (*_rank_key(r), -r["tasks"], r["unit"]))
    previous, rank = None, 0
    for position, row in enumerate(rows, 1):
        if _rank_key(row) != previous:
            rank, previous = position, _rank_key(row)
        row["rank"] = rank
    return rows


def _rank_key(row: dict) -> tuple:
    """Score first; equal scores are told apart by 按序时推进率, then by the average lead over 序时."""
    return -row["score_value"], -round(row["rate_value"], 6), -row["lead_value"]


def _lead_over_schedule(status: TaskStatus) -> float:
    """完成进度 − 序时进度 in points (a task without a number counts as 0 % done; 已完成 as 100 %)."""
    if status.schedule is None:
        return 0.0
    done = 100.0 if status.state == "已完成" else (status.progress or 0.0)
    return done - status.schedule


def period_scores(ledger: Ledger, statuses, period, config, directory, basis, holders, rejected, closures) -> dict:
    """unit → scoring.UnitScore for `period`; the month resting on the circular's data uses `statuses`."""
    from toolkit import progress, scoring

    def evaluate_at(month_basis):
        if basis is None or month_basis.data_end == basis.data_end:
            return statuses
        return progress.evaluate(ledger, month_basis.evaluated, config, holders=holders)

    found = scoring.unit_scores(ledger, period, config, directory, holders=holders, rejected=rejected,
                                closures=closures, evaluate_at=evaluate_at)
    return {s.unit: s for s in found}


def submissions_in(ledger: Ledger, period) -> list:
    from toolkit.progress import ends_within
    return [s for s in ledger.submissions if s.period == period.id or ends_within(s.period, period)]


def indicator_rows(ledger: Ledger, period, statuses, values: dict[str, float], holders=None) -> tuple[list[dict], int, int]:
    rows, reported, on_schedule = [], 0, 0
    tasks = {t.id: t for t in ledger.tasks}
    for indicator in ledger.indicators:
        current = values.get(indicator.id, indicator.current)
        rate = round(current / indicator.target * 100, 1) if current is not None and indicator.target else None
        schedule = status_of(statuses, indicator.task_id).schedule
        reported += current is not None
        on_track = rate is not None and schedule is not None and rate >= schedule
        on_schedule += on_track
        task = tasks.get(indicator.task_id)
        leads = (list(holders[task.id].leads) if holders and task and task.id in holders
                 else (task.lead_units if task else []))
        rows.append({"id": indicator.id, "task_id": indicator.task_id, "phrase": indicator.phrase,
                     "target": plain_number(indicator.target), "unit": indicator.unit,
                     "current": plain_number(current), "rate": percent(rate, 1),
                     "schedule": percent(schedule, 1), "lead_units": listing(leads, ""),
                     "behind": rate is not None and schedule is not None and rate < schedule})
    return rows, reported, on_schedule


def report_label(period) -> str:
    """“2024年上半年（1月1日—6月30日）” → “上半年”; other periods → their short label."""
    return basis_label(period)


def basis_text(collections) -> str:
    """第11周（3月11日—3月17日）、第12周（…）, or 第2周至第26周共25次回收 when there are many."""
    if len(collections) > BASIS_LISTED:
        return f"{basis_label(collections[0])}至{basis_label(collections[-1])}共{len(collections)}次回收"
    return "、".join(f"{basis_label(c)}（{span(c)}）" for c in collections)


def gap_text(current: float | None, target: float | None, unit: str) -> str:
    """The gap in the target's own terms: 低于目标0.9个百分点, 差80个, 已达到目标, 超出目标5亿元."""
    if current is None or target is None:
        return "未报送完成值"
    difference = round(current - target, 6)
    measure = "个百分点" if unit == "%" else unit
    if difference >= 0:
        return "已达到目标" if difference == 0 else f"超出目标{plain_number(difference)}{measure}"
    if unit == "%":
        return f"低于目标{plain_number(-difference)}{measure}"
    return f"差{plain_number(-difference)}{measure}"


def report_context(ledger: Ledger, statuses, indicators: list[dict], holders=None) -> dict:
    """完成情况报告: headline targets, indicators against their targets, sections, every task (附件)."""
    values = {i.id: i for i in ledger.indicators}
    for row in indicators:
        record = values.get(row["id"])
        current = None if row["current"] == "—" else float(row["current"])
        row["gap"] = gap_text(current, record.target if record else None, row["unit"])
    sections: dict[str, Counter] = {}
    for task in ledger.tasks:
        counter = sections.setdefault(task.section or "其他", Counter())
        counter["tasks"] += 1
        counter[status_of(statuses, task.id).state] += 1
    section_rows = [{"section": name, "tasks": c["tasks"], "done": c["已完成"], "on_track": c["超序时"] + c["序时推进"],
                     "lagging": c["滞后"], "not_started": c["未启动"], "unreported": c["未报送"]}
                    for name, c in sections.items()]
    from toolkit.lifecycle import approved_due

    every_task = [task_row(ledger, t, status_of(statuses, t.id), n, holders) | {
                      "due": _due_text(approved_due(ledger, t.id) or t.due)} for n, t in enumerate(ledger.tasks, 1)]
    targets = [{"name": t.name, "target": f"{plain_number(t.value)}{t.unit}"} for t in ledger.targets]
    return {"targets": targets, "section_rows": section_rows, "every_task": every_task}


def scoring_terms(config) -> dict:
    """The [scoring] points as the templates print them (迟报 0.1, 未报送 0.5 …)."""
    rules = config.scoring
    return {name: plain_number(getattr(rules, name)) for name in rules.__dataclass_fields__ if name != "weights"}


def _due_text(due: date | None) -> str:
    """A task's 完成时限 in the report: the approved date of a 调整 when there is one (issue 13)."""
    return cn_date(due) if due else ""


def section_numbers(names: list[str]) -> dict[str, str]:
    """Present sections → 一, 二, 三 … in order (an empty category gets no section and no number)."""
    return {name: cn_numeral(n) for n, name in enumerate(names, 1)}


def sections_for(kind: str, context: dict) -> list[str]:
    if kind == REPORT:
        return ["overview", "targets", "indicators", "sections", "lagging", "ranking"]
    names = ["overview"]
    if context["change_items"]:
        names.append("changes")
    if kind == "旬推进":
        names.append("push")
    else:
        names.append("lagging")
    names += ["reporting", "leaders"]
    if kind == "月调度":
        names += ["ranking", "indicators", "requirements"]
    return names


def build_context(ledger: Ledger, period, kind: str, config, number: int, as_of: date, tpl, *,
                  statuses: dict[str, TaskStatus] | None = None,
                  previous_statuses: dict[str, TaskStatus] | None = None,
                  indicator_values: dict[str, float] | None = None, chart: bool = True,
                  directory=None, basis=None, comparison=None, holders=None, rejected=(), closures=()) -> dict:
    """Every template variable (templates/README.md), computed from the ledger as of the data's last day.

    `basis` (toolkit.basis) is what the numbers rest on; by default the collections within the period, and
    basis.BasisError when there are none. statuses / previous_statuses / indicator_values default to
    toolkit.progress's evaluation at the basis and at the compared period. `directory` (the loaded 单位名录)
    tells who really holds each task; without it the raw names of 责任分工 are used. `rejected`
    (scoring.read_rejected_rows) and `closures` (销号, from the lifecycle stage) feed the unit scores.
    """
    from toolkit import progress
    from toolkit.basis import circular_basis, collected_periods, comparison_for

    if basis is None:
        basis = circular_basis(ledger, period, config)
    if comparison is None:
        comparison = comparison_for(basis, collected_periods(ledger, config), config)
    holders = holders or progress.task_holders(ledger, directory)
    if statuses is None or indicator_values is None:
        evaluated = progress.evaluate_with_indicators(ledger, basis.evaluated, config, holders)
        statuses = evaluated[0] if statuses is None else statuses
        indicator_values = evaluated[1] if indicator_values is None else indicator_values
    if previous_statuses is None:
        previous_statuses = (progress.evaluate(ledger, comparison.basis.evaluated, config, holders=holders)
                             if comparison.basis else {})
    unchanged = progress.unchanged_task_ids(ledger, basis.evaluated, holders, config.collect.completed_may_repeat)
    updated = progress.reported_task_ids(ledger, basis.evaluated, directory, holders) - unchanged
    office, wording = config.office, config.circular
    subject = subject_of(ledger)
    counts = state_counts(statuses, ledger)
    lagging = red_first(ledger, statuses, lambda s: s.state == "滞后", holders)
    push = red_first(ledger, statuses, lambda s: s.state == "滞后" or s.warning == "红", holders)
    indicators, reported, on_schedule = indicator_rows(ledger, period, statuses, indicator_values, holders)
    behind = [r for r in indicators if r["behind"]]
    units = (unit_rows(ledger, statuses, period, directory, basis, config=config, rejected=rejected,
                       closures=closures, holders=holders) if kind in RANKED_KINDS else [])
    context = {
        "masthead": MASTHEAD, "kind": kind, "number": number, "year": period.year,
        "office": office.supervision, "printer": office.office,
        "issue_date": cn_date(as_of), "print_date": cn_date(as_of), "as_of_date": cn_date(basis.data_end),
        "data_end_date": short_date(basis.data_end, as_of),
        "period_id": period.id, "period_display": period.display, "period_label": period_label(period),
        "period_word": PERIOD_WORD.get(period.kind, "期"),
        "basis_text": basis_text(basis.collections),
        "basis_count": len(basis.collections), "basis_overlapping": basis.overlapping,
        "title": (f"{period.year}年{report_label(period)}{subject}{REPORT}" if kind == REPORT
                  else f"{subject}{kind}情况通报"),
        "report_label": report_label(period),
        "recipients": wording.recipients, "cc": listing(list(wording.cc), ""), "closing": wording.closing,
        "urge": wording.urge, "inform": wording.inform,
        "opening": f"现将{period.display}{subject}落实情况通报如下。",
        "subject": subject, "total": len(ledger.tasks), "c": counts,
        "lagging": lagging, "red_lagging_count": sum(r["warning"] == "红" for r in lagging),
        "yellow_lagging_count": sum(r["warning"] == "黄" for r in lagging),
        "red_tasks": [r for r in push if r["warning"] == "红"],
        "red_units_count": len({u for r in push if r["warning"] == "红" for u in r["lead_units"].split("、") if u}),
        "push_list": push, "red_push_count": sum(r["warning"] == "红" for r in push),
        "leader_rows": leader_rows(ledger, statuses),
        "unit_rows": units, "single_task_units": sum(r["single"] for r in units),
        "scoring": scoring_terms(config),
        "indicator_rows": indicators, "indicators_reported": reported, "indicators_on_schedule": on_schedule,
        "indicators_behind": behind, "indicators_unreported": len(indicators) - reported,
        "requirements": numbered([{"text": text} for text in wording.requirements]),
        "chart": chart_image(ledger, statuses, tpl) if chart else "",
    }
    if kind == REPORT:
        context.update(report_context(ledger, statuses, indicators, holders))
    context.update(changes(ledger, statuses, previous_statuses, comparison, unchanged, updated, config, holders))
    add_lifecycle_items(context, ledger, period, config, holders)
    context.update(reporting(ledger, basis))
    context["n"] = section_numbers(sections_for(kind, context))
    return context


# ------------------------------------------------------------------------------------------ rendering

def kinds_for(period, kinds: list[str] | None) -> list[str]:
    if not kinds:
        return [KIND_OF_PERIOD[period.kind]]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ToolkitError(f"通报类型“{'、'.join(unknown)}”无法识别。可用的有：{'、'.join(KINDS)}。")
    return list(dict.fromkeys(kinds))


def circular_number(ledger: Ledger, kind: str, period) -> CircularRecord:
    """The 通报记录 entry for (kind, period): reused when the period was rendered before, else the next 期数."""
    for record in ledger.circulars:
        if record.kind == kind and record.period == period.id:
            return record
    used = [r.number for r in ledger.circulars if r.kind == kind and r.year == period.year]
    record = CircularRecord(kind=kind, year=period.year, number=max(used, default=0) + 1, period=period.id,
                            file="")
    ledger.circulars.append(record)
    return record


def render_one(ws: Workspace, ledger: Ledger, period, kind: str, config, record: CircularRecord, as_of: date,
               known: dict, directory=None) -> Path:
    """Render one circular; `known` holds the basis, comparison, holders and the evaluations (see _known)."""
    from toolkit.templating import CachedDocxTemplate

    template = ws.template(f"{kind}.docx")
    if not template.exists():
        raise ToolkitError(f"找不到通报模板 {template}。请从工具箱的 templates/ 复制 {kind}.docx，"
                           f"或运行 python scripts/build_templates.py 重新生成。")
    tpl = CachedDocxTemplate(str(template))
    context = build_context(ledger, period, kind, config, record.number, as_of, tpl, directory=directory, **known)
    try:
        tpl.render(context, autoescape=True)
    except Exception as exc:  # noqa: BLE001 — a clerk's edited template: say which file and why
        raise ToolkitError(f"通报模板 {template} 无法套用（{exc}）。请检查模板中的 {{{{ }}}} / {{% %}} 标记是否"
                           f"完整、引号是否为英文引号，或删除工作区 templates/ 中的该文件以使用自带模板。") from exc
    out = ws.circular_dir(period.id) / f"{safe_file_name(context['title'])}（{context['period_label']}）.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{record.kind}.{os.getpid()}.tmp.docx")
    try:
        tpl.save(str(tmp))
        os.replace(tmp, out)   # a half-written circular never replaces a good one
    except PermissionError as exc:
        raise ToolkitError(f"无法写入 {out}：文件可能正在 Word/WPS 中打开。请关闭后重新运行。") from exc
    finally:
        tmp.unlink(missing_ok=True)
    record.file = out.relative_to(ws.root).as_posix() if out.is_relative_to(ws.root) else str(out)
    record.issued = as_of
    return out


def _known(ws: Workspace, ledger: Ledger, period, config, directory, since: date, ranked: bool) -> dict:
    """What the circular rests on: basis, comparison, holders, and the evaluations at both; with `ranked`, also
    the rejected rows and approved 销号 the unit ranking's scores need.

    Raises basis.BasisError (nothing written, no 期数 used) when the period has no collected data.
    """
    from toolkit import progress
    from toolkit.basis import circular_basis, collected_periods, comparison_for
    from toolkit.ledger import load_history

    basis = circular_basis(ledger, period, config, issued=lambda period_id: ws.issued_dir(period_id).exists())
    collected = collected_periods(ledger, config)
    comparison = comparison_for(basis, collected, config)
    if comparison.basis is not None:
        earlier = comparison.basis.period.start
        if earlier < since:     # the compared period lies before the window loaded
            history = load_history(ws, since=earlier)
            if history is not None:
                ledger.progress = history
    holders = progress.task_holders(ledger, directory)
    rejected, closures = _ranking_inputs(ws, ledger, period, collected) if ranked else ((), ())
    statuses, indicator_values = progress.evaluate_with_indicators(ledger, basis.evaluated, config, holders)
    return {
        "basis": basis, "comparison": comparison, "holders": holders, "rejected": rejected, "closures": closures,
        "statuses": statuses,
        "previous_statuses": (progress.evaluate(ledger, comparison.basis.evaluated, config, holders=holders)
                              if comparison.basis else {}),
        "indicator_values": indicator_values,
    }


def _ranking_inputs(ws: Workspace, ledger: Ledger, period, collected) -> tuple:
    """The rejected rows and approved 销号 the unit ranking's scores need."""
    from toolkit.scoring import approved_closures, read_rejected_rows

    return (read_rejected_rows(ws, [p.id for p in collected if period.start <= p.end <= period.end]),
            approved_closures(ledger))


def render_circulars(ws: Workspace, period_text: str, as_of: date | None, pdf: bool,
                     kinds: list[str] | None = None) -> list[Path]:
    """Render the period's circular(s) into outputs/<PERIOD>/通报/, record them in 通报记录 and save the ledger.

    Returns the .docx files written, followed by the PDFs when `pdf` and LibreOffice is present. A period
    without collected data is refused before anything is written (basis.BasisError).
    """
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import CIRCULAR_SHEET, circular_rows, ledger_lock, load_ledger, save_small_tables
    from toolkit.periods import parse_period

    config = load_config(ws)
    period = parse_period(period_text, config, reporting=True)
    chosen = kinds_for(period, kinds)
    with ledger_lock(ws):
        # this period and the one before (what a circular compares with): each (unit, task)'s latest report before
        # the window stands for the earlier ones, 未报送 twice in a row included (load_ledger adds it)
        since = period.previous(config).start
        ledger = load_ledger(ws, since=since)
        directory = load_directory(ws)
        known = _known(ws, ledger, period, config, directory, since,
                       ranked=any(kind in RANKED_KINDS for kind in chosen))
        as_of = as_of or max(period.end, known["basis"].data_end)
        before = circular_rows(ledger.circulars)
        files = []
        for kind in chosen:
            record = circular_number(ledger, kind, period)
            files.append(render_one(ws, ledger, period, kind, config, record, as_of, known, directory))
        if circular_rows(ledger.circulars) != before:   # a plain re-render changes nothing: no write, no backup
            save_small_tables(ws, ledger, [CIRCULAR_SHEET])
    if pdf:
        files += convert_to_pdf(files, files[0].parent)
    return files


# ------------------------------------------------------------------------------------------ PDF

def find_soffice() -> str | None:
    import shutil

    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "LibreOffice/program/soffice.exe",
                      Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")):
        if candidate.exists():
            return str(candidate)
    return None


def convert_to_pdf(files: list[Path], outdir: Path) -> list[Path]:
    """One LibreOffice call for all files (much faster than one each); a warning, not an error, without it."""
    import subprocess
    import tempfile

    soffice = find_soffice()
    if soffice is None:
        warnings.warn(INSTALL_HINT, ToolkitWarning, stacklevel=2)
        return []
    pdfs = [outdir / f"{f.stem}.pdf" for f in files]
    for stale in pdfs:   # so that a failed conversion cannot pass for a fresh one
        stale.unlink(missing_ok=True)
    env = dict(os.environ)
    if FONT_ALIASES.exists() and os.name != "nt":
        env["FONTCONFIG_FILE"] = str(FONT_ALIASES)
    with tempfile.TemporaryDirectory(prefix="toolkit-lo-") as profile:
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--convert-to", "pdf",
                   "--outdir", str(outdir), *map(str, files)]
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            warnings.warn("LibreOffice 转换 PDF 超时（5 分钟），已跳过。请关闭正在运行的 LibreOffice 后重试，"
                          "或用 Word/WPS 打开 .docx“另存为 PDF”。", ToolkitWarning, stacklevel=2)
            return []
    missing = [p.name for p in pdfs if not p.exists()]
    if result.returncode != 0 or missing:
        warnings.warn(f"LibreOffice 未能转换 {listing(missing) or '部分文件'}（{result.stderr.strip()[:200]}）。"
                      f"请用 Word/WPS 打开 .docx“另存为 PDF”。", ToolkitWarning, stacklevel=2)
    return [p for p in pdfs if p.exists()]

