"""Progress evaluation against 序时 (DESIGN §6).

evaluate() gives every task its TaskStatus as of a period's end. The rules:

1. Window and 序时进度. A task's window runs from the notice date (or 1 January of the due year when the
   notice date is unknown or later than the due date) to task.due (default: 31 December of the notice
   year). 序时进度 = schedule_percent(window start, due, period end), 0–100.
2. Which reports count. Only ProgressRecords whose period ends on or before the period's end; per
   (unit, task) the latest wins, by period end, then by received time. Lead units (责任分工 role 主办;
   the task's own lead_units when 责任分工 has no row for it) decide; co-units' latest reports become
   co_feedback lines "单位：进展" (with the period id when it is not the current period).
3. Two or more lead units: the one with the lower progress decides (a report without a number stands
   at 100 for 已完成, 0 for 未启动, just below 序时 for 滞后 and at 序时 for 序时推进).
4. State, in this order:
   - 已完成: the deciding progress is 100, or it has no number and says 已完成. Once 已完成 it stays so
     even when later periods bring no report.
   - 未报送: no lead unit has a report whose period ends within [period start, period end] (so weekly
     collection counts towards a monthly evaluation).
   - 未启动: progress 0, or no number and the unit says 未启动.
   - from the numbers: progress ≥ 序时 + ahead_gap → 超序时; progress ≥ 序时 → 序时推进; else 滞后.
   - no number at all: the unit's own state, with a flag saying so.
   A self-reported state in a lead report of this period that its numbers contradict (序时推进 or 超序时
   below the 序时 of the report's own period end; 已完成 below 100; 滞后 at or above 序时; 未启动 above 0)
   becomes a Chinese sentence in TaskStatus.flags; the numbers win.
5. 预警: 红 when past the due date and not 已完成; 红 when behind 序时 by ≥ red_gap; 黄 when behind by
   less; 绿 otherwise (已完成, 超序时, 序时推进, 未启动 while 序时 is still 0). 未报送 is 黄, and 红 when
   the task also went unreported in the missed_reports_red − 1 previous periods of the same kind. A
   previous period counts as missed when a lead unit was expected to report in it (ledger.submissions
   with expected=True for a period ending within it) and no lead report for the task ends within it.
6. latest / problems / plan / last_period / progress come from the lead's latest report (with two leads
   reporting, the texts are joined with the unit names and last_period is the newer one).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .config import Config
from .models import CO, LEAD, Ledger, ProgressRecord, Task, TaskStatus
from .periods import Period, period_end_of, schedule_percent

DONE, AHEAD, ON_TRACK, BEHIND, NOT_STARTED, MISSING = "已完成", "超序时", "序时推进", "滞后", "未启动", "未报送"
GREEN, YELLOW, RED = "绿", "黄", "红"


def evaluate(ledger: Ledger, period: Period, config: Config) -> dict[str, TaskStatus]:
    """Every task id → its status as of period.end."""
    reports = _ReportIndex(ledger, period)
    units = _units_by_task(ledger)
    return {task.id: _task_status(task, ledger, reports, period, config, units) for task in ledger.tasks}


def indicator_values(ledger: Ledger, period: Period) -> dict[str, float]:
    """IndicatorRecord.id → latest value reported by a lead unit up to period.end."""
    known = {record.id for record in ledger.indicators}
    reports = _ReportIndex(ledger, period)
    units = _units_by_task(ledger)
    values: dict[str, tuple[tuple, float]] = {}
    for task in ledger.tasks:
        leads, _ = _units_of(task, units)
        for record in reports.of_units(task.id, leads):
            for indicator_id, value in record.indicator_values.items():
                if indicator_id in known and value is not None:
                    key = reports.order(record)
                    if indicator_id not in values or key >= values[indicator_id][0]:
                        values[indicator_id] = (key, float(value))
    return {indicator_id: value for indicator_id, (_, value) in values.items()}


# -- reports --------------------------------------------------------------------------------------

class _ReportIndex:
    """The ProgressRecords up to a period's end, indexed by task and unit."""

    def __init__(self, ledger: Ledger, period: Period):
        self.ends: dict[str, date] = {}
        self.by_task: dict[str, list[ProgressRecord]] = {}
        for record in ledger.progress:
            if self.end(record) <= period.end:
                self.by_task.setdefault(record.task_id, []).append(record)
        self.expected = [(s.unit, self.end(s)) for s in ledger.submissions if s.expected]

    def end(self, record) -> date:
        """End of a ProgressRecord's or SubmissionRecord's period (parsed once per id)."""
        if record.period not in self.ends:
            self.ends[record.period] = period_end_of(record.period)
        return self.ends[record.period]

    def order(self, record: ProgressRecord) -> tuple[date, datetime]:
        return self.end(record), record.received or datetime.min

    def of_units(self, task_id: str, units: list[str]) -> list[ProgressRecord]:
        return [record for record in self.by_task.get(task_id, []) if record.unit in units]

    def latest_of(self, task_id: str, units: list[str]) -> list[ProgressRecord]:
        """The latest report of each unit that has one, in the order of `units`."""
        latest: dict[str, ProgressRecord] = {}
        for record in self.by_task.get(task_id, []):
            if record.unit in units:
                current = latest.get(record.unit)
                if current is None or self.order(record) >= self.order(current):
                    latest[record.unit] = record
        return [latest[unit] for unit in units if unit in latest]

    def any_within(self, task_id: str, units: list[str], start: date, end: date) -> bool:
        return any(record.unit in units and start <= self.end(record) <= end
                   for record in self.by_task.get(task_id, []))

    def expected_within(self, units: list[str], start: date, end: date) -> bool:
        return any(unit in units and start <= day <= end for unit, day in self.expected)


def _units_by_task(ledger: Ledger) -> dict[str, tuple[list[str], list[str]]]:
    """Task id → (lead units, co-units) from 责任分工, in its row order (one pass, not one per task)."""
    units: dict[str, tuple[list[str], list[str]]] = {}
    for a in ledger.assignments:
        leads, cos = units.setdefault(a.task_id, ([], []))
        if a.role == LEAD:
            leads.append(a.unit)
        elif a.role == CO:
            cos.append(a.unit)
    return units


def _units_of(task: Task, units: dict[str, tuple[list[str], list[str]]]) -> tuple[list[str], list[str]]:
    """(lead units, co-units) from 责任分工, else from the task as parsed."""
    if task.id not in units:
        return list(task.lead_units), list(task.co_units)
    leads, cos = units[task.id]
    return list(leads), list(cos)


# -- one task -------------------------------------------------------------------------------------

@dataclass
class _Context:
    start: date          # window start
    due: date
    schedule: float      # 序时进度 at the period end
    period: Period
    config: Config


def _task_status(task: Task, ledger: Ledger, reports: _ReportIndex, period: Period,
                 config: Config, units: dict[str, tuple[list[str], list[str]]]) -> TaskStatus:
    due = task_due(task, ledger, period.year)
    start = window_start(task, ledger, period.year)
    context = _Context(start, due, schedule_percent(start, due, period.end), period, config)
    leads, cos = _units_of(task, units)
    lead_reports = reports.latest_of(task.id, leads)
    status = TaskStatus(schedule=context.schedule,
                        co_feedback=_co_feedback(reports.latest_of(task.id, cos), period))
    if not lead_reports:
        status.state = MISSING
        status.warning = _missing_warning(task, leads, reports, context)
        return status
    deciding = min(lead_reports, key=lambda r: _standing(r, context.schedule))
    _copy_texts(status, lead_reports, deciding)
    status.flags = _flags(lead_reports, reports, context)
    current = reports.any_within(task.id, leads, period.start, period.end)
    status.state = _state(deciding, context, current)
    status.warning = (_missing_warning(task, leads, reports, context)
                      if status.state == MISSING else _warning(status, context))
    return status


def task_due(task: Task, ledger: Ledger, fallback_year: int) -> date:
    """task.due, else 31 December of the notice year (of fallback_year without a notice date)."""
    if task.due is not None:
        return task.due
    year = ledger.info.date.year if ledger.info.date else fallback_year
    return date(year, 12, 31)


def window_start(task: Task, ledger: Ledger, fallback_year: int) -> date:
    due = task_due(task, ledger, fallback_year)
    notice_date = ledger.info.date
    if notice_date is not None and notice_date <= due:
        return notice_date
    return date(due.year, 1, 1)


def _flags(lead_reports: list[ProgressRecord], reports: _ReportIndex, context: _Context) -> list[str]:
    """Contradictions in this period's lead reports, each judged at its own period end."""
    flags = []
    for record in lead_reports:
        end = reports.end(record)
        if end < context.period.start:
            continue
        flag = _contradiction(record, schedule_percent(context.start, context.due, end),
                              len(lead_reports) > 1)
        if flag:
            flags.append(flag)
    return flags


def _standing(record: ProgressRecord, schedule: float) -> float:
    """Comparable progress of a lead's report, also when it gave no number."""
    if record.progress is not None:
        return float(record.progress)
    return {DONE: 100.0, NOT_STARTED: 0.0, BEHIND: schedule - 0.01}.get(record.state, schedule)


def _state(deciding: ProgressRecord, context: _Context, current: bool) -> str:
    progress = deciding.progress
    if (progress is not None and progress >= 100) or (progress is None and deciding.state == DONE):
        return DONE
    if not current:
        return MISSING
    if progress is None:
        return deciding.state if deciding.state in (NOT_STARTED, BEHIND, ON_TRACK, AHEAD) else ON_TRACK
    if progress <= 0:
        return NOT_STARTED
    return _state_from_numbers(progress, context.schedule, context.config)


def _state_from_numbers(progress: float, schedule: float, config: Config) -> str:
    if progress >= schedule + config.thresholds.ahead_gap:
        return AHEAD
    if progress >= schedule:
        return ON_TRACK
    return BEHIND


def _contradiction(record: ProgressRecord, schedule: float, name_unit: bool) -> str:
    """A Chinese sentence when the unit's own state disagrees with its numbers, else ""."""
    who = f"{record.unit}自报" if name_unit else "单位自报"
    progress = record.progress
    if progress is None:
        return f"{who}“{record.state}”但未填完成进度，状态按自报计，请核实。" if record.state != DONE else ""
    shown = _number(progress)
    if record.state == DONE and progress < 100:
        return f"{who}“已完成”，但完成进度为{shown}%，未按已完成计，请核实。"
    if record.state in (ON_TRACK, AHEAD) and progress < schedule:
        return (f"{who}“{record.state}”，但完成进度{shown}%低于序时进度{_number(schedule)}%，"
                f"按滞后计，请核实。")
    if record.state == BEHIND and progress >= schedule:
        return (f"{who}“滞后”，但完成进度{shown}%不低于序时进度{_number(schedule)}%，"
                f"按进度数值计，请核实。")
    if record.state == NOT_STARTED and progress > 0:
        return f"{who}“未启动”，但完成进度为{shown}%，按进度数值计，请核实。"
    return ""


def _warning(status: TaskStatus, context: _Context) -> str:
    if status.state == DONE:
        return GREEN
    if context.period.end > context.due:
        return RED
    progress = status.progress
    if progress is None:
        return YELLOW if status.state in (BEHIND, NOT_STARTED) else GREEN
    behind = context.schedule - progress
    if behind <= 0:
        return GREEN
    return RED if behind >= context.config.thresholds.red_gap else YELLOW


def _missing_warning(task: Task, leads: list[str], reports: _ReportIndex, context: _Context) -> str:
    if context.period.end > context.due:
        return RED
    needed = context.config.thresholds.missed_reports_red
    earlier = context.period
    for _ in range(needed - 1):
        earlier = earlier.previous(context.config)
        if not _missed_in(task, leads, reports, earlier):
            return YELLOW
    return RED


def _missed_in(task: Task, leads: list[str], reports: _ReportIndex, period: Period) -> bool:
    """A lead unit was asked to report within `period` and no lead report for the task came."""
    return (reports.expected_within(leads, period.start, period.end)
            and not reports.any_within(task.id, leads, period.start, period.end))


# -- texts ----------------------------------------------------------------------------------------

def _copy_texts(status: TaskStatus, lead_reports: list[ProgressRecord],
                deciding: ProgressRecord) -> None:
    status.progress = None if deciding.progress is None else float(deciding.progress)
    if len(lead_reports) == 1:
        status.latest, status.problems, status.plan = deciding.text, deciding.problems, deciding.plan
    else:
        status.latest = _joined(lead_reports, "text")
        status.problems = _joined(lead_reports, "problems")
        status.plan = _joined(lead_reports, "plan")
    status.last_period = max(lead_reports, key=lambda r: period_end_of(r.period)).period


def _joined(records: list[ProgressRecord], attribute: str) -> str:
    return "\n".join(f"{r.unit}：{getattr(r, attribute).strip()}"
                     for r in records if getattr(r, attribute).strip())


def _co_feedback(records: list[ProgressRecord], period: Period) -> str:
    lines = []
    for record in records:
        text = record.text.strip()
        if not text:
            continue
        stale = "" if period.start <= period_end_of(record.period) else f"（{record.period}）"
        lines.append(f"{record.unit}：{text}{stale}")
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"
