"""The 催报 ladder of `toolkit status`: 提醒 before the due time, 催报 after it, a 督办通知单 for a second miss.

Steps for a unit that has not reported yet, as of the given time:
- 未到提醒时间 — before the working day preceding the due date: nothing is produced;
- 提醒 — from that working day until the due time: a reminder text listing who has not yet sent;
- 催报 — after the due time: the 催报 text naming each unit's contact from 单位名录;
- 督办通知单 — after the due time, for a unit that also missed the previous period of the same kind (it was
  collected and the unit did not report): a numbered notice (.docx, GB/T 9704) under outputs/<PERIOD>/催办/.
Every reminder produced is logged once in the ledger's 催报记录 (when, which units, which step). The toolkit sends
nothing itself: the clerk copies the text and prints or forwards the notices.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

from toolkit.collect.steps import NOTICE, new_records, notice_number
from toolkit.errors import ToolkitError
from toolkit.models import ReminderRecord
from toolkit.workspace import Workspace, safe_file_name

NOTICE_DIR = "催办"
NOTICE_TEMPLATE = "督办通知单.docx"


# ------------------------------------------------------------------------------------------ writing

def chase_period(ws: Workspace, period_text: str, as_of: datetime | None = None):
    """`toolkit status PERIOD`: the status with the ladder; writes the 督办通知单 due and logs what it produced."""
    from toolkit.collect.status import status_of
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import REMINDER_SHEET, ledger_lock, load_ledger, save_small_tables
    from toolkit.periods import parse_period

    config = load_config(ws)
    period = parse_period(period_text, config)
    with ledger_lock(ws):
        ledger = load_ledger(ws, since=period.start)
        directory = load_directory(ws)
        outcome = status_of(ws, ledger, period, config, directory, as_of)
        added = new_records(outcome, ledger.reminders)
        for unit in [u for u, s in outcome.steps.items() if s == NOTICE]:
            record = write_notice(ws, ledger, outcome, period, config, directory, unit)
            if record is not None:
                added.append(record)
        if added:
            ledger.reminders += added
            save_small_tables(ws, ledger, [REMINDER_SHEET])
        outcome.logged = [f"{r.when:%Y-%m-%d %H:%M} {r.step}：{'、'.join(r.units)}{f'（{r.number}）' if r.number else ''}"
                          for r in added]
    return outcome


def write_notice(ws: Workspace, ledger, outcome, period, config, directory, unit: str) -> ReminderRecord | None:
    """Render the unit's 督办通知单 (once per period; a deleted file is rendered again under its number)."""
    number, new = notice_number(ledger.reminders, period.id, unit, outcome.as_of.year)
    path = ws.period_dir(period.id) / NOTICE_DIR / f"{safe_file_name(unit)}督办通知单.docx"
    if not new and path.exists():
        return None
    render_notice(ws, path, notice_context(ledger, outcome, period, config, directory, unit, number))
    outcome.documents.append(path.relative_to(ws.root).as_posix() if path.is_relative_to(ws.root) else str(path))
    if not new:
        return None
    file = path.relative_to(ws.root).as_posix() if path.is_relative_to(ws.root) else str(path)
    return ReminderRecord(outcome.as_of, period.id, NOTICE, [unit], number, file)


def notice_context(ledger, outcome, period, config, directory, unit: str, number: str) -> dict:
    """Every variable of templates/督办通知单.docx (documented in templates/README.md)."""
    from toolkit.basis import label as period_label
    from toolkit.circular import cn_date, subject_of
    from toolkit.directory import unit_tasks
    from toolkit.periods import next_workday

    previous = period.previous(config)
    answer_by = next_workday(outcome.as_of.date() + timedelta(days=1), config)
    tasks = [task_id for task_id, _ in unit_tasks(ledger, directory, known_only=True).get(unit, [])]
    office = config.office
    due = outcome.due
    return {
        "office": office.supervision, "number": number, "unit": unit, "title": NOTICE,
        "period_label": period_label(period), "previous_label": period_label(previous),
        "subject": subject_of(ledger),
        "due_text": f"{cn_date(due.date())}{due:%H:%M}",
        "as_of_text": f"{cn_date(outcome.as_of.date())}{outcome.as_of:%H:%M}",
        "answer_by": cn_date(answer_by),
        "tasks_text": "、".join(f"第{t}项" for t in tasks) or "无",
        "task_count": len(tasks),
        "contact_line": "；".join(p for p in (f"联系人：{office.contact}" if office.contact else "",
                                             f"联系电话：{office.phone}" if office.phone else "") if p),
        "issue_date": cn_date(outcome.as_of.date()),
    }


def render_notice(ws: Workspace, path, context: dict) -> None:
    from docxtpl import DocxTemplate

    template = ws.template(NOTICE_TEMPLATE)
    if not template.exists():
        raise ToolkitError(f"找不到督办通知单模板 {template}。请从工具箱的 templates/ 复制 {NOTICE_TEMPLATE}，"
                           f"或运行 python scripts/build_templates.py 重新生成。")
    tpl = DocxTemplate(str(template))
    try:
        tpl.render(context, autoescape=True)
    except Exception as exc:  # noqa: BLE001 — a clerk's edited template: say which file and why
        raise ToolkitError(f"督办通知单模板 {template} 无法套用（{exc}）。请检查模板中的 {{{{ }}}} 标记，"
                           f"或删除工作区 templates/ 中的该文件以使用自带模板。") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{os.getpid()}.tmp.docx")
    try:
        tpl.save(str(tmp))
        os.replace(tmp, path)
    except PermissionError as exc:
        raise ToolkitError(f"无法写入 {path}：文件可能正在 Word/WPS 中打开。请关闭后重新运行。") from exc
    finally:
        tmp.unlink(missing_ok=True)
