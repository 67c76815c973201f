"""Merging accepted rows into the ledger: 进展记录 (no duplicates) and 报送情况."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable


def merge_rows(ledger, records: list) -> int:
    """Append accepted rows to 进展记录 unless the same (period, unit, task, sha256) is already there."""
    periods = {r.period for r in records}
    seen = {(r.period, r.unit, r.task_id, r.sha256) for r in ledger.progress if r.period in periods}
    keys = [(r.period, r.unit, r.task_id, r.sha256) for r in records]
    if not seen and len(set(keys)) == len(keys):       # the usual first collection of a period: all new
        ledger.progress.extend(records)
        return len(records)
    added = 0
    for key, record in zip(keys, records):
        if key in seen:
            continue
        seen.add(key)
        ledger.progress.append(record)
        added += 1
    return added


def update_submissions(ledger, period_id: str, expected_units: Iterable[str], verdicts: list) -> None:
    """报送情况 for the period: every unit with tasks is expected; reported = has accepted rows in 进展记录.

    报送时间 is the first accepted file's time (a later correction does not make a unit late);
    问题数 counts this run's problems of the unit's files (kept from an earlier run for units not seen now).
    """
    from toolkit.models import SubmissionRecord

    previous = {s.unit: s for s in ledger.submissions if s.period == period_id}
    accepted = [r for r in ledger.progress if r.period == period_id]
    first: dict[str, object] = {}
    for record in sorted(accepted, key=lambda r: (r.received or datetime.max)):
        first.setdefault(record.unit, record)
    problems_now: dict[str, int] = {}
    for verdict in verdicts:
        if verdict.unit:
            problems_now[verdict.unit] = problems_now.get(verdict.unit, 0) + len(verdict.problems)
    units = list(dict.fromkeys([*expected_units, *first]))
    expected = set(expected_units)
    rows = []
    for unit in units:
        record = first.get(unit)
        old = previous.get(unit)
        rows.append(SubmissionRecord(
            period=period_id, unit=unit, expected=unit in expected, reported=record is not None,
            received=record.received if record else None, late=bool(record and record.late),
            problems=problems_now.get(unit, old.problems if old else 0),
            file=record.file if record else ""))
    ledger.submissions = [s for s in ledger.submissions if s.period != period_id] + rows
