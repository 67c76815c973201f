"""What each unit's form holds, as plain rows: its tasks (主办 first, then 协办, each with last period's state and
text) and the indicators of the tasks it leads."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from toolkit.models import LEAD, Ledger
from toolkit.progress import last_reports


@dataclass(frozen=True)
class TaskRow:
    task_id: str
    text: str
    role: str                # 主办 | 协办
    leaders: str
    indicators: str          # the task's targets as text, one per line
    last_state: str = ""
    last_text: str = ""


@dataclass(frozen=True)
class IndicatorRow:
    indicator_id: str
    task_id: str
    phrase: str
    target: float | None
    unit: str
    current: float | None = None


@dataclass
class UnitForm:
    unit: str
    tasks: list[TaskRow]
    indicators: list[IndicatorRow]

    @property
    def lead_ids(self) -> list[str]:
        return [t.task_id for t in self.tasks if t.role == LEAD]

    @property
    def co_ids(self) -> list[str]:
        return [t.task_id for t in self.tasks if t.role != LEAD]


def plan_forms(ledger: Ledger, assignments: dict[str, list[tuple[str, str]]], period_start: date,
               period_end_of: Callable[[str], date]) -> list[UnitForm]:
    """One UnitForm per unit: its tasks (主办 first, then 协办, each in notice order) and lead indicators."""
    tasks = {t.id: t for t in ledger.tasks}
    order = {t.id: t.seq for t in ledger.tasks}
    reports = last_reports(ledger, period_start, period_end_of)
    indicators_by_task: dict[str, list] = {}
    for record in ledger.indicators:
        indicators_by_task.setdefault(record.task_id, []).append(record)

    shown = {t.id: ("、".join(t.leaders), _targets(t, indicators_by_task.get(t.id, []))) for t in ledger.tasks}
    made: dict[tuple, TaskRow] = {}     # equal rows are one object: the writer caches each row's XML by it
    forms = []
    for unit, held in assignments.items():
        held = [(tid, role) for tid, role in held if tid in tasks]
        held.sort(key=lambda item: (item[1] != LEAD, order.get(item[0], 0)))
        rows = [_task_row(tasks[tid], role, unit, ledger, reports, *shown[tid], made) for tid, role in held]
        indicator_rows = [IndicatorRow(r.id, r.task_id, r.phrase, r.target, r.unit, r.current)
                          for tid, role in held if role == LEAD for r in indicators_by_task.get(tid, [])]
        if rows:
            forms.append(UnitForm(unit, rows, indicator_rows))
    return forms


def _targets(task, indicators: list) -> str:
    """The task's targets as text, one per line: the ledger's indicator records, else the parsed ones."""
    return "\n".join(r.phrase for r in indicators) or "\n".join(i.phrase for i in task.indicators)


def _task_row(task, role: str, unit: str, ledger: Ledger, reports: dict, leaders: str, targets: str,
              made: dict[tuple, TaskRow]) -> TaskRow:
    report = reports.get((unit, task.id))
    if report is not None:
        state, text = report.state, report.text
    elif role == LEAD and _has_history(ledger.status.get(task.id)):
        status = ledger.status[task.id]
        state, text = status.state, status.latest
    else:
        state, text = "", ""
    key = (task.id, role, state or "", text or "")
    row = made.get(key)
    if row is None:
        row = made[key] = TaskRow(task.id, task.text, role, leaders, targets, state or "", text or "")
    return row


def _has_history(status) -> bool:
    """A fresh ledger says 未报送 for every task; that is no "last period" to show."""
    return status is not None and bool(status.last_period or status.latest)
