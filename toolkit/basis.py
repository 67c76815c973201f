"""What is known as of a period: the collections a circular's numbers rest on, and the period it compares with.

A period has data only through collections (`toolkit collect`), recorded per period in 报送情况. A circular for
period P rests on the collections whose period ends within P; when none ends within P but one overlaps it (a
week running past the end of a 旬), on that one, and the circular says so. Its numbers are evaluated as of the
last day of the data it rests on. It compares with the nearest earlier period of the same kind that has a
collection ending within it, never with a period that was not collected. A period with no such data, or that
ends before the notice date, gets no circular: BasisError says what to collect first.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from toolkit.errors import ToolkitError
from toolkit.periods import Period, parse_period

LOOK_BACK = 12     # periods of the same kind searched for a comparison


class BasisError(ToolkitError):
    """A circular that cannot be true (no data for the period): exit 2, nothing written."""


@dataclass(frozen=True)
class Basis:
    """The data a circular for `period` rests on."""
    period: Period                  # the circular's period
    collections: tuple[Period, ...]  # collected periods it rests on, oldest first
    evaluated: Period               # `period` with its end moved to the last day of data
    overlapping: bool = False       # the collections overlap the period but none ends within it

    @property
    def data_end(self) -> date:
        return self.evaluated.end


@dataclass(frozen=True)
class Comparison:
    """The earlier period a circular compares with, or none (then `skipped` tells what was not collected)."""
    basis: Basis | None
    skipped: tuple[Period, ...] = ()   # periods of the same kind between the two that had no collection


def collected_periods(ledger, config) -> list[Period]:
    """Every period that was collected (it has rows in 报送情况), oldest first."""
    found = {}
    for period_id in {s.period for s in ledger.submissions}:
        try:
            found[period_id] = parse_period(period_id, config)
        except (ToolkitError, ValueError):
            continue
    return sorted(found.values(), key=lambda p: (p.end, p.start))


def basis_of(period: Period, collected: list[Period], *, overlap: bool = True) -> Basis | None:
    """The collections `period` rests on; None when there are none."""
    within = [c for c in collected if period.start <= c.end <= period.end]
    overlapping = False
    if not within and overlap:
        within = [c for c in collected if c.start <= period.end and c.end >= period.start]
        overlapping = bool(within)
    if not within:
        return None
    data_end = max(c.end for c in within)
    evaluated = dataclasses.replace(period, end=data_end)
    return Basis(period, tuple(within), evaluated, overlapping)


def circular_basis(ledger, period: Period, config, issued=lambda period_id: False) -> Basis:
    """The basis of a circular for `period`, or BasisError saying why there can be none and what to do.

    `issued(period_id)` tells whether forms were issued for a period, so the message can name the
    collection that is missing.
    """
    notice_date = ledger.info.date
    if notice_date and period.end < notice_date:
        raise BasisError(f"{period.display}在通知印发日期（{_day(notice_date)}）之前，没有任何任务进展，"
                         f"不能生成通报。请给出通知印发以后的周期。")
    collected = collected_periods(ledger, config)
    basis = basis_of(period, collected)
    if basis is None:
        raise BasisError(_no_data_message(period, collected, issued))
    return basis


def comparison_for(basis: Basis, collected: list[Period], config) -> Comparison:
    """The nearest earlier period of the same kind with a collection ending within it."""
    skipped = []
    earlier = basis.period
    first_used = min(c.start for c in basis.collections)
    candidates = [c for c in collected if c.end < first_used]
    for _ in range(LOOK_BACK):
        earlier = earlier.previous(config)
        found = basis_of(earlier, candidates, overlap=False)
        if found is not None:
            return Comparison(found, tuple(reversed(skipped)))
        if not any(c.end < earlier.start for c in candidates):
            break
        skipped.append(earlier)
    return Comparison(None, tuple(reversed(skipped)))


def label(period: Period) -> str:
    """“2024年第12周（3月18日—3月24日）” → “第12周”; “2024年3月中旬（…）” → “3月中旬”."""
    text = period.display.split("（")[0]
    return text[5:] if text[:4].isdigit() and text[4] == "年" else text


def span(period: Period) -> str:
    """“3月18日—3月24日”: the dates inside the display's brackets."""
    return period.display.split("（", 1)[1].rstrip("）") if "（" in period.display else ""


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _no_data_message(period: Period, collected: list[Period], issued) -> str:
    inside = [p for p in _week_like_ids(period) if issued(p)]
    before = [c for c in collected if c.end < period.start]
    text = f"{period.display}内没有已回收的报送数据，不能生成通报（通报中的每个数字都须有回收数据为依据）。"
    if inside:
        text += f"该期已下发 {'、'.join(inside)} 的填报表，请先运行 toolkit collect {inside[0]} 回收。"
    else:
        text += f"请先下发并回收该期的填报表：toolkit issue {period.id}，收齐后运行 toolkit collect {period.id}。"
    if before:
        text += f"最近一次回收是{before[-1].display}，如需通报该期，请运行 toolkit circular {before[-1].id}。"
    return text


def _week_like_ids(period: Period) -> list[str]:
    """Ids of the period itself and of the ISO weeks ending within it (where forms may have been issued)."""
    from datetime import timedelta

    ids = [period.id]
    day = period.start
    while day <= period.end:
        if day.isoweekday() == 7:
            year, week, _ = day.isocalendar()
            ids.append(f"{year}-W{week:02d}")
        day += timedelta(days=1)
    return list(dict.fromkeys(ids))
