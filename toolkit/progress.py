"""Progress evaluation against 序时 (DESIGN §6).

evaluate() gives every task its TaskStatus as of a period's end. The rules:

1. Window and 序时进度. A task's window runs from the notice date (or 1 January of the due year when the
   notice date is unknown or later than the due date) to task.due (default: 31 December of the notice
   year). 序时进度 = schedule_percent(window start, due, period end), 0–100.
2. Which reports count. Only ProgressRecords whose period ends on or before the period's end; per
   (unit, task) the latest wins, by period end, then by received time. The task's holders are the ones
   issue and collect use: directory.unit_tasks (collective names such as 各镇街 expanded to the units of
   the directory, aliases resolved to the directory's name, a unit both 主办 and 协办 counted as 主办).
   Lead units decide; co-units' latest reports become co_feedback lines "单位：进展" (with the period id
   when it is not the current period). A task without any lead unit is decided by its co-units, and a
   flag says so. Without a directory (ledgers built in memory) the raw names of 责任分工 are used, and
   the task's own lead_units / co_units when 责任分工 has no row for it. The role stored on a report is
   never trusted: 责任分工 as it stands now says who decides.
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
from typing import TYPE_CHECKING, Callable

from .config import Config
from .errors import ToolkitError
from .models import CO, LEAD, Ledger, ProgressRecord, Task, TaskStatus
from .lifecycle import approved_due, close_statuses
from .periods import Period, period_end_of, schedule_percent

if TYPE_CHECKING:
    from .directory import Directory

DONE, AHEAD, ON_TRACK, BEHIND, NOT_STARTED, MISSING = "已完成", "超序时", "序时推进", "滞后", "未启动", "未报送"
GREEN, YELLOW, RED = "绿", "黄", "红"


def evaluate(ledger: Ledger, period: Period, config: Config, directory: Directory | None = None,
             holders: dict[str, "Holders"] | None = None) -> dict[str, TaskStatus]:
    """Every task id → its status as of period.end.

    Pass the loaded unit directory (every command does); without it the raw names of 责任分工 are used.
    A caller that evaluates several periods passes `holders` (task_holders) once for all of them.
    """
    return _evaluate(ledger, _ReportIndex(ledger, period), period, config, holders or task_holders(ledger, directory))


def indicator_values(ledger: Ledger, period: Period, directory: Directory | None = None,
                     holders: dict[str, "Holders"] | None = None) -> dict[str, float]:
    """IndicatorRecord.id → latest value reported by a deciding unit (see Holders) up to period.end."""
    return _indicator_values(ledger, _ReportIndex(ledger, period), holders or task_holders(ledger, directory))


def evaluate_with_indicators(ledger: Ledger, period: Period, config: Config, holders: dict[str, "Holders"]
                             ) -> tuple[dict[str, TaskStatus], dict[str, float]]:
    """evaluate and indicator_values of one period, its reports indexed once."""
    reports = _ReportIndex(ledger, period)
    return _evaluate(ledger, reports, period, config, holders), _indicator_values(ledger, reports, holders)


def _evaluate(ledger: Ledger, reports: "_ReportIndex", period: Period, config: Config,
              holders: dict[str, "Holders"]) -> dict[str, TaskStatus]:
    statuses = {task.id: _task_status(task, ledger, reports, period, config, holders[task.id])
                for task in ledger.tasks}
    return close_statuses(statuses, ledger, period.end)     # 已销号 tasks count among 已完成 (issue 13)


def _indicator_values(ledger: Ledger, reports: "_ReportIndex", holders: dict[str, "Holders"]) -> dict[str, float]:
    known = {record.id for record in ledger.indicators}
    values: dict[str, tuple[tuple, float]] = {}
    for task in ledger.tasks:
        for record in reports.of_units(task.id, holders[task.id].leads):
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
        self.expected: dict[str, list[date]] = {}      # unit → the ends of the periods it was asked to report for
        for s in ledger.submissions:
            if s.expected:
                self.expected.setdefault(s.unit, []).append(self.end(s))

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
        return any(start <= day <= end for unit in dict.fromkeys(units) for day in self.expected.get(unit, ()))


def ends_within(period_id: str, period: Period) -> bool:
    """Whether the period `period_id` ends within [period.start, period.end] (False for an unreadable id)."""
    try:
        end = period_end_of(period_id)
    except (ToolkitError, ValueError):
        return False
    return period.start <= end <= period.end


def reported_task_ids(ledger: Ledger, period: Period, directory: Directory | None = None,
                      holders: dict[str, Holders] | None = None) -> set[str]:
    """Tasks for which a deciding unit (see Holders) sent a report whose period ends within `period`.
    `holders`: task_holders(ledger, directory) when the caller has it already."""
    holders = holders or task_holders(ledger, directory)
    within: dict[str, bool] = {}
    reported = set()
    for record in ledger.progress:
        holder = holders.get(record.task_id)
        if holder is None or record.unit not in holder.leads:
            continue
        if record.period not in within:
            within[record.period] = ends_within(record.period, period)
        if within[record.period]:
            reported.add(record.task_id)
    return reported


def last_reports(ledger: Ledger, before: date,
                 period_end_of: Callable[[str], date]) -> dict[tuple[str, str], ProgressRecord]:
    """(unit, task id) → the latest accepted ProgressRecord of a period that ended before `before`."""
    latest: dict[tuple[str, str], tuple] = {}
    for index, record in enumerate(ledger.progress):
        try:
            end = period_end_of(record.period)
        except Exception:  # noqa: BLE001 - a period id the clerk mistyped in the ledger is simply skipped
            continue
        if end >= before:
            continue
        rank = (end, record.received or datetime.min, index)
        key = (record.unit, record.task_id)
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, record)
    return {key: value[1] for key, value in latest.items()}


def is_unchanged(record: ProgressRecord, previous: ProgressRecord | None) -> bool:
    """A report that repeats the unit's previous one for the task: same 本期进展 text, state and progress."""
    return (previous is not None and record.text.strip() == previous.text.strip()
            and record.state == previous.state and record.progress == previous.progress)


def unchanged_counts(record: ProgressRecord, previous: ProgressRecord | None, completed_may_repeat: bool) -> bool:
    """Whether an unchanged report counts as 未更新 (a task already 已完成 may stay unchanged, by setting)."""
    if not is_unchanged(record, previous):
        return False
    return not (completed_may_repeat and record.state == DONE)


def unchanged_task_ids(ledger: Ledger, period: Period, holders: dict[str, "Holders"],
                       completed_may_repeat: bool = True) -> set[str]:
    """Tasks whose deciding units reported within `period` and every one of those reports repeats the same
    unit's report of an earlier period (see unchanged_counts): they count as 未更新 although reports came in."""
    reports = _ReportIndex(ledger, period)
    unchanged = set()
    for task_id, holder in holders.items():
        verdicts = []
        for unit in holder.leads:
            history = sorted(reports.of_units(task_id, [unit]), key=reports.order)
            for index, record in enumerate(history):
                if period.start <= reports.end(record) <= period.end:
                    earlier = [r for r in history[:index] if reports.end(r) < reports.end(record)]
                    verdicts.append(unchanged_counts(record, earlier[-1] if earlier else None,
                                                     completed_may_repeat))
        if verdicts and all(verdicts):
            unchanged.add(task_id)
    return unchanged


def latest_submitted_period(ledger: Ledger, period: Period, config: Config) -> Period:
    """The newest period of `period`'s kind among `period` and the periods in 报送情况, by period end.

    collect evaluates 任务台账 at this period, so that collecting a late return for an earlier week does not
    set the ledger back to that week. Only the same kind is considered: its look-back (history_start) then
    starts no earlier than the collected period's, so the history window loaded for the collection covers
    it, and 未报送 twice in a row keeps comparing periods of one kind.
    """
    from .periods import parse_period

    newest = period
    for period_id in {s.period for s in ledger.submissions if s.period != period.id}:
        try:
            candidate = parse_period(period_id, config)
        except (ToolkitError, ValueError):
            continue
        if candidate.kind == period.kind and candidate.end > newest.end:
            newest = candidate
    return newest


@dataclass(frozen=True)
class Holders:
    """Who holds a task: `leads` decide its state, `cos` are fed back as 协办反馈.

    co_decide: the task has no lead unit, so its co-units were moved to `leads` and decide.
    """
    leads: tuple[str, ...]
    cos: tuple[str, ...]
    co_decide: bool = False
    named: tuple[str, ...] = ()    # the 责任分工 names, for the clerk's flag when nobody holds the task


def task_holders(ledger: Ledger, directory: Directory | None = None,
                 units: dict[str, list[tuple[str, str]]] | None = None) -> dict[str, Holders]:
    """Task id → Holders, from the same expansion issue and collect use (directory.unit_tasks).

    Without a directory: the raw names of 责任分工, else the task's parsed lead_units / co_units. A caller that
    has directory.unit_tasks(ledger, directory) at hand passes it as `units`.
    """
    if directory is None:
        raw = _raw_units_by_task(ledger)
    else:
        raw = _expanded_units_by_task(ledger, directory, units)
    named: dict[str, list[str]] = {}
    for a in ledger.assignments:
        named.setdefault(a.task_id, []).append(a.unit)
    holders = {}
    for task in ledger.tasks:
        if task.id in raw:
            leads, cos = raw[task.id]
        elif directory is None and task.id not in named:
            leads, cos = list(task.lead_units), list(task.co_units)
        else:
            leads, cos = [], []
        cos = [unit for unit in dict.fromkeys(cos) if unit not in leads]   # 主办 and 协办 → 主办 only
        leads = list(dict.fromkeys(leads))
        co_decide = not leads and bool(cos)
        if co_decide:
            leads, cos = cos, []
        holders[task.id] = Holders(tuple(leads), tuple(cos), co_decide,
                                   tuple(dict.fromkeys(named.get(task.id, task.units))))
    return holders


def _raw_units_by_task(ledger: Ledger) -> dict[str, tuple[list[str], list[str]]]:
    """Task id → (lead units, co-units) from 责任分工 as written, in its row order."""
    units: dict[str, tuple[list[str], list[str]]] = {}
    for a in ledger.assignments:
        leads, cos = units.setdefault(a.task_id, ([], []))
        if a.role == LEAD:
            leads.append(a.unit)
        elif a.role == CO:
            cos.append(a.unit)
    return units


def _expanded_units_by_task(ledger: Ledger, directory: Directory, held: dict[str, list[tuple[str, str]]] | None = None
                            ) -> dict[str, tuple[list[str], list[str]]]:
    """directory.unit_tasks (or `held`, the same) inverted: task id → (lead units, co-units), in 责任分工 row order."""
    from .directory import collective, unit_tasks

    rank: dict[tuple[str, str], int] = {}   # (task, unit) → where the unit first comes in the task's rows
    for a in ledger.assignments:
        group = collective(a.unit)
        if group is None:
            unit = directory.find(a.unit)
            rank.setdefault((a.task_id, unit.name if unit else a.unit), len(rank))
        elif not group.related_only:   # a collective: its units in directory order
            for unit in directory.of_category(group.category):
                rank.setdefault((a.task_id, unit.name), len(rank))
    units: dict[str, tuple[list[str], list[str]]] = {}
    for unit, tasks in (held if held is not None else unit_tasks(ledger, directory)).items():
        for task_id, role in tasks:
            leads, cos = units.setdefault(task_id, ([], []))
            (leads if role == LEAD else cos).append(unit)
    for task_id, (leads, cos) in units.items():
        leads.sort(key=lambda unit: rank.get((task_id, unit), len(rank)))
        cos.sort(key=lambda unit: rank.get((task_id, unit), len(rank)))
    return units


# -- one task -------------------------------------------------------------------------------------

@dataclass
class _Context:
    start: date          # window start
    due: date
    schedule: float      # 序时进度 at the period end
    period: Period
    config: Config


def _task_status(task: Task, ledger: Ledger, reports: _ReportIndex, period: Period,
                 config: Config, holders: Holders) -> TaskStatus:
    due = task_due(task, ledger, period.year)
    start = window_start(task, ledger, period.year)
    context = _Context(start, due, schedule_percent(start, due, period.end), period, config)
    leads, cos = list(holders.leads), list(holders.cos)
    lead_reports = reports.latest_of(task.id, leads)
    status = TaskStatus(schedule=context.schedule,
                        co_feedback=_co_feedback(reports.latest_of(task.id, cos), period))
    holder_flags = _holder_flags(holders)
    if not lead_reports:
        status.state = MISSING
        status.warning = _missing_warning(task, leads, reports, context)
        status.flags = holder_flags
        return status
    deciding = min(lead_reports, key=lambda r: _standing(r, context.schedule))
    _copy_texts(status, lead_reports, deciding)
    status.flags = holder_flags + _flags(lead_reports, reports, context)
    current = reports.any_within(task.id, leads, period.start, period.end)
    status.state = _state(deciding, context, current)
    status.warning = (_missing_warning(task, leads, reports, context)
                      if status.state == MISSING else _warning(status, context))
    return status


def task_due(task: Task, ledger: Ledger, fallback_year: int) -> date:
    """The approved 完成时限 of a 调整 request (issue 13), else task.due, else 31 December of the notice year (of
    fallback_year without a notice date)."""
    approved = approved_due(ledger, task.id)
    if approved is not None:
        return approved
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


def _holder_flags(holders: Holders) -> list[str]:
    if holders.co_decide:
        return [f"责任分工中本任务没有主办单位，状态按协办单位（{'、'.join(holders.leads)}）的报送判定；"
                f"请在台账“责任分工”表中指定主办单位。"]
    if not holders.leads:
        named = "、".join(holders.named) or "无"
        return [f"本任务没有可报送的责任单位（责任分工中为：{named}），无法判定进展；请在台账“责任分工”表中"
                f"逐一列出责任单位，或在单位名录中补全相应类别的单位。"]
    return []


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
