"""The steps of the 催报 ladder (pure): which step each unit not yet reported is at, the lines status prints, the
log entries and the notice numbers. toolkit.collect.ladder writes what they decide."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from toolkit.models import ReminderRecord

WAIT, REMIND, CHASE, NOTICE = "未到提醒时间", "提醒", "催报", "督办通知单"
_NUMBER = re.compile(r"〔(\d{4})〕(\d+)号")


def remind_from(period, config) -> datetime:
    """The start of the working day before the due date (by working days, so a Monday due reminds on Friday)."""
    from toolkit.periods import is_workday

    day = period.due.date() - timedelta(days=1)
    for _ in range(60):
        if is_workday(day, config):
            break
        day -= timedelta(days=1)
    return datetime.combine(day, time(0, 0))


def missed_previous(ledger, period, config) -> set[str]:
    """Units expected in the previous period of the same kind, which was collected, that did not report."""
    previous = period.previous(config).id
    return {s.unit for s in ledger.submissions if s.period == previous and s.expected and not s.reported}


def ladder_steps(outcome, ledger, period, config) -> dict[str, str]:
    """Each unit not yet reported → its step as of outcome.as_of."""
    missing = outcome.missing_units
    if outcome.as_of < remind_from(period, config):
        return {u: WAIT for u in missing}
    if outcome.as_of <= outcome.due:
        return {u: REMIND for u in missing}
    twice = missed_previous(ledger, period, config)
    return {u: NOTICE if u in twice else CHASE for u in missing}


def step_lines(outcome) -> list[str]:
    """“催报进度：…” lines for the status output."""
    groups: dict[str, list[str]] = {}
    for unit, step in outcome.steps.items():
        groups.setdefault(step, []).append(unit)
    lines = []
    if WAIT in groups:
        start = outcome.remind_from
        lines.append(f"催报进度：未到提醒时间（{start.month}月{start.day}日起，即截止前一个工作日，生成提醒）："
                     + "、".join(groups[WAIT]))
    if REMIND in groups:
        lines.append("催报进度：第一步 提醒（截止前）：" + "、".join(groups[REMIND]))
    if CHASE in groups:
        lines.append("催报进度：第二步 催报（已逾期，请电话联系）：" + "、".join(outcome.named(u) for u in groups[CHASE]))
    if NOTICE in groups:
        lines.append("催报进度：第三步 督办通知单（上期也未报送）：" + "、".join(outcome.named(u) for u in groups[NOTICE]))
    return lines


def new_records(outcome, log: list[ReminderRecord]) -> list[ReminderRecord]:
    """The 提醒 / 催报 entry this status produces, unless the same units were already logged at that step."""
    steps = set(outcome.steps.values()) - {WAIT, NOTICE}
    units = [u for u, s in outcome.steps.items() if s != WAIT]
    if not units:
        return []
    step = REMIND if REMIND in steps else CHASE
    done = {(r.period, r.step, tuple(sorted(r.units))) for r in log}
    if (outcome.period_id, step, tuple(sorted(units))) in done:
        return []
    return [ReminderRecord(outcome.as_of, outcome.period_id, step, units)]


def notice_number(log: list[ReminderRecord], period_id: str, unit: str, year: int) -> tuple[str, bool]:
    """The notice's number: the one logged before for this period and unit, else the year's next (督办〔2024〕3号)."""
    for record in log:
        if record.step == NOTICE and record.period == period_id and unit in record.units and record.number:
            return record.number, False
    used = [int(m.group(2)) for r in log if r.step == NOTICE and (m := _NUMBER.search(r.number))
            and int(m.group(1)) == year]
    return f"督办〔{year}〕{max(used, default=0) + 1}号", True
