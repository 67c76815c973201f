"""`toolkit issue PERIOD`: one form per unit, 下发清单.xlsx and 下发通知.txt."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Iterable

from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.forms.contract import make_identity, office_key, sign_identity
from toolkit.forms.layout import due_text
from toolkit.forms.package import write_unit_workbook
from toolkit.forms.plan import UnitForm, plan_forms
from toolkit.lifecycle import without_closed
from toolkit.workspace import Workspace, safe_file_name


@dataclass
class IssueOutcome:
    period_id: str
    period_display: str
    due: datetime
    folder: Path
    files: list[Path] = field(default_factory=list)
    list_file: Path | None = None
    notice_file: Path | None = None
    inbox: Path | None = None
    lead_rows: int = 0
    co_rows: int = 0
    warnings: list[str] = field(default_factory=list)
    exit_code: int = 0

    def lines(self) -> list[str]:
        lines = [f"已为{self.period_display}生成 {len(self.files)} 个单位的填报表"
                 f"（主办 {self.lead_rows} 行、协办 {self.co_rows} 行），位于 {self.folder}",
                 f"报送截止：{due_text(self.due)}"]
        if self.list_file:
            lines.append(f"下发清单：{self.list_file}")
        if self.notice_file:
            lines.append(f"下发通知（可直接复制到工作群）：{self.notice_file}")
        if self.inbox:
            lines.append(f"各单位报回的文件请放到：{self.inbox}（然后运行 toolkit collect {self.period_id}）")
        return lines  # self.warnings were already raised as ToolkitWarning, which the CLI prints


def _identity_track(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


def issue_forms(ws: Workspace, period_text: str, as_of: date | None = None, track=None) -> IssueOutcome:
    """`toolkit issue PERIOD [--date D]`: one workbook per named unit, 下发清单.xlsx and 下发通知.txt.

    `as_of` fixes the issue time (that day, 09:00) so a rerun is reproducible; without it, now. With no
    period text, the week containing `as_of` is issued.
    """
    from toolkit.config import load_config
    from toolkit.directory import load_directory, unit_tasks, unknown_unit_notes, unresolved_collectives
    from toolkit.ledger import load_ledger
    from toolkit import periods

    track = track or _identity_track
    config = load_config(ws)
    if period_text:
        period = periods.parse_period(period_text, config)
    elif as_of is not None:
        period = periods.period_containing(as_of, "周", config)
    else:
        raise ToolkitError("请给出要下发的期别，例如 toolkit issue 2024-W12，或用 --date 2024-03-18 指定日期。")
    ledger = load_ledger(ws, since=period.start)     # last_reports needs each pair's latest report before it
    directory = load_directory(ws)
    issued = datetime.combine(as_of, time(9, 0)) if as_of else datetime.now().replace(microsecond=0)

    held = without_closed(unit_tasks(ledger, directory, known_only=True), ledger, period.start)   # 已销号 left out
    forms = plan_forms(ledger, held, period.start, periods.period_end_of)
    notes = (unknown_unit_notes(ledger, directory, ws.directory.name)
             + _unresolved_note(unresolved_collectives(ledger, directory)))
    if not forms:
        raise ToolkitError("台账中没有任何单位承担任务，无法下发。请检查 台账.xlsx 的“责任分工”表后重试。")

    key = office_key(ws)
    folder = ws.issued_dir(period.id)
    office = getattr(config, "office", None)
    prefix = getattr(office, "district", "") or ""
    outcome = IssueOutcome(period.id, period.display, period.due, folder, warnings=notes)
    for form in track(forms, len(forms), "生成单位填报表"):
        identity = make_identity(form.unit, period.id, [t.task_id for t in form.tasks], issued)
        path = folder / f"{safe_file_name(form.unit, '未命名单位')}.xlsx"
        write_unit_workbook(path, form.unit, period.display, period.due, form.tasks, form.indicators,
                            identity, sign_identity(key, identity), title_prefix=prefix)
        outcome.files.append(path)
        outcome.lead_rows += len(form.lead_ids)
        outcome.co_rows += len(form.co_ids)
    outcome.list_file = _write_issue_list(ws, period, forms, outcome.files, directory)
    outcome.notice_file = _write_issue_notice(ws, period, config, len(forms))
    outcome.inbox = ws.returns(period.id)
    outcome.inbox.mkdir(parents=True, exist_ok=True)
    return outcome


def _unresolved_note(pairs: list[tuple[str, str]]) -> list[str]:
    if not pairs:
        return []
    by_name: dict[str, list[str]] = {}
    for task_id, name in pairs:
        by_name.setdefault(name, []).append(task_id)
    listed = "；".join(f"“{name}”：第{'、'.join(ids)}项" for name, ids in by_name.items())
    note = (f"{len(pairs)} 处统称还没有对应到具体单位，这些任务暂时只下发给通知中点名的单位（{listed}）。"
            f"请在 台账.xlsx 的“责任分工”表中为这些任务逐一添加相关单位（来源填“人工”），"
            f"然后重新运行 toolkit issue。")
    warnings.warn(note, ToolkitWarning)
    return [note]


def _write_issue_list(ws: Workspace, period, forms: list[UnitForm], files: list[Path], directory) -> Path:
    from toolkit.sheets import write_table_workbook

    rows = []
    for form, path in zip(forms, files):
        unit = directory.find(form.unit)
        rows.append([form.unit, f"下发/{path.name}", "、".join(form.lead_ids), "、".join(form.co_ids),
                     due_text(period.due), unit.contact if unit else "", unit.phone if unit else ""])
    target = ws.period_dir(period.id) / "下发清单.xlsx"
    write_table_workbook(target, [("下发清单", ["单位", "文件", "主办任务", "协办任务", "报送截止", "联系人", "电话"],
                                   rows)])
    return target


def _write_issue_notice(ws: Workspace, period, config, unit_count: int) -> Path:
    office = getattr(config, "office", None)

    def setting(name: str, default: str = "") -> str:
        return str(getattr(office, name, "") or default)

    sender = setting("supervision", "区政府办公室督查室")
    returns_to = setting("returns_to", sender)
    contact = "，".join(x for x in (setting("contact") and f"联系人：{setting('contact')}",
                                    setting("phone") and f"电话：{setting('phone')}") if x)
    text = "\n".join(line for line in [
        "各有关单位：",
        f"现将{period.display}重点任务推进情况填报表下发给你们（共 {unit_count} 个单位，每单位一个文件，"
        f"文件名即单位名称）。请于{due_text(period.due)}填好并报送{returns_to}。",
        "填报要求：",
        "1. “任务填报”表逐项填写本期状态（从下拉列表选择）、完成进度（0—100的数字）、本期进展、存在问题、"
        "下步计划；表下方填写填报人、联系电话、单位负责人（审核）。黄色单元格为尚未填写的必填项。",
        "主办任务已完成的，可在“申请销号”选“是”并写明办结依据；确需延期的，在完成时限之前填写“申请调整时限”和"
        "调整理由。佐证材料（照片、PDF 等）请以任务序号开头命名（如“8-验收报告.pdf”），与填报表一并报送（可打包为 .zip），"
        "并在“佐证材料”栏写明文件名。",
        "2. 本期进展已预填上期报送内容，没有变化的可保留，有变化的请直接修改。",
        "3. 主办单位请在“指标填报”表填写各量化指标截至本期末的累计完成值（只填数字）。",
        "4. 请勿增删行列、修改表头或复制他单位的表格；Excel、WPS、LibreOffice 均可填写，"
        "保存为 .xlsx（也可为 .xls、.ods）后以原文件名报送。",
        "5. 逾期未报送的单位将在通报中列为“未报送”，连续两期未报送的任务将亮红灯。",
        contact,
        sender,
    ] if line)
    target = ws.period_dir(period.id) / "下发通知.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text + "\n", encoding="utf-8")
    return target
