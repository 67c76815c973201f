"""The `toolkit status` command: who reported, who is late, who is missing, and a 催报 message; writes nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from toolkit.collect.inbox import is_package, returned_files, sha256_of
from toolkit.errors import EXIT_OK
from toolkit.workspace import Workspace


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
        return (f"【催报】{self.period_display}重点任务推进情况填报表报送截止时间为{when}，"
                + ("现已逾期，" if overdue else "")
                + f"以下{len(self.missing_units)}个单位尚未报送：{'、'.join(self.missing_units)}。"
                + ("请立即报送，逾期将在通报中列为未报送。" if overdue else f"请于{when}前报送，逾期将在通报中列为未报送。"))

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
        lines += ["", "催报消息（可直接复制到工作群）：", self.reminder()]
        return lines


def _counted(path, merged: set[str], archive_dir) -> bool:
    """Rows of the file are in the history; for a .zip package, it was opened (its members are judged one by one)."""
    sha = sha256_of(path)
    if sha in merged:
        return True
    return is_package(path) and any(archive_dir.glob(f"{sha[:12]}_*"))


def period_status(ws: Workspace, period_text: str, as_of: datetime | None = None) -> StatusOutcome:
    """`toolkit status PERIOD`: who reported, who is late, who is missing, and a 催报 message; writes nothing."""
    from toolkit.config import load_config
    from toolkit.directory import load_directory, unit_tasks
    from toolkit.ledger import load_ledger
    from toolkit.lifecycle import without_closed
    from toolkit.periods import parse_period

    config = load_config(ws)
    period = parse_period(period_text, config)
    ledger = load_ledger(ws, since=period.start)     # only this period's rows are counted
    expected = list(without_closed(unit_tasks(ledger, load_directory(ws), known_only=True), ledger, period.start))
    rows = {s.unit: s for s in ledger.submissions if s.period == period.id}
    reported = {u: s.received for u, s in rows.items() if s.reported}
    for record in ledger.progress:             # rows merged before 报送情况 existed still count
        if record.period == period.id:
            reported.setdefault(record.unit, record.received)
    late = [u for u, s in rows.items() if s.reported and s.late]
    merged = {r.sha256 for r in ledger.progress if r.period == period.id}
    waiting = [p for p in returned_files(ws.returns(period.id)) if not _counted(p, merged, ws.archive(period.id))]
    return StatusOutcome(period.id, period.display, period.due, as_of or datetime.now().replace(microsecond=0),
                         expected, reported, late, len(waiting))
