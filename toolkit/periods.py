"""Reporting periods: ISO weeks, 旬 and months (DESIGN §5), and the report periods 半年, 前几季度 and 全年.

Canonical ids are `2024-W12`, `2024-03上旬` / `2024-03中旬` / `2024-03下旬` and `2024-03`; input also accepts
`2024年第12周`, `2024年3月上旬` and `2024年3月` (full-width digits too). Report periods (`2024-H1` 上半年,
`2024-Q3` 前三季度 — quarters count from 1 January —, `2024` 全年; also `2024年上半年`, `2024年前三季度`,
`2024年`) are views for circulars and scores, never collection periods: parse_period accepts them only with
reporting=True. A period's due date-time follows
Config.due and is then moved to the next working day. Working days come from the clerk's [holidays] table
for a year listed there, else from chinese_calendar (2004–2026), else weekends only with a warning.
"""
from __future__ import annotations

import calendar
import functools
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .config import Config
from .errors import ToolkitError, ToolkitWarning

WEEK, XUN, MONTH = "周", "旬", "月"
HALF, QUARTERS, YEAR = "半年", "季度", "年"
KINDS = (WEEK, XUN, MONTH)
REPORT_KINDS = (HALF, QUARTERS, YEAR)
QUARTER_NAMES = {1: "一季度", 2: "前两季度", 3: "前三季度", 4: "前四季度"}
CN_COUNTS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
XUN_PARTS = ("上", "中", "下")
_KIND_ALIASES = {"周": WEEK, "week": WEEK, "w": WEEK, "旬": XUN, "xun": XUN,
                 "月": MONTH, "month": MONTH, "m": MONTH, HALF: HALF, QUARTERS: QUARTERS, YEAR: YEAR}

ACCEPTED_FORMS = ("2024-W12（第12周）", "2024-03上旬 / 2024-03中旬 / 2024-03下旬", "2024-03（3月）",
                  "2024年第12周", "2024年3月上旬", "2024年3月")
REPORT_FORMS = ("2024-H1 / 2024年上半年", "2024-Q3 / 2024年前三季度", "2024 / 2024年（全年）")

_WEEK_ID = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
_XUN_ID = re.compile(r"(\d{4})-(\d{1,2})([上中下])旬")
_MONTH_ID = re.compile(r"(\d{4})-(\d{1,2})")
_WEEK_CN = re.compile(r"(\d{4})年第(\d{1,2})周")
_XUN_CN = re.compile(r"(\d{4})年(\d{1,2})月([上中下])旬")
_MONTH_CN = re.compile(r"(\d{4})年(\d{1,2})月(份)?")
_HALF_ID = re.compile(r"(\d{4})-?H([12])", re.IGNORECASE)
_HALF_CN = re.compile(r"(\d{4})年([上下])半年")
_QUARTER_ID = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)
_QUARTER_CN = re.compile(r"(\d{4})年(?:前([一二两三四])季度|([一])季度)")
_YEAR = re.compile(r"(\d{4})(?:年(?:全年|度)?)?")


@dataclass(frozen=True)
class Period:
    kind: str            # "周" | "旬" | "月"
    id: str              # canonical id, also the folder name
    start: date
    end: date
    display: str         # "2024年第12周（3月18日—3月24日）"
    due: datetime        # after the move to a working day

    @property
    def year(self) -> int:
        """The year the period belongs to (ISO year for weeks)."""
        return int(self.id[:4])

    def previous(self, config: Config) -> "Period":
        return period_containing(self.start - timedelta(days=1), self.kind, config)

    def next(self, config: Config) -> "Period":
        return period_containing(self.end + timedelta(days=1), self.kind, config)

    def __str__(self) -> str:
        return self.id


# -- parsing --------------------------------------------------------------------------------------

def parse_period(text: str, config: Config, reporting: bool = False) -> Period:
    """The period a clerk wrote; report periods (半年, 前几季度, 全年) only with `reporting`."""
    kind, year, number, part = _parse_parts(text)
    if kind in REPORT_KINDS:
        if not reporting:
            raise ToolkitError(f"“{text}”是汇总报告期，只能用于 toolkit circular 和 toolkit score；下发、回收和报送"
                               f"情况请给出周、旬或月，如 {year}-W12、{year}-03上旬、{year}-03。")
        return report_period(kind, year, number, config)
    if kind == WEEK:
        return week_period(year, number, config)
    if kind == XUN:
        return xun_period(year, number, part, config)
    return month_period(year, number, config)


@functools.lru_cache(maxsize=4096)
def period_end_of(period_id: str) -> date:
    """The last day of a period, without config (cheap; used to order records)."""
    kind, year, number, part = _parse_parts(period_id)
    return _bounds(kind, year, number, part)[1]


def _parse_parts(text: str) -> tuple[str, int, int, str]:
    """(kind, year, week-or-month number, 旬 part) of a period text; raises ToolkitError."""
    clean = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    for pattern, kind in ((_WEEK_ID, WEEK), (_WEEK_CN, WEEK), (_XUN_ID, XUN), (_XUN_CN, XUN),
                          (_MONTH_ID, MONTH), (_MONTH_CN, MONTH)):
        found = pattern.fullmatch(clean)
        if found:
            year, number = int(found.group(1)), int(found.group(2))
            part = found.group(3) if kind == XUN else ""
            _check_number(text, kind, year, number)
            return kind, year, number, part
    report = _report_parts(clean)
    if report is not None:
        return report
    raise ToolkitError(f"无法识别报送期“{text}”。可用的写法：{'；'.join(ACCEPTED_FORMS)}；"
                       f"汇总报告期：{'；'.join(REPORT_FORMS)}。")


def _report_parts(clean: str) -> tuple[str, int, int, str] | None:
    for pattern, kind in ((_HALF_ID, HALF), (_QUARTER_ID, QUARTERS)):
        found = pattern.fullmatch(clean)
        if found:
            return kind, int(found.group(1)), int(found.group(2)), ""
    found = _HALF_CN.fullmatch(clean)
    if found:
        return HALF, int(found.group(1)), 1 if found.group(2) == "上" else 2, ""
    found = _QUARTER_CN.fullmatch(clean)
    if found:
        return QUARTERS, int(found.group(1)), CN_COUNTS[found.group(2) or found.group(3)], ""
    found = _YEAR.fullmatch(clean)
    if found:
        return YEAR, int(found.group(1)), 0, ""
    return None


def _check_number(text: str, kind: str, year: int, number: int) -> None:
    if kind == WEEK:
        weeks = weeks_in_year(year)
        if not 1 <= number <= weeks:
            raise ToolkitError(f"报送期“{text}”不存在：{year}年只有{weeks}周（按 ISO 周计，周一至周日），"
                               f"请写 {year}-W01 至 {year}-W{weeks:02d}。")
    elif not 1 <= number <= 12:
        raise ToolkitError(f"报送期“{text}”中的月份 {number} 不存在，月份应为 1–12。")


def weeks_in_year(year: int) -> int:
    """52 or 53: the ISO week of 28 December is always the year's last week."""
    return date(year, 12, 28).isocalendar().week


# -- construction ---------------------------------------------------------------------------------

def _bounds(kind: str, year: int, number: int, part: str = "") -> tuple[date, date]:
    if kind in REPORT_KINDS:
        last_month = {HALF: 6 * number, QUARTERS: 3 * number, YEAR: 12}[kind]
        first_month = 7 if kind == HALF and number == 2 else 1
        return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])
    if kind == WEEK:
        start = date.fromisocalendar(year, number, 1)
        return start, start + timedelta(days=6)
    last_day = calendar.monthrange(year, number)[1]
    if kind == MONTH:
        return date(year, number, 1), date(year, number, last_day)
    first, last = {"上": (1, 10), "中": (11, 20), "下": (21, last_day)}[part]
    return date(year, number, first), date(year, number, last)


def week_period(year: int, week: int, config: Config) -> Period:
    _check_number(f"{year}-W{week:02d}", WEEK, year, week)
    start, end = _bounds(WEEK, year, week)
    due_day = start + timedelta(days=config.due.week_weekday - 1)
    return Period(kind=WEEK, id=f"{year}-W{week:02d}", start=start, end=end,
                  display=f"{year}年第{week}周（{_span(start, end, year)}）",
                  due=_due(due_day, config.due.week_time, config))


def xun_period(year: int, month: int, part: str, config: Config) -> Period:
    part = part.rstrip("旬")
    if part not in XUN_PARTS:
        raise ToolkitError(f"旬只能是 上旬、中旬 或 下旬，现为“{part}”。")
    start, end = _bounds(XUN, year, month, part)
    return Period(kind=XUN, id=f"{year}-{month:02d}{part}旬", start=start, end=end,
                  display=f"{year}年{month}月{part}旬（{_span(start, end, year)}）",
                  due=_due(end, config.due.xun_time, config))


def month_period(year: int, month: int, config: Config) -> Period:
    start, end = _bounds(MONTH, year, month)
    return Period(kind=MONTH, id=f"{year}-{month:02d}", start=start, end=end,
                  display=f"{year}年{month}月（{_span(start, end, year)}）",
                  due=_due(_month_due_day(year, month, config), config.due.month_time, config))


def report_period(kind: str, year: int, number: int, config: Config) -> Period:
    """上半年 2024-H1, 前三季度 2024-Q3, 全年 2024: due on their last day (they are never collected)."""
    start, end = _bounds(kind, year, number)
    if kind == HALF:
        period_id, name = f"{year}-H{number}", "上半年" if number == 1 else "下半年"
    elif kind == QUARTERS:
        period_id, name = f"{year}-Q{number}", QUARTER_NAMES[number]
    else:
        period_id, name = str(year), "全年"
    return Period(kind=kind, id=period_id, start=start, end=end, display=f"{year}年{name}（{_span(start, end, year)}）",
                  due=_due(end, config.due.month_time, config))


def _month_due_day(year: int, month: int, config: Config) -> date:
    if config.due.month_next:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    day = min(config.due.month_day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _span(start: date, end: date, year: int) -> str:
    return f"{_day_text(start, year)}—{_day_text(end, year)}"


def _day_text(d: date, year: int) -> str:
    # a week straddling New Year shows the year of the day that is not the period's year
    prefix = f"{d.year}年" if d.year != year else ""
    return f"{prefix}{d.month}月{d.day}日"


def _due(day: date, at, config: Config) -> datetime:
    return datetime.combine(next_workday(day, config), at)


def period_containing(d: date, kind: str, config: Config) -> Period:
    kind = _kind(kind)
    if kind in REPORT_KINDS:
        number = {HALF: 1 if d.month <= 6 else 2, QUARTERS: (d.month + 2) // 3, YEAR: 0}[kind]
        return report_period(kind, d.year, number, config)
    if kind == WEEK:
        iso = d.isocalendar()
        return week_period(iso.year, iso.week, config)
    if kind == MONTH:
        return month_period(d.year, d.month, config)
    part = "上" if d.day <= 10 else "中" if d.day <= 20 else "下"
    return xun_period(d.year, d.month, part, config)


def periods_of_year(year: int, kind: str, config: Config) -> list[Period]:
    kind = _kind(kind)
    if kind == WEEK:
        return [week_period(year, week, config) for week in range(1, weeks_in_year(year) + 1)]
    if kind == MONTH:
        return [month_period(year, month, config) for month in range(1, 13)]
    return [xun_period(year, month, part, config) for month in range(1, 13) for part in XUN_PARTS]


def _kind(kind: str) -> str:
    try:
        return _KIND_ALIASES[str(kind).strip().lower()]
    except KeyError:
        raise ToolkitError(f"报送周期“{kind}”无法识别，应为 周、旬 或 月。") from None


# -- working days ---------------------------------------------------------------------------------

_warned_years: set[int] = set()


def is_workday(d: date, config: Config) -> bool:
    clerk_year = config.holidays.get(d.year)
    if clerk_year is not None:
        if d in clerk_year.workdays:
            return True
        return d not in clerk_year.holidays and d.weekday() < 5
    import chinese_calendar
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        _warn_unknown_year(d.year)
        return d.weekday() < 5


def next_workday(d: date, config: Config) -> date:
    """d itself if it is a working day, else the next one."""
    for _ in range(60):   # the longest official break is 8–9 days; 60 guards against a bad table
        if is_workday(d, config):
            return d
        d += timedelta(days=1)
    raise ToolkitError(f"{d.year}年的节假日设置有误：连续60天没有工作日。"
                       f"请检查 inputs/toolkit.toml 的 [holidays.{d.year}]。")


def _warn_unknown_year(year: int) -> None:
    if year in _warned_years:
        return
    _warned_years.add(year)
    warnings.warn(
        f"{year}年的法定节假日和调休安排未知（内置数据只到2026年），报送截止日暂按“周六、周日休息”推算。"
        f"国务院公布{year}年放假安排后，请照此写法（日期按公布的安排填写）添加到 inputs/toolkit.toml：\n"
        f"[holidays.{year}]\nholidays = [\"{year}-01-01\", …]   # 放假的日子\n"
        f"workdays = [\"{year}-02-06\", …]   # 调休上班的周六、周日",
        ToolkitWarning, stacklevel=3)


# -- 序时进度 -------------------------------------------------------------------------------------

def schedule_percent(start: date, deadline: date, as_of: date) -> float:
    """Elapsed share of [start, deadline] at the end of `as_of`, by days, 0–100, one decimal.

    Both ends count: on the deadline the share is 100; before the start it is 0.
    """
    if as_of < start:
        return 0.0
    if as_of >= deadline:
        return 100.0
    total = (deadline - start).days + 1
    elapsed = (as_of - start).days + 1
    return round(min(100.0, max(0.0, elapsed / total * 100)), 1)
