"""The `toolkit status` view: who reported, who is late, who is missing, the 催报 message and each unit's step on
the 催报 ladder (toolkit.collect.ladder); period_status writes nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from toolkit.collect.inbox import is_package, returned_files
from toolkit.errors import EXIT_OK
from toolkit.workspace import Workspace, file_sha256


@dataclass
class StatusOutcome:
    period_id: str
    period_display: str
    due: datetime
    as_of: datetime
    expected_units: list[str]
    reported: dict[str, datetime | None]
    late_units: list[str]
    waiting_files: int = 0          # files in the returns folder not collected yet
    contacts: dict[str, str] = field(default_factory=dict)   # unit → 联系人 and 电话 from 单位名录
    steps: dict[str, str] = field(default_factory=dict)      # unit not yet reported → its step on the ladder
    remind_from: datetime | None = None                      # the 提醒 starts then (a working day before the due)
    documents: list[str] = field(default_factory=list)       # 督办通知单 written by this run
    logged: list[str] = field(default_factory=list)          # 催报记录 rows added by this run

    @property
    def missing_units(self) -> list[str]:
        return [u for u in self.expected_units if u not in self.reported]

    @property
    def exit_code(self) -> int:
        return EXIT_OK

    def reminder(self) -> str:
        """催报 text for the chat group."""
        if not self.missing_units:
            return f"{self.period_display}重点任务推进情况已全部报送，感谢各单位支持！"
        overdue = self.as_of > self.due
        when = f"{self.due.month}月{self.due.day}日{self.due:%H:%M}"
        named = [self.named(u) for u in self.missing_units] if overdue else self.missing_units
        return (f"【催报】{self.period_display}重点任务推进情况填报表报送截止时间为{when}，"
                + ("现已逾期，" if overdue else "")
                + f"以下{len(self.missing_units)}个单位尚未报送：{'、'.join(named)}。"
                + ("请立即报送，逾期将在通报中列为未报送。" if overdue else f"请于{when}前报送，逾期将在通报中列为未报送。"))

    def named(self, unit: str) -> str:
        """区民政局（联系人：张明 0537-3412345）, or the bare name when 单位名录 gives no contact."""
        contact = self.contacts.get(unit, "")
        return f"{unit}（联系人：{contact}）" if contact else unit

    def lines(self) -> list[str]:
        lines = [f"{self.period_display}（截止 {self.due:%Y-%m-%d %H:%M}，统计至 {self.as_of:%Y-%m-%d %H:%M}）",
                 f"应报 {len(self.expected_units)} 个单位，已报 {len(self.reported)} 个，迟报 {len(self.late_units)} 个，"
                 f"未报 {len(self.missing_units)} 个。"]
        if self.reported:
            lines.append("已报送：" + "、".join(self.reported))
        if self.late_units:
            lines.append("迟报：" + "、".join(self.late_units))
        if self.missing_units:
            lines.append("未报送：" + "、".join(self.missing_units))
        if self.waiting_files:
            lines.append(f"回收文件夹中有 {self.waiting_files} 个文件尚未计入（未收取或已退回）；"
                         f"收取请运行 toolkit collect {self.period_id}。")
        lines += self.ladder_lines()
        lines += ["", "催报消息（可直接复制到工作群）：", self.reminder()]
        lines += [f"已生成督办通知单：{path}" for path in self.documents]
        lines += [f"已记入台账“催报记录”：{entry}" for entry in self.logged]
        return lines

    def ladder_lines(self) -> list[str]:
        """Which step of the 催报 ladder each unit not yet reported is at."""
        if not self.steps:
            return []
        from toolkit.collect.steps import step_lines
        return step_lines(self)


def _counted(path, merged: set[str], archive_dir) -> bool:
    """Rows of the file are in the history; for a .zip package, it was opened (its members are judged one by one)."""
    sha = file_sha256(path)
    if sha in merged:
        return True
    return is_package(path) and any(archive_dir.glob(f"{sha[:12]}_*"))


def period_status(ws: Workspace, period_text: str, as_of: datetime | None = None) -> StatusOutcome:
    """Who reported, who is late, who is missing, a 催报 message and each unit's step; writes nothing.

    `toolkit status` itself runs ladder.chase_period, which also writes the 督办通知单 and the 催报记录.
    """
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import load_ledger
    from toolkit.periods import parse_period

    config = load_config(ws)
    period = parse_period(period_text, config)
    ledger = load_ledger(ws, since=period.start)     # only this period's rows are counted
    return status_of(ws, ledger, period, config, load_directory(ws), as_of)


def status_of(ws: Workspace, ledger, period, config, directory, as_of: datetime | None) -> StatusOutcome:
    """The status of `period` from a loaded ledger (its history from period.start on), with the ladder's steps."""
    from toolkit.collect.steps import ladder_steps, remind_from
    from toolkit.directory import unit_tasks
    from toolkit.lifecycle import without_closed

    expected = list(without_closed(unit_tasks(ledger, directory, known_only=True), ledger, period.start))
    rows = {s.unit: s for s in ledger.submissions if s.period == period.id}
    reported = {u: s.received for u, s in rows.items() if s.reported}
    for record in ledger.progress:             # rows merged before 报送情况 existed still count
        if record.period == period.id:
            reported.setdefault(record.unit, record.received)
    late = [u for u, s in rows.items() if s.reported and s.late]
    merged = {r.sha256 for r in ledger.progress if r.period == period.id}
    waiting = [p for p in returned_files(ws.returns(period.id)) if not _counted(p, merged, ws.archive(period.id))]
    outcome = StatusOutcome(period.id, period.display, period.due, as_of or datetime.now().replace(microsecond=0),
                            expected, reported, late, len(waiting))
    outcome.contacts = {u: " ".join(p for p in (found.contact, found.phone) if p) for u in expected
                        if (found := directory.find(u)) is not None}
    outcome.remind_from = remind_from(period, config)
    outcome.steps = ladder_steps(outcome, ledger, period, config)
    return outcome
