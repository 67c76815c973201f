"""toolkit.periods: ids, bounds, display, due dates on working days, 序时进度."""
from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import date, datetime, time

import pytest

from toolkit import periods
from toolkit.config import Config, DueConfig, HolidayYear
from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.periods import (is_workday, next_workday, parse_period, period_containing, period_end_of,
                             periods_of_year, schedule_percent)

CONFIG = Config()


@pytest.fixture(autouse=True)
def fresh_year_warnings(monkeypatch):
    """The unknown-year warning is given once per process; let every test see it afresh."""
    monkeypatch.setattr(periods, "_warned_years", set())


@pytest.mark.parametrize("text, expected_id", [
    ("2024-W12", "2024-W12"),
    ("2024-03上旬", "2024-03上旬"),
    ("2024-03", "2024-03"),
    ("2024年第12周", "2024-W12"),
    ("2024年3月上旬", "2024-03上旬"),
    ("2024年3月", "2024-03"),
    ("２０２４年３月中旬", "2024-03中旬"),   # full-width digits typed with a Chinese IME
    (" 2024-w7 ", "2024-W07"),
])
def test_all_input_forms_parse(text, expected_id):
    assert parse_period(text, CONFIG).id == expected_id


def test_week_bounds_display_and_due():
    week = parse_period("2024-W12", CONFIG)
    assert (week.kind, week.start, week.end) == ("周", date(2024, 3, 18), date(2024, 3, 24))
    assert week.display == "2024年第12周（3月18日—3月24日）"
    assert week.due == datetime(2024, 3, 21, 17, 0)   # Thursday 17:00
    assert week.year == 2024


def test_xun_and_month_display():
    assert parse_period("2024-03上旬", CONFIG).display == "2024年3月上旬（3月1日—3月10日）"
    month = parse_period("2024-03", CONFIG)
    assert month.display == "2024年3月（3月1日—3月31日）"
    assert (month.start, month.end) == (date(2024, 3, 1), date(2024, 3, 31))
    assert month.due == datetime(2024, 3, 25, 17, 0)


def test_2024_w01_starts_on_new_year():
    assert parse_period("2024-W01", CONFIG).start == date(2024, 1, 1)


def test_2026_has_week_53_and_2024_has_not():
    w53 = parse_period("2026-W53", CONFIG)
    assert (w53.start, w53.end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert w53.display == "2026年第53周（12月28日—2027年1月3日）"
    assert w53.year == 2026
    assert len(periods_of_year(2026, "周", CONFIG)) == 53
    with pytest.raises(ToolkitError) as caught:
        parse_period("2024-W53", CONFIG)
    assert "2024年只有52周" in caught.value.message and "2024-W52" in caught.value.message


def test_leap_february_last_xun():
    xun = parse_period("2024-02下旬", CONFIG)
    assert (xun.start, xun.end) == (date(2024, 2, 21), date(2024, 2, 29))
    assert parse_period("2023-02下旬", CONFIG).end == date(2023, 2, 28)


@pytest.mark.parametrize("text", ["2024-13", "2024年第0周", "W12", "2024-03末旬", "三月", ""])
def test_bad_text_lists_accepted_forms(text):
    with pytest.raises(ToolkitError) as caught:
        parse_period(text, CONFIG)
    assert f"“{text}”" in caught.value.message


def test_unrecognised_text_names_every_form():
    with pytest.raises(ToolkitError) as caught:
        parse_period("上周", CONFIG)
    for form in ("2024-W12", "2024-03上旬", "2024-03", "2024年第12周", "2024年3月上旬", "2024年3月"):
        assert form in caught.value.message


def test_national_day_moves_week_due_to_october_8():
    week = parse_period("2024-W40", CONFIG)          # Thursday 2024-10-03 is a holiday
    assert week.due == datetime(2024, 10, 8, 17, 0)  # 10-01..10-07 off, 10-08 Tuesday


def test_adjusted_saturday_is_a_workday():
    assert date(2024, 10, 12).weekday() == 5 and is_workday(date(2024, 10, 12), CONFIG)
    assert date(2024, 9, 29).weekday() == 6 and is_workday(date(2024, 9, 29), CONFIG)
    assert not is_workday(date(2024, 10, 13), CONFIG)     # an ordinary Sunday
    assert next_workday(date(2024, 10, 12), CONFIG) == date(2024, 10, 12)


def test_xun_due_on_adjusted_sunday():
    # 2024-09中旬 ends on Friday 09-20; 上旬 of 2024-02 ends Saturday 02-10, inside the Spring Festival break
    assert parse_period("2024-09中旬", CONFIG).due == datetime(2024, 9, 20, 17, 0)
    assert parse_period("2024-02上旬", CONFIG).due == datetime(2024, 2, 18, 17, 0)   # 02-18 Sunday 调休


def test_due_rules_follow_config():
    config = replace(CONFIG, due=DueConfig(week_weekday=2, week_time=time(12, 0), month_day=31,
                                           month_next=False))
    assert parse_period("2024-W12", config).due == datetime(2024, 3, 19, 12, 0)
    assert parse_period("2023-02", config).due == datetime(2023, 2, 28, 17, 0)   # 31 → last day
    next_month = replace(CONFIG, due=DueConfig(month_day=5, month_next=True))
    assert parse_period("2024-12", next_month).due == datetime(2025, 1, 6, 17, 0)  # 01-05 is a Sunday


def test_2027_falls_back_to_weekends_with_a_warning():
    with pytest.warns(ToolkitWarning, match=r"(?s)2027年.*\[holidays\.2027\]"):
        assert not is_workday(date(2027, 1, 2), CONFIG)   # Saturday
    assert is_workday(date(2027, 1, 1), CONFIG)              # Friday: weekends only
    with warnings.catch_warnings():
        warnings.simplefilter("error")                        # once per year, not on every date
        assert parse_period("2027-W01", CONFIG).due == datetime(2027, 1, 7, 17, 0)


def test_holidays_table_for_2027_is_honoured():
    config = replace(CONFIG, holidays={2027: HolidayYear(
        holidays=frozenset({date(2027, 1, 1)}), workdays=frozenset({date(2027, 2, 6)}))})
    with warnings.catch_warnings():
        warnings.simplefilter("error")                        # no unknown-year warning
        assert not is_workday(date(2027, 1, 1), config)
        assert is_workday(date(2027, 2, 6), config)           # a Saturday made a working day
        assert next_workday(date(2027, 1, 1), config) == date(2027, 1, 4)


@pytest.mark.parametrize("kind, day, expected", [
    ("周", date(2024, 3, 20), "2024-W12"),
    ("周", date(2024, 12, 30), "2025-W01"),
    ("旬", date(2024, 3, 10), "2024-03上旬"),
    ("旬", date(2024, 3, 11), "2024-03中旬"),
    ("旬", date(2024, 3, 31), "2024-03下旬"),
    ("月", date(2024, 2, 29), "2024-02"),
])
def test_period_containing_each_kind(kind, day, expected):
    found = period_containing(day, kind, CONFIG)
    assert found.id == expected and found.start <= day <= found.end


def test_period_containing_rejects_unknown_kind():
    with pytest.raises(ToolkitError, match="周、旬 或 月"):
        period_containing(date(2024, 3, 1), "季", CONFIG)


@pytest.mark.parametrize("current, previous", [
    ("2024-W01", "2023-W52"),
    ("2024-01上旬", "2023-12下旬"),
    ("2024-01", "2023-12"),
    ("2027-W01", "2026-W53"),
    ("2024-03中旬", "2024-03上旬"),
])
def test_previous_across_year_boundaries(current, previous):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        assert parse_period(current, CONFIG).previous(CONFIG).id == previous


@pytest.mark.parametrize("kind, count", [("周", 52), ("旬", 36), ("月", 12)])
def test_periods_of_year_tile_the_year(kind, count):
    found = periods_of_year(2024, kind, CONFIG)
    assert len(found) == count
    for before, after in zip(found, found[1:]):
        assert (after.start - before.end).days == 1
    if kind != "周":
        assert found[0].start == date(2024, 1, 1) and found[-1].end == date(2024, 12, 31)


def test_period_end_of_needs_no_config():
    assert period_end_of("2024-W12") == date(2024, 3, 24)
    assert period_end_of("2024-02下旬") == date(2024, 2, 29)
    assert period_end_of("2024年3月") == date(2024, 3, 31)


def test_schedule_percent():
    start, deadline = date(2024, 1, 1), date(2024, 12, 31)
    assert schedule_percent(start, deadline, date(2023, 12, 31)) == 0.0
    assert schedule_percent(start, deadline, date(2024, 1, 1)) == 0.3     # 1 of 366 days
    assert schedule_percent(start, deadline, date(2024, 6, 30)) == 49.7   # 182 / 366
    assert schedule_percent(start, deadline, deadline) == 100.0
    assert schedule_percent(start, deadline, date(2025, 3, 1)) == 100.0
    assert schedule_percent(date(2024, 1, 12), date(2024, 6, 30), date(2024, 3, 31)) == 46.8  # 80 / 171
