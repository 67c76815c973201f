"""督查工作考核 (toolkit score): every point is an event a unit can check, and a score is the sum of its events.

A unit's score for a period is base + additions − deductions under inputs/toolkit.toml [scoring]. The events:

- 迟报 / 未报送: each collected period (rows in 报送情况) ending within the scored period, from 报送情况;
- 校验拒收: each row rejected in a collected period's 校验报告.xlsx (级别 错误 with a row number), capped per unit and
  collected period;
- 月末滞后 / 月末红色预警: each task a unit leads that is 滞后 / red at the end of a month, evaluated as the month's
  circular is (toolkit.basis: the collections the month rests on; a month without any costs nothing);
- 逾期未完成: a task past its 完成时限 and not done at the first month end with data after the deadline, once,
  from its lead units (overdue_lead) and co-units (overdue_co);
- 按时销号: a task closed (销号) on or before its 完成时限, to its lead units and co-units.

A period that was not collected costs nobody anything. Additions and deductions are multiplied by the weight of
the unit's 类别 in 单位名录; the base is not. Everything here is a pure function of the ledger, the history, the
collection reports' rejected rows and the closures, except read_rejected_rows and score_period, which read and
write the workspace.
"""
from __future__ import annotations

import calendar
import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable, Iterable

from toolkit.basis import Basis, basis_of, collected_periods, label as period_label
from toolkit.config import Config
from toolkit.errors import ToolkitError
from toolkit.models import Ledger, ScoreRecord, TaskStatus
from toolkit.periods import Period, month_period

BASE, LATE, MISSED, LAGGING, RED, OVERDUE, CLOSED, REJECTED = (
    "基础分", "迟报", "未报送", "月末滞后", "月末红色预警", "逾期未完成", "按时销号", "校验拒收")
RULES = (BASE, LATE, MISSED, LAGGING, RED, OVERDUE, CLOSED, REJECTED)
SCORE_FILE = "考核.xlsx"
SHOWN = 5      # units printed at the top and at the bottom


@dataclass(frozen=True)
class ScoreEvent:
    """One point (or fraction) in a unit's score, with where it comes from."""
    unit: str
    period: str          # the collected period, the month, or for the base the scored period
    rule: str            # one of RULES
    points: float        # signed, already multiplied by the unit's category weight
    task: str = ""
    source: str = ""     # the file, the 校验报告 row, the month-end evaluation, the review decision
    day: date | None = None   # when it happened: which scored period it belongs to


@dataclass(frozen=True)
class Closure:
    """A task closed (销号), as the lifecycle stage provides it from its approved 销号审核 decisions."""
    task_id: str
    unit: str            # the unit that applied
    closed_on: date
    source: str = ""     # the review decision, e.g. 销号审核第3行（同意）


@dataclass(frozen=True)
class RejectedRow:
    """A row a collection's 校验报告 rejected: 级别 错误 on a row of a returned file."""
    period: str
    unit: str
    file: str
    row: int             # the row in the returned workbook
    report_row: int      # the row of 校验报告.xlsx that says why
    code: str = ""


@dataclass
class UnitScore:
    unit: str
    category: str
    weight: float
    tasks: int           # tasks it leads
    marked: bool         # leads few tasks: one task weighs heavily
    events: list[ScoreEvent] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(e.points for e in self.events), 2)

    def by_rule(self) -> dict[str, float]:
        found = {rule: 0.0 for rule in RULES}
        for event in self.events:
            found[event.rule] = round(found[event.rule] + event.points, 2)
        return found


# ------------------------------------------------------------------------------------------ the events

def reporting_events(ledger: Ledger, collected: list[Period], within: Period, config: Config) -> list[ScoreEvent]:
    """迟报 and 未报送 per expected unit in each collected period ending within `within`."""
    rules = config.scoring
    ends = {p.id: p.end for p in collected if within.start <= p.end <= within.end}
    events = []
    for record in ledger.submissions:
        if record.period not in ends or not record.expected:
            continue
        if not record.reported:
            events.append(ScoreEvent(record.unit, record.period, MISSED, -rules.missed,
                                     source=f"报送情况：{record.period} 未报送", day=ends[record.period]))
        elif record.late:
            received = f"，{record.received:%Y-%m-%d %H:%M}收到" if record.received else ""
            events.append(ScoreEvent(record.unit, record.period, LATE, -rules.late,
                                     source=f"报送情况：{record.period} 迟报（{record.file}{received}）",
                                     day=ends[record.period]))
    return events


def rejected_events(rejected: Iterable[RejectedRow], collected: list[Period], within: Period,
                    config: Config) -> list[ScoreEvent]:
    """校验拒收: −rejected_row per rejected row, at most −rejected_cap per unit and collected period."""
    rules = config.scoring
    ends = {p.id: p.end for p in collected if within.start <= p.end <= within.end}
    events, taken = [], {}
    for row in rejected:
        if row.period not in ends or not row.unit:
            continue
        key = (row.unit, row.period)
        points = min(rules.rejected_row, max(0.0, rules.rejected_cap - taken.get(key, 0.0)))
        if points <= 0:
            continue
        taken[key] = round(taken.get(key, 0.0) + points, 6)
        events.append(ScoreEvent(row.unit, row.period, REJECTED, -points,
                                 source=f"{row.period}/校验报告.xlsx 第{row.report_row}行：{row.file} 第{row.row}行"
                                        f"{f'（{row.code}）' if row.code else ''}", day=ends[row.period]))
    return events


def month_bases(collected: list[Period], within: Period, config: Config) -> list[Basis]:
    """The months ending within `within` that rest on a collection, as the month's circular would."""
    bases = []
    year, month = within.start.year, within.start.month
    while date(year, month, calendar.monthrange(year, month)[1]) <= within.end:
        found = basis_of(month_period(year, month, config), collected)
        if found is not None:
            bases.append(found)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bases


def month_end_events(ledger: Ledger, basis: Basis, statuses: dict[str, TaskStatus], holders,
                     config: Config) -> list[ScoreEvent]:
    """月末滞后 and 月末红色预警 for every unit leading a task, at the month's end."""
    rules = config.scoring
    month, data = basis.period, basis.evaluated
    source = f"{period_label(month)}月末评价（数据截至{data.end.month}月{data.end.day}日）"
    events = []
    for task in ledger.tasks:
        status = statuses.get(task.id) or TaskStatus()
        for unit in named_units(holders[task.id].leads):
            if status.state == "滞后":
                events.append(ScoreEvent(unit, month.id, LAGGING, -rules.lagging, task.id, source, month.end))
            if status.warning == "红":
                events.append(ScoreEvent(unit, month.id, RED, -rules.red, task.id, source, month.end))
    return events


def overdue_events(ledger: Ledger, basis: Basis, since: date | None, statuses: dict[str, TaskStatus], holders,
                   closed: dict[str, date], config: Config) -> list[ScoreEvent]:
    """逾期未完成: tasks whose 完成时限 passed after `since` (the previous month end with data) and on or before
    this month's data end, not done and not closed by then."""
    from toolkit.progress import task_due

    rules = config.scoring
    month, data_end = basis.period, basis.data_end
    events = []
    for task in ledger.tasks:
        due = task_due(task, ledger, month.year)
        if not (due < data_end and (since is None or due >= since)):
            continue
        state = (statuses.get(task.id) or TaskStatus()).state
        if state == "已完成" or (task.id in closed and closed[task.id] <= data_end):
            continue
        source = f"完成时限{due.isoformat()}，{period_label(month)}月末评价为“{state}”"
        holder = holders[task.id]
        events += [ScoreEvent(u, month.id, OVERDUE, -rules.overdue_lead, task.id, source, month.end)
                   for u in named_units(holder.leads)]
        events += [ScoreEvent(u, month.id, OVERDUE, -rules.overdue_co, task.id, source, month.end)
                   for u in named_units(holder.cos)]
    return events


def closure_events(ledger: Ledger, closures: Iterable[Closure], within: Period, holders,
                   config: Config) -> list[ScoreEvent]:
    """按时销号: a task closed on or before its 完成时限 (within the scored period) credits its holders."""
    from toolkit.progress import task_due

    rules = config.scoring
    tasks = {t.id: t for t in ledger.tasks}
    events = []
    for closure in closures:
        task = tasks.get(closure.task_id)
        if task is None or not within.start <= closure.closed_on <= within.end:
            continue
        if closure.closed_on > task_due(task, ledger, closure.closed_on.year):
            continue
        source = f"销号{closure.closed_on.isoformat()}（{closure.unit}申请）{closure.source}"
        holder = holders[task.id]
        events += [ScoreEvent(u, within.id, CLOSED, rules.closed_lead, task.id, source, closure.closed_on)
                   for u in named_units(holder.leads)]
        events += [ScoreEvent(u, within.id, CLOSED, rules.closed_co, task.id, source, closure.closed_on)
                   for u in named_units(holder.cos)]
    return events


def named_units(units: Iterable[str]) -> list[str]:
    """Real units only: a collective name (各镇街) left unexpanded without a directory is never scored."""
    from toolkit.directory import collective
    return [u for u in units if not collective(u)]


def period_events(ledger: Ledger, period: Period, config: Config, holders, *,
                  rejected: Iterable[RejectedRow] = (), closures: Iterable[Closure] = (),
                  evaluate_at: Callable[[Basis], dict[str, TaskStatus]] | None = None) -> list[ScoreEvent]:
    """Every event (without the base) that happened within `period`, unweighted.

    `evaluate_at(basis)` gives the task statuses at a month's end (default: progress.evaluate at the basis).
    `closures` come from the lifecycle stage (its approved 销号); none by default.
    """
    from toolkit import progress

    if evaluate_at is None:
        def evaluate_at(basis):
            return progress.evaluate(ledger, basis.evaluated, config, holders=holders)
    collected = collected_periods(ledger, config)
    closures = list(closures)
    closed = {c.task_id: c.closed_on for c in sorted(closures, key=lambda c: c.closed_on, reverse=True)}
    events = reporting_events(ledger, collected, period, config)
    events += rejected_events(rejected, collected, period, config)
    for basis in month_bases(collected, period, config):
        statuses = evaluate_at(basis)
        events += month_end_events(ledger, basis, statuses, holders, config)
        events += overdue_events(ledger, basis, previous_data_end(basis, collected, config), statuses, holders,
                                 closed, config)
    events += closure_events(ledger, closures, period, holders, config)
    return events


def previous_data_end(basis: Basis, collected: list[Period], config: Config) -> date | None:
    """The data end of the nearest earlier month of the same year resting on a collection (None: the first)."""
    month = basis.period
    while month.start.month > 1:
        month = month.previous(config)
        found = basis_of(month, collected)
        if found is not None:
            return found.data_end
    return None


# ------------------------------------------------------------------------------------------ the scores

def unit_scores(ledger: Ledger, period: Period, config: Config, directory=None, *, holders=None,
                rejected: Iterable[RejectedRow] = (), closures: Iterable[Closure] = (),
                evaluate_at: Callable[[Basis], dict[str, TaskStatus]] | None = None) -> list[UnitScore]:
    """Every unit holding a task or expected to report, with its events for `period`, best score first."""
    from toolkit.progress import task_holders

    holders = holders or task_holders(ledger, directory)
    rules = config.scoring
    led: dict[str, int] = {}
    for task in ledger.tasks:
        for unit in named_units(holders[task.id].leads):
            led[unit] = led.get(unit, 0) + 1
        for unit in named_units(holders[task.id].cos):
            led.setdefault(unit, 0)
    for record in ledger.submissions:
        if record.expected:
            led.setdefault(record.unit, 0)
    scores = {}
    for unit, tasks in led.items():
        found = directory.find(unit) if directory is not None else None
        category = found.category if found else "其他"
        scores[unit] = UnitScore(unit, category, rules.weight(category), tasks, 0 < tasks <= rules.few_tasks,
                                 [ScoreEvent(unit, period.id, BASE, rules.base, source="基础分", day=period.start)])
    for event in period_events(ledger, period, config, holders, rejected=rejected, closures=closures,
                               evaluate_at=evaluate_at):
        score = scores.get(event.unit)
        if score is not None:
            weighted = round(event.points * score.weight, 4)
            score.events.append(event if weighted == event.points else dataclasses.replace(
                event, points=weighted, source=f"{event.source}（×{score.weight:g}）"))
    return ranked(list(scores.values()))


def ranked(scores: list[UnitScore]) -> list[UnitScore]:
    return sorted(scores, key=lambda s: (-s.total, -s.tasks, s.unit))


def ranks(scores: list[UnitScore]) -> list[int]:
    """Competition ranks: equal totals share a rank (1, 1, 3)."""
    result, previous, rank = [], None, 0
    for position, score in enumerate(scores, 1):
        if score.total != previous:
            rank, previous = position, score.total
        result.append(rank)
    return result


def score_records(scores: list[UnitScore], until: date) -> list[ScoreRecord]:
    """The ledger's 考核 rows."""
    return [ScoreRecord(s.unit, s.category, s.tasks, s.total, {r: v for r, v in s.by_rule().items()},
                        len(s.events), until, s.marked) for s in scores]


# ------------------------------------------------------------------------------------------ the workspace

def read_rejected_rows(ws, period_ids: Iterable[str]) -> list[RejectedRow]:
    """Rows rejected in outputs/<PERIOD>/校验报告.xlsx (级别 错误 with a row number), one per (file, sheet, row)."""
    from python_calamine import CalamineWorkbook

    from toolkit.collect.reports import REPORT_NAME

    found = []
    for period_id in period_ids:
        path = ws.period_dir(period_id) / REPORT_NAME
        if not path.exists():
            continue
        try:
            rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("校验报告").to_python()
        except Exception as exc:  # noqa: BLE001 — a clerk's damaged copy: say which file
            raise ToolkitError(f"校验报告 {path} 无法读取（{exc}）。请重新运行 toolkit collect {period_id} 生成。") from exc
        found += _rejected_in(period_id, rows)
    return found


def _rejected_in(period_id: str, rows: list[list]) -> list[RejectedRow]:
    from toolkit.checks import ERROR

    if not rows:
        return []
    header = [str(c).strip() for c in rows[0]]
    column = {name: header.index(name) for name in ("文件", "单位", "工作表", "行", "代码", "级别") if name in header}
    if len(column) < 6:
        return []
    seen, found = set(), []
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: row[i] if i < len(row) else "" for name, i in column.items()}
        if str(cells["级别"]).strip() != ERROR or cells["行"] in ("", None):
            continue
        try:
            line = int(float(cells["行"]))
        except (TypeError, ValueError):
            continue
        key = (str(cells["文件"]), str(cells["工作表"]), line)
        if key in seen:
            continue
        seen.add(key)
        found.append(RejectedRow(period_id, str(cells["单位"]).strip(), str(cells["文件"]), line, number,
                                 str(cells["代码"])))
    return found


@dataclass
class ScoreOutcome:
    period: Period
    scores: list[UnitScore]
    file: str
    year_file: str = ""

    @property
    def exit_code(self) -> int:
        return 0

    def lines(self) -> list[str]:
        shown = self.scores
        places = ranks(shown)
        marked = sum(s.marked for s in shown)

        def listed(pairs) -> str:
            return "、".join(f"{places[i]}. {s.unit}{'*' if s.marked else ''} {s.total:g}" for i, s in pairs)

        lines = [f"{self.period.display}考核：{len(shown)} 个单位，扣加分记录 "
                 f"{sum(len(s.events) - 1 for s in shown)} 条。"]
        if shown:
            lines.append("得分最高：" + listed(list(enumerate(shown))[:SHOWN]))
            lines.append("得分最低：" + listed(list(enumerate(shown))[-SHOWN:][::-1]))
        if marked:
            lines.append(f"标 * 的 {marked} 个单位主办任务不多，得分受个别任务影响较大。")
        lines.append(f"已生成：{self.file}（各单位得分、按规则分项和每一条扣加分记录）")
        if self.year_file:
            lines.append(f"台账“考核”表已更新为{self.year_file}。")
        return lines


def approved_closures(ledger: Ledger) -> list[Closure]:
    """The 销号 the office approved (销号审核 同意, not 撤销), each closed at the end of the period it was applied in."""
    from toolkit.lifecycle import AGREE, valid_closures
    from toolkit.periods import period_end_of

    found = []
    for application in valid_closures(ledger):
        if application.decision != AGREE:
            continue
        try:
            closed_on = period_end_of(application.period)
        except (ToolkitError, ValueError):
            continue
        row = f"第{application.excel_row}行" if application.excel_row else ""
        found.append(Closure(application.task_id, application.unit, closed_on, f"销号审核{row}（同意）"))
    return found


def score_period(ws, period_text: str, closures: Iterable[Closure] | None = None) -> ScoreOutcome:
    """`toolkit score PERIOD`: outputs/<PERIOD>/考核.xlsx and the ledger's 考核 sheet (the running year).

    `closures`: the tasks closed (销号); by default the ones approved in the ledger's 销号审核.
    """
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import SCORE_SHEET, history_start, ledger_lock, load_ledger, save_small_tables
    from toolkit.periods import parse_period, report_period
    from toolkit.progress import task_holders

    config = load_config(ws)
    period = parse_period(period_text, config, reporting=True)
    year = report_period("年", period.year, 0, config)
    with ledger_lock(ws):
        ledger = load_ledger(ws, since=history_start(month_period(period.year, 1, config), config))
        directory = load_directory(ws)
        collected = collected_periods(ledger, config)
        if basis_of(period, collected) is None:
            raise ToolkitError(f"{period.display}内没有已回收的报送数据，无法考核（没有回收的周期不计分）。"
                               f"请先回收该期的填报表（toolkit collect …）。")
        holders = task_holders(ledger, directory)
        rejected = read_rejected_rows(ws, [p.id for p in collected if p.end.year == period.year])
        closures = approved_closures(ledger) if closures is None else list(closures)

        def scores_for(chosen: Period) -> list[UnitScore]:
            return unit_scores(ledger, chosen, config, directory, holders=holders, rejected=rejected, closures=closures)

        scores = scores_for(period)
        out = ws.period_dir(period.id) / SCORE_FILE
        write_score_book(out, period, scores)
        year_scores = scores if period.id == year.id else scores_for(year)
        until = max((p.end for p in collected if p.end <= year.end), default=year.end)
        ledger.scores = score_records(year_scores, until)
        save_small_tables(ws, ledger, [SCORE_SHEET])
    return ScoreOutcome(period, scores, _shown(ws, out), f"{year.year}年累计（数据截至{until.month}月{until.day}日）")


def _shown(ws, path) -> str:
    return path.relative_to(ws.root).as_posix() if path.is_relative_to(ws.root) else str(path)


def write_score_book(path, period: Period, scores: list[UnitScore]) -> None:
    """考核.xlsx: 考核得分 (rank, unit, total, points by rule) and 扣加分明细 (every event)."""
    from toolkit.sheets import write_table_workbook

    places = ranks(scores)
    totals = [[places[i], s.unit + ("*" if s.marked else ""), s.category, s.weight, s.tasks, s.total,
               *s.by_rule().values(), len(s.events)] for i, s in enumerate(scores)]
    events = [[e.unit, e.period, e.rule, e.points, e.task, e.source, e.day]
              for s in scores for e in s.events]
    write_table_workbook(path, [
        ("考核得分", ["名次", "单位", "类别", "权重", "主办任务", "得分", *RULES, "记录条数"], totals),
        ("扣加分明细", ["单位", "期次", "规则", "分值", "任务序号", "出处", "日期"], events),
        ("说明", ["项目", "内容"], [["考核期", period.display], ["生成时间", datetime.now().replace(microsecond=0)],
                                ["计分办法", "得分 = 基础分 + 加分 − 减分，每一分都是“扣加分明细”中的一行；"
                                          "分值按 inputs/toolkit.toml 的 [scoring]。没有回收的周期不计分。"
                                          "单位名称后标 * 的，主办任务不多，得分受个别任务影响较大。"]]),
    ])
