"""Plain data passed between the stages (DESIGN §2: stages talk through dataclasses)."""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date, datetime

# Roles and sources in 责任分工
LEAD = "主办"
CO = "协办"
SOURCE_BOLD = "粗体"          # .docx: the unit was printed in bold
SOURCE_POSITION = "位置推定"  # .txt: first unit assumed to be the lead; the clerk should check
SOURCE_MARKER = "标注"        # the notice marks the lead with （牵头） or *
SOURCE_FIRST = "首位约定"     # the notice says the first listed unit leads (列第一位的为牵头单位)
SOURCE_FIELD = "字段"         # separate 牵头单位 / 配合单位 fields or columns
SOURCE_CLERK = "人工"         # added or changed by the clerk in the ledger

LEAD_RULE_SOURCE = {"bold": SOURCE_BOLD, "position": SOURCE_POSITION,
                    "marker": SOURCE_MARKER, "field": SOURCE_FIELD, "first": SOURCE_FIRST}

# Task states (DESIGN §6) in display order
STATES = ("已完成", "超序时", "序时推进", "滞后", "未启动", "未报送")
# States a unit may choose in its workbook
REPORTABLE_STATES = ("已完成", "序时推进", "滞后", "未启动")
WARNING_COLOURS = ("绿", "黄", "红")


@dataclass
class Indicator:
    """A quantitative commitment found in a task's text, e.g. 新建5G基站200个."""
    phrase: str
    value: float
    unit: str


@dataclass
class Target:
    """A headline target of section 一, e.g. GDP增长6.5%."""
    name: str
    value: float
    unit: str


@dataclass
class Task:
    id: str                      # printed number "12", or a path "2-1-3"
    seq: int                     # running order 1..N
    section: str                 # heading without its enumerator
    subsection: str | None
    text: str
    leaders: list[str] = field(default_factory=list)
    lead_units: list[str] = field(default_factory=list)
    co_units: list[str] = field(default_factory=list)
    lead_rule: str = "position"  # bold | marker | field | first | position
    deadline: str | None = None  # as written in the notice
    due: date | None = None      # the deadline as a date (default: year end of the notice)
    indicators: list[Indicator] = field(default_factory=list)
    # fingerprint of the text as printed in the notice, so that a clerk's edit of 任务内容 is told apart
    # from a change of the notice itself when the notice is parsed again
    source_digest: str = ""

    @property
    def units(self) -> list[str]:
        return self.lead_units + self.co_units


@dataclass
class NoticeInfo:
    title: str | None = None
    doc_no: str | None = None
    date: date | None = None
    file: str = ""               # file name of the notice
    sha256: str = ""


@dataclass
class Notice:
    info: NoticeInfo
    targets: list[Target]
    tasks: list[Task]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Assignment:
    """One row of 责任分工: a unit (or a collective name) holding a task."""
    task_id: str
    unit: str
    role: str                    # 主办 | 协办
    source: str                  # 粗体 | 位置推定 | 首位约定 | 标注 | 字段 | 人工


@dataclass
class IndicatorRecord:
    """One row of 量化指标; id is "<task id>#<n>" (n from 1 in the task)."""
    id: str
    task_id: str
    phrase: str
    target: float | None
    unit: str
    current: float | None = None

    @property
    def rate(self) -> float | None:
        if self.current is None or not self.target:
            return None
        return round(self.current / self.target * 100, 1)


@dataclass
class TaskStatus:
    """The evaluated columns of 任务台账 for one task (DESIGN §6)."""
    state: str = "未报送"
    progress: float | None = None   # 完成进度 0–100 from the lead unit
    schedule: float | None = None   # 序时进度 0–100
    warning: str = ""               # 绿 | 黄 | 红
    latest: str = ""                # 最新进展
    problems: str = ""              # 存在问题
    plan: str = ""                  # 下步计划
    last_period: str = ""           # 最近报送 (period id)
    flags: list[str] = field(default_factory=list)  # e.g. self-reported state contradicts numbers
    co_feedback: str = ""           # 协办反馈


@dataclass
class ProgressRecord:
    """One accepted report row (进展记录), append-only."""
    period: str
    unit: str
    task_id: str
    role: str
    state: str
    progress: float | None
    text: str
    problems: str
    plan: str
    indicator_values: dict[str, float] = field(default_factory=dict)  # IndicatorRecord.id -> value
    filler: str = ""
    phone: str = ""
    received: datetime | None = None
    late: bool = False
    file: str = ""
    sha256: str = ""
    # the history store this row was read from ("" for a new row): saving into that store skips it
    _stored_in: str = field(default="", repr=False, compare=False)


_RECORD_FIELDS = tuple(ProgressRecord.__dataclass_fields__)
# a record as the tuple of its values, and back: thousands of records cross a pipe (toolkit.beside) in half the time
record_values = operator.attrgetter(*_RECORD_FIELDS)


def record_from_values(values: tuple) -> ProgressRecord:
    record = object.__new__(ProgressRecord)
    record.__dict__.update(zip(_RECORD_FIELDS, values))
    return record


@dataclass
class SubmissionRecord:
    """One row of 报送情况: did a unit report for a period."""
    period: str
    unit: str
    expected: bool = True
    reported: bool = False
    received: datetime | None = None
    late: bool = False
    problems: int = 0
    file: str = ""


@dataclass
class CircularRecord:
    kind: str                    # 周盘点 | 旬推进 | 月调度
    year: int
    number: int                  # 期数 within kind and year
    period: str
    file: str
    issued: date | None = None


@dataclass
class ScoreRecord:
    """One row of 考核: a unit's running score for the year, with its points by rule (toolkit.scoring)."""
    unit: str
    category: str
    tasks: int                   # tasks it leads
    total: float
    by_rule: dict[str, float] = field(default_factory=dict)
    events: int = 0              # how many event rows make the total
    until: date | None = None    # the last day of the data counted
    marked: bool = False         # leads few tasks (ScoringConfig.few_tasks)


@dataclass
class ReminderRecord:
    """One row of 催报记录: a reminder the toolkit produced (it sends nothing itself)."""
    when: datetime
    period: str
    step: str                    # 提醒 | 催报 | 督办通知单
    units: list[str] = field(default_factory=list)
    number: str = ""             # the 督办通知单's number
    file: str = ""


@dataclass
class ClosureApplication:
    """One row of 销号审核: a lead unit applies to close a task; the clerk writes 审核意见 (issue 13)."""
    task_id: str
    unit: str
    period: str                  # 申请期别: the period whose return carried the application
    basis: str                   # 办结依据
    evidence_cell: str = ""      # the 佐证材料 cell as the unit wrote it
    decision: str = ""           # 审核意见: "" (待审核) | 同意 | 退回 | 撤销
    note: str = ""               # 审核说明
    decided: date | None = None  # 审核日期
    returned_in: str = ""        # the period whose 退回 notes carried a 退回 decision
    excel_row: int | None = None  # where the clerk sees it (read back from the sheet)
    key: str = ""                # 申请编号 "<period>|<unit>|<task id>"
    overdue: bool = False        # 逾期销号: applied after the task's 完成时限


@dataclass
class DeadlineRequest:
    """One row of 调整审核: a unit asks for a later 完成时限; the clerk writes 审核意见 (issue 13)."""
    task_id: str
    unit: str
    period: str                  # 申请期别
    original: date | None        # 原完成时限 at the time of the request
    requested: date              # 申请完成时限
    reason: str                  # 调整理由
    overdue: bool = False        # 逾期申请: asked after the current 完成时限
    decision: str = ""           # 审核意见: "" | 同意 | 不同意
    approved: date | None = None  # 批准完成时限 (defaults to the requested date)
    note: str = ""
    decided: date | None = None
    excel_row: int | None = None
    key: str = ""


@dataclass
class EvidenceRecord:
    """One evidence file (佐证材料) a unit sent, archived byte-identical; kept in the history database."""
    period: str
    unit: str
    task_id: str                 # "" when it could not be linked to a task
    name: str                    # as received (inbox path or 包名/成员名)
    archived: str                # path under outputs/, e.g. 归档/2024-W13/佐证材料/区发改局/<sha12>_x.pdf
    sha256: str
    size: int = 0
    linked_by: str = ""          # 文件名 | 佐证材料栏 | ""
    flag: str = ""               # the problem code raised for it (evidence-type …), "" when fine


@dataclass
class Ledger:
    info: NoticeInfo
    tasks: list[Task]
    assignments: list[Assignment]
    indicators: list[IndicatorRecord]
    targets: list[Target]
    status: dict[str, TaskStatus] = field(default_factory=dict)
    progress: list[ProgressRecord] = field(default_factory=list)
    submissions: list[SubmissionRecord] = field(default_factory=list)
    circulars: list[CircularRecord] = field(default_factory=list)
    status_period: str = ""      # the collected period 任务台账's states were evaluated at ("" before any)
    store_state: str = ""        # the history database state this ledger was written with ("共 N 行（编号至 M）")
    clerk_columns: dict[str, dict[str, object]] = field(default_factory=dict)   # 任务台账 header → task id → value
    scores: list[ScoreRecord] = field(default_factory=list)          # 考核 (toolkit score)
    reminders: list[ReminderRecord] = field(default_factory=list)    # 催报记录 (toolkit status)
    closures: list[ClosureApplication] = field(default_factory=list)     # 销号审核
    adjustments: list[DeadlineRequest] = field(default_factory=list)     # 调整审核
    evidence: list[EvidenceRecord] = field(default_factory=list)         # 佐证材料 (history database)

    def task(self, task_id: str) -> Task:
        return self._task_index()[task_id]

    def _task_index(self) -> dict[str, Task]:
        return {t.id: t for t in self.tasks}

    def assignments_of(self, task_id: str) -> list[Assignment]:
        return [a for a in self.assignments if a.task_id == task_id]
