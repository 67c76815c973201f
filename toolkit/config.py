"""Settings from inputs/toolkit.toml (DESIGN §3, §5, §6).

Every key is optional; a missing file means the built-in defaults, which are those of the seed notice
(兖州区). A wrong value raises ConfigError naming the file, the line and the key, and saying what is allowed.
A key the toolkit does not know is reported as a ToolkitWarning (most likely a typo) and otherwise ignored.
"""
from __future__ import annotations

import json
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

from .errors import ConfigError, ToolkitWarning
from .workspace import Workspace

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class OfficeConfig:
    district: str = "兖州区"
    government: str = "济宁市兖州区人民政府"
    office: str = "济宁市兖州区人民政府办公室"        # 发文 / 印发机关
    supervision: str = "兖州区政府督查室"              # masthead of 督查通报
    contact: str = ""
    phone: str = ""
    returns_to: str = ""                               # where units send their files back


@dataclass(frozen=True)
class DueConfig:
    week_weekday: int = 4            # 1 = Monday … 7 = Sunday
    week_time: time = time(17, 0)
    xun_time: time = time(17, 0)     # a 旬 is due on its last day
    month_day: int = 25              # clamped to the month's last day
    month_time: time = time(17, 0)
    month_next: bool = False         # True: month_day of the following month (e.g. the 5th)


@dataclass(frozen=True)
class Thresholds:
    red_gap: float = 20.0            # behind 序时 by >= this → 红, by less → 黄
    ahead_gap: float = 10.0          # ahead of 序时 by >= this → 超序时
    missed_reports_red: int = 2      # 未报送 in this many consecutive periods of one kind → 红


DEFAULT_RECIPIENTS = "各镇人民政府，各街道办事处，兖州工业园区管委会，区政府各部门，区直、驻兖各单位"
DEFAULT_CC = ("区委办公室", "区人大常委会办公室", "区政协办公室", "区法院", "区检察院")
DEFAULT_REQUIREMENTS = (
    "对标对表抓落实。各单位要对照任务分解清单，逐项细化措施、明确时间节点，确保各项任务按序时推进。",
    "聚焦滞后补短板。对进度滞后、红色预警的任务，主办单位要深入分析原因，制定赶超措施，限期达到序时进度。",
    "按时报送强调度。各单位要严格落实“周盘点、旬推进、月调度”机制，按时报送进展情况，确保内容真实准确。",
)
DEFAULT_CLOSING = "区政府督查室将持续跟踪督导，定期通报任务落实情况。"
DEFAULT_URGE = "请相关主办单位对照序时进度查找原因、制定措施，加快推进"
DEFAULT_INFORM = "提请牵头领导关注"
DEFAULT_NO_BASELINE = "上期未开展回收，本期起建立比较基线"


@dataclass(frozen=True)
class CircularConfig:
    recipients: str = DEFAULT_RECIPIENTS               # 主送
    cc: tuple[str, ...] = DEFAULT_CC                   # 抄送
    requirements: tuple[str, ...] = DEFAULT_REQUIREMENTS  # 月调度 下步工作要求
    closing: str = DEFAULT_CLOSING                     # last sentence of every circular
    urge: str = DEFAULT_URGE                           # what lagging tasks' units are asked to do
    inform: str = DEFAULT_INFORM                       # how leaders are informed (never instructed)
    no_baseline: str = DEFAULT_NO_BASELINE             # when no earlier period was collected
    group_after: int = 8                               # task lists longer than this are grouped by 主办单位


@dataclass(frozen=True)
class ScoringConfig:
    """督查工作考核 (toolkit score): score = base + additions − deductions, each point an event (toolkit.scoring)."""
    base: float = 100.0              # every unit starts the period with this
    late: float = 0.1                # taken per collected period reported late (迟报)
    missed: float = 0.5              # taken per collected period not reported (未报送)
    lagging: float = 1.0             # taken per led task 滞后 at a month's end
    red: float = 2.0                 # taken per led task in red warning at a month's end
    overdue_lead: float = 5.0        # taken once per task past its 完成时限 and not done, from each lead unit
    overdue_co: float = 2.5          # … from each co-unit
    closed_lead: float = 1.0         # added per task 销号 on or before its 完成时限, to each lead unit
    closed_co: float = 0.5           # … to each co-unit
    rejected_row: float = 0.1        # taken per row rejected in a collection's 校验报告
    rejected_cap: float = 2.0        # at most this much per unit and collected period for rejected rows
    few_tasks: int = 2               # a unit leading this many tasks or fewer is marked (*)
    weights: tuple[tuple[str, float], ...] = (("区直部门", 1.0), ("镇街", 1.0), ("园区", 1.0), ("其他", 1.0))

    def weight(self, category: str) -> float:
        """The factor on a unit's additions and deductions (not on the base), by its 单位名录 类别."""
        return dict(self.weights).get(category, 1.0)


@dataclass(frozen=True)
class CollectConfig:
    completed_may_repeat: bool = True   # a task already 已完成 may be reported unchanged without a reminder


EVIDENCE_TYPES = ("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "heic", "pdf", "ofd", "doc", "docx", "wps",
                  "xls", "xlsx", "et", "ods", "ppt", "pptx", "txt", "mp4")


@dataclass(frozen=True)
class LifecycleConfig:
    """销号、调整时限、佐证材料 and the unit's sign-off (issue 13)."""
    approver_required: bool = False    # an empty 单位负责人（审核）: true → error, false → reminder
    evidence_required: bool = False    # a 销号 application without evidence: true → refused, false → reminder
    evidence_max_mb: float = 50        # an evidence file larger than this is archived but flagged
    evidence_types: tuple[str, ...] = EVIDENCE_TYPES   # extensions accepted as evidence (without the dot)


@dataclass(frozen=True)
class HolidayYear:
    holidays: frozenset[date] = frozenset()    # official days off that fall on weekdays (or all of them)
    workdays: frozenset[date] = frozenset()    # adjusted working days (调休), usually weekends


@dataclass(frozen=True)
class Limits:
    max_file_mb: float = 20
    max_zip_members: int = 1000
    max_unzipped_mb: float = 200
    max_zip_ratio: float = 100
    settle_seconds: float = 5        # a returned file modified this recently is still being copied: next run


@dataclass(frozen=True)
class Backups:
    keep_last: int = 20              # the newest ledger copies in outputs/备份/ always kept
    monthly: bool = True             # and the newest copy of every earlier month


@dataclass(frozen=True)
class Config:
    office: OfficeConfig = field(default_factory=OfficeConfig)
    due: DueConfig = field(default_factory=DueConfig)
    thresholds: Thresholds = field(default_factory=Thresholds)
    circular: CircularConfig = field(default_factory=CircularConfig)
    holidays: dict[int, HolidayYear] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    collect: CollectConfig = field(default_factory=CollectConfig)
    backups: Backups = field(default_factory=Backups)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    lifecycle: LifecycleConfig = field(default_factory=LifecycleConfig)


def load_config(ws: Workspace) -> Config:
    """Read ws.config; defaults when the file is absent."""
    path = ws.config
    if not path.exists():
        return Config()
    label = _label(ws, path)
    raw = _read_text(path, label)
    data = _parse_toml(raw, label)
    return _Reader(raw, label).config(data)


def _label(ws: Workspace, path: Path) -> str:
    try:
        return path.relative_to(ws.root).as_posix()
    except ValueError:
        return str(path)


def _read_text(path: Path, label: str) -> str:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):   # Notepad's UTF-8 with BOM: harmless, drop it
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{label} 不是 UTF-8 编码，无法读取。请用记事本或 WPS 打开，"
                          f"“另存为”时选择 UTF-8 编码后再运行。") from None


def _parse_toml(raw: str, label: str) -> dict:
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        where = f" 第{found.group(1)}行" if found else ""
        raise ConfigError(
            f"{label}{where} 格式有误，无法读取（{exc}）。请检查该行：文字要加英文双引号，"
            f"如 office = \"兖州区政府办公室\"；数字不加引号；列表写成 [\"甲\", \"乙\"]；"
            f"同一设置项不能写两次。") from None


class _Reader:
    """Turns the parsed TOML into a Config, checking every value against its allowed range."""

    def __init__(self, raw: str, label: str):
        self.lines = raw.splitlines()
        self.label = label

    # -- the sections ---------------------------------------------------------------------------
    def config(self, data: dict) -> Config:
        known = {"office", "due", "thresholds", "circular", "holidays", "limits", "backups", "collect",
                 "scoring", "lifecycle"}
        self._warn_unknown(data, known, ())
        return Config(
            office=self._office(self._table(data, "office")),
            due=self._due(self._table(data, "due")),
            thresholds=self._thresholds(self._table(data, "thresholds")),
            circular=self._circular(self._table(data, "circular")),
            holidays=self._holidays(self._table(data, "holidays")),
            limits=self._limits(self._table(data, "limits")),
            collect=self._collect(self._table(data, "collect")),
            backups=self._backups(self._table(data, "backups")),
            scoring=self._scoring(self._table(data, "scoring")),
            lifecycle=self._lifecycle(self._table(data, "lifecycle")),
        )

    def _office(self, table: dict) -> OfficeConfig:
        default = OfficeConfig()
        names = list(default.__dataclass_fields__)
        self._warn_unknown(table, set(names), ("office",))
        return OfficeConfig(**{n: self._text(table, ("office", n), getattr(default, n)) for n in names})

    def _due(self, table: dict) -> DueConfig:
        d = DueConfig()
        self._warn_unknown(table, set(d.__dataclass_fields__), ("due",))
        return DueConfig(
            week_weekday=self._int(table, ("due", "week_weekday"), d.week_weekday, 1, 7,
                                   "1–7 的整数（1=周一，7=周日）"),
            week_time=self._time(table, ("due", "week_time"), d.week_time),
            xun_time=self._time(table, ("due", "xun_time"), d.xun_time),
            month_day=self._int(table, ("due", "month_day"), d.month_day, 1, 31,
                                "1–31 的整数（大于当月天数时取当月最后一天）"),
            month_time=self._time(table, ("due", "month_time"), d.month_time),
            month_next=self._bool(table, ("due", "month_next"), d.month_next),
        )

    def _thresholds(self, table: dict) -> Thresholds:
        t = Thresholds()
        self._warn_unknown(table, set(t.__dataclass_fields__), ("thresholds",))
        return Thresholds(
            red_gap=self._number(table, ("thresholds", "red_gap"), t.red_gap, 0, 100, False,
                                 "大于 0、不超过 100 的数（百分点）"),
            ahead_gap=self._number(table, ("thresholds", "ahead_gap"), t.ahead_gap, 0, 100, True,
                                   "0–100 的数（百分点）"),
            missed_reports_red=self._int(table, ("thresholds", "missed_reports_red"),
                                         t.missed_reports_red, 1, 99, "1–99 的整数（期数）"),
        )

    def _circular(self, table: dict) -> CircularConfig:
        c = CircularConfig()
        self._warn_unknown(table, set(c.__dataclass_fields__), ("circular",))
        return CircularConfig(
            recipients=self._text(table, ("circular", "recipients"), c.recipients),
            cc=self._text_list(table, ("circular", "cc"), c.cc, split=True),
            requirements=self._text_list(table, ("circular", "requirements"), c.requirements),
            closing=self._text(table, ("circular", "closing"), c.closing),
            urge=self._text(table, ("circular", "urge"), c.urge),
            inform=self._text(table, ("circular", "inform"), c.inform),
            no_baseline=self._text(table, ("circular", "no_baseline"), c.no_baseline),
            group_after=self._int(table, ("circular", "group_after"), c.group_after, 1, 1000, "1–1000 的整数（项）"),
        )

    def _scoring(self, table: dict) -> ScoringConfig:
        s = ScoringConfig()
        self._warn_unknown(table, set(s.__dataclass_fields__), ("scoring",))
        points = {name: self._number(table, ("scoring", name), getattr(s, name), 0, 1000, True, "0–1000 的数（分）")
                  for name in s.__dataclass_fields__ if name not in ("few_tasks", "weights")}
        return ScoringConfig(**points, few_tasks=self._int(table, ("scoring", "few_tasks"), s.few_tasks, 0, 1000,
                                                           "0–1000 的整数（项）"),
                             weights=self._weights(table.get("weights", {}), s.weights))

    def _weights(self, value, default: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
        key = ("scoring", "weights")
        if not isinstance(value, dict):
            self._fail(key, "应为一个表：单独一行写 [scoring.weights]，下面逐行写 \"镇街\" = 0.8（类别名称加英文双引号）", value)
        known = dict(default)
        self._warn_unknown(value, set(known), key)
        return tuple((name, self._number(value, key + (name,), factor, 0, 10, True, "0–10 的数（倍）"))
                     for name, factor in known.items())

    def _collect(self, table: dict) -> CollectConfig:
        c = CollectConfig()
        self._warn_unknown(table, set(c.__dataclass_fields__), ("collect",))
        return CollectConfig(completed_may_repeat=self._bool(table, ("collect", "completed_may_repeat"),
                                                             c.completed_may_repeat))

    def _limits(self, table: dict) -> Limits:
        lim = Limits()
        self._warn_unknown(table, set(lim.__dataclass_fields__), ("limits",))
        return Limits(
            max_file_mb=self._number(table, ("limits", "max_file_mb"), lim.max_file_mb, 0, 10_000,
                                     False, "大于 0 的数（MB）"),
            max_zip_members=self._int(table, ("limits", "max_zip_members"), lim.max_zip_members,
                                      1, 1_000_000, "正整数"),
            max_unzipped_mb=self._number(table, ("limits", "max_unzipped_mb"), lim.max_unzipped_mb,
                                         0, 100_000, False, "大于 0 的数（MB）"),
            max_zip_ratio=self._number(table, ("limits", "max_zip_ratio"), lim.max_zip_ratio,
                                       0, 100_000, False, "大于 0 的数（解压后与压缩前大小之比）"),
            settle_seconds=self._number(table, ("limits", "settle_seconds"), lim.settle_seconds, 0, 3600,
                                        True, "0—3600 的秒数"),
        )

    def _lifecycle(self, table: dict) -> LifecycleConfig:
        d = LifecycleConfig()
        self._warn_unknown(table, set(d.__dataclass_fields__), ("lifecycle",))
        types = self._text_list(table, ("lifecycle", "evidence_types"), d.evidence_types, split=True)
        return LifecycleConfig(
            approver_required=self._bool(table, ("lifecycle", "approver_required"), d.approver_required),
            evidence_required=self._bool(table, ("lifecycle", "evidence_required"), d.evidence_required),
            evidence_max_mb=self._number(table, ("lifecycle", "evidence_max_mb"), d.evidence_max_mb, 0, 10_000,
                                         False, "大于 0 的数（MB）"),
            evidence_types=tuple(t.lower().lstrip(".") for t in types))

    def _backups(self, table: dict) -> Backups:
        default = Backups()
        self._warn_unknown(table, set(default.__dataclass_fields__), ("backups",))
        return Backups(keep_last=self._int(table, ("backups", "keep_last"), default.keep_last, 1, 100_000, "正整数"),
                       monthly=self._bool(table, ("backups", "monthly"), default.monthly))

    def _holidays(self, table: dict) -> dict[int, HolidayYear]:
        years: dict[int, HolidayYear] = {}
        for year_key, entry in table.items():
            key = ("holidays", str(year_key))
            if not re.fullmatch(r"\d{4}", str(year_key)):
                self._fail(key, "应为四位年份，如 [holidays.2027]", year_key)
            if not isinstance(entry, dict):
                self._fail(key, "应为一个表，写法如 [holidays.2027] 下一行 holidays = [\"2027-01-01\"]", entry)
            year = int(year_key)
            self._warn_unknown(entry, {"holidays", "workdays"}, key)
            holidays = self._dates(entry, key + ("holidays",), year)
            workdays = self._dates(entry, key + ("workdays",), year)
            both = sorted(holidays & workdays)
            if both:
                self._fail(key + ("workdays",), "中的日期不能同时出现在 holidays 中",
                           both[0].isoformat())
            years[year] = HolidayYear(holidays=holidays, workdays=workdays)
        return years

    # -- typed getters --------------------------------------------------------------------------
    def _table(self, data: dict, name: str) -> dict:
        value = data.get(name, {})
        if not isinstance(value, dict):
            self._fail((name,), f"应为一个表（单独一行写 [{name}]，下面逐行写设置项）", value)
        return value

    def _text(self, table: dict, key: tuple[str, ...], default: str) -> str:
        value = table.get(key[-1], default)
        if not isinstance(value, str):
            self._fail(key, "应为文字，并用英文双引号括起来", value)
        return value.strip()

    def _text_list(self, table: dict, key: tuple[str, ...], default: tuple[str, ...],
                   split: bool = False) -> tuple[str, ...]:
        value = table.get(key[-1], default)
        if split and isinstance(value, str):
            value = [part for part in re.split(r"[，、,;；\s]+", value) if part]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            self._fail(key, "应为文字列表，写成 [\"第一项\", \"第二项\"]", value)
        return tuple(v.strip() for v in value if v.strip())

    def _int(self, table: dict, key: tuple[str, ...], default: int, low: int, high: int,
             allowed: str) -> int:
        value = table.get(key[-1], default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self._fail(key, f"应为 {allowed}", value)
        return value

    def _number(self, table: dict, key: tuple[str, ...], default: float, low: float, high: float,
                allow_low: bool, allowed: str) -> float:
        value = table.get(key[-1], default)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            ok = (low <= value if allow_low else low < value) and value <= high
        if not ok:
            self._fail(key, f"应为 {allowed}", value)
        return float(value)

    def _bool(self, table: dict, key: tuple[str, ...], default: bool) -> bool:
        value = table.get(key[-1], default)
        if not isinstance(value, bool):
            self._fail(key, "应为 true 或 false（小写，不加引号）", value)
        return value

    def _time(self, table: dict, key: tuple[str, ...], default: time) -> time:
        value = table.get(key[-1], default)
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            found = re.fullmatch(r"\s*(\d{1,2})[:：](\d{2})\s*", value)
            if found and int(found.group(1)) < 24 and int(found.group(2)) < 60:
                return time(int(found.group(1)), int(found.group(2)))
        self._fail(key, "应为 24 小时制时刻，如 \"17:00\"", value)

    def _dates(self, table: dict, key: tuple[str, ...], year: int) -> frozenset[date]:
        value = table.get(key[-1], [])
        if not isinstance(value, list):
            self._fail(key, "应为日期列表，如 [\"2027-01-01\", \"2027-02-10\"]", value)
        days = set()
        for item in value:
            day = _as_date(item)
            if day is None:
                self._fail(key, "中的日期应写成 \"YYYY-MM-DD\"，如 \"2027-01-01\"", item)
            if day.year != year:
                self._fail(key, f"中的日期应属于 {year} 年", day.isoformat())
            days.add(day)
        return frozenset(days)

    # -- messages -------------------------------------------------------------------------------
    def _fail(self, key: tuple[str, ...], problem: str, value: object) -> None:
        line = _line_of(self.lines, key)
        where = f"{self.label} 第{line}行" if line else self.label
        raise ConfigError(f"{where} {'.'.join(key)} {problem}，现为 {_shown(value)}。")

    def _warn_unknown(self, table: dict, known: set[str], parent: tuple[str, ...]) -> None:
        for name in table:
            if name not in known:
                key = parent + (str(name),)
                line = _line_of(self.lines, key)
                where = f"{self.label} 第{line}行" if line else self.label
                warnings.warn(f"{where} 的设置项 {'.'.join(key)} 无法识别，已忽略。请检查拼写；"
                              f"可用的有：{'、'.join(sorted(known))}。", ToolkitWarning, stacklevel=2)


def _as_date(item: object) -> date | None:
    if isinstance(item, date) and not hasattr(item, "hour"):
        return item
    if isinstance(item, str):
        try:
            return date.fromisoformat(item.strip())
        except ValueError:
            return None
    return None


def _shown(value: object) -> str:
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, tuple):
        value = list(value)
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError:
        return str(value)


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z0-9_\-.\"' \u4e00-\u9fff]+?)\s*=")


def _key_parts(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


def _line_of(lines: list[str], key: tuple[str, ...]) -> int | None:
    """Line number (from 1) where `key` is assigned, or its table header; None if not written."""
    table: tuple[str, ...] = ()
    header_line = None
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header:
            table = _key_parts(header.group(1))
            if table == key:
                header_line = number
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment and table + _key_parts(assignment.group(1)) == key:
            return number
    return header_line
