"""The printed 通报 (DESIGN §9): 周盘点, 旬推进 and 月调度 rendered from the ledger with docxtpl.

Every number comes from the ledger as evaluated at the period's end. Templates are in templates/ (a workspace's
own templates/ overrides them file by file); their variables are documented in templates/README.md.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections import Counter
from datetime import date
from pathlib import Path

from toolkit.charts import chart_image
from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.models import STATES, CircularRecord, Ledger, TaskStatus
from toolkit.workspace import Workspace, safe_file_name

KINDS = ("周盘点", "旬推进", "月调度")
KIND_OF_PERIOD = {"周": "周盘点", "旬": "旬推进", "月": "月调度"}
ON_SCHEDULE = ("已完成", "超序时", "序时推进")
MASTHEAD = "督查通报"
FONT_ALIASES = Path(__file__).resolve().parent.parent / "scripts" / "fonts-gongwen.conf"
INSTALL_HINT = ("未找到 LibreOffice，已生成 Word 文件但未转换 PDF。Linux 请安装："
                "sudo apt-get install libreoffice-writer-nogui fonts-noto-cjk；"
                "Windows 请从 https://zh-cn.libreoffice.org 下载安装 LibreOffice，"
                "或用 Word/WPS 打开 .docx 后“另存为 PDF”。")


# ------------------------------------------------------------------------------------------ text helpers

def cn_date(d: date) -> str:
    """GB/T 9704 date: Arabic digits, full year, no zero padding — 2024年3月24日."""
    return f"{d.year}年{d.month}月{d.day}日"


def share(count: int, total: int) -> str:
    return f"{count / total * 100:.1f}" if total else "0.0"


def percent(value: float | None, decimals: int | None = None) -> str:
    """35 → "35%", 35.25 → "35.3%" (or fixed decimals); None → "—"."""
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return f"{value:.{decimals}f}%"


def plain_number(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def listing(items: list[str], empty: str = "无") -> str:
    return "、".join(items) if items else empty


def summary(text: str) -> str:
    from toolkit.ledger import task_summary   # one rule for every table that shows a task
    return task_summary(text, 40)


def period_label(period) -> str:
    """“2024年第12周（3月18日—3月24日）” → “2024年第12周”."""
    return period.display.split("（")[0]


def subject_of(ledger: Ledger) -> str:
    """What the notice is about, from its title: 关于分解落实2024年政府工作报告任务目标的通知 → 政府工作报告任务目标."""
    title = ledger.info.title or ""
    found = re.search(r"关于(?:分解落实|分解|落实|印发)?(.+?)的通知", title)
    subject = found.group(1) if found else "重点任务"
    return re.sub(r"^\d{4}年(度)?", "", subject) or "重点任务"


# ------------------------------------------------------------------------------------------ the context

def status_of(statuses: dict[str, TaskStatus], task_id: str) -> TaskStatus:
    return statuses.get(task_id) or TaskStatus()


def headline(statuses: dict[str, TaskStatus], ledger: Ledger) -> tuple[str, dict[str, int], dict[str, str]]:
    """"76项任务中，已完成5项、占比6.6%；…" — every state that occurs, 已完成 and 滞后 always."""
    total = len(ledger.tasks)
    counts = Counter(status_of(statuses, t.id).state for t in ledger.tasks)
    counts_by_state = {state: counts.get(state, 0) for state in STATES}
    shares = {state: share(n, total) for state, n in counts_by_state.items()}
    parts = [f"{state}{n}项、占比{shares[state]}%" for state, n in counts_by_state.items()
             if n or state in ("已完成", "滞后")]
    return f"{total}项任务中，" + "；".join(parts), counts_by_state, shares


def task_refs(ledger: Ledger, task_ids: list[str]) -> str:
    texts = {t.id: t.text for t in ledger.tasks}
    return listing([f"第{tid}项（{summary(texts[tid])}）" for tid in task_ids])


def task_numbers(task_ids: list[str]) -> str:
    """第3项、第5项、第12项 — short, for lists that a table below spells out.

    Each number keeps its own 第…项 so that LibreOffice and Word can break the line after any 、 (a run of
    digits joined by 、 is one unbreakable word for them).
    """
    return listing([f"第{tid}项" for tid in task_ids])


def updated_task_ids(ledger: Ledger, period, directory=None) -> set[str]:
    """Tasks whose deciding unit sent a report in the period (progress.reported_task_ids: one rule)."""
    from toolkit.progress import reported_task_ids
    return reported_task_ids(ledger, period, directory)


def changes(ledger: Ledger, period, statuses, previous_statuses, previous_period, directory=None) -> dict:
    def state(s, tid):
        return status_of(s, tid).state

    ids = [t.id for t in ledger.tasks]
    completed = [i for i in ids if state(statuses, i) == "已完成" and state(previous_statuses, i) != "已完成"]
    lagging = [i for i in ids if state(statuses, i) == "滞后" and state(previous_statuses, i) != "滞后"]
    updated = updated_task_ids(ledger, period, directory)
    not_updated = [i for i in ids if i not in updated and state(statuses, i) != "已完成"]
    intro = (f"与上期（{period_label(previous_period)}）相比，新完成{len(completed)}项，新增滞后{len(lagging)}项，"
             f"本期未更新进展{len(not_updated)}项。") if previous_period else "本期为首期，无上期数据可比。"
    return {
        "previous_display": previous_period.display if previous_period else "",
        "changes_intro": intro,
        "newly_completed": completed, "newly_completed_text": task_refs(ledger, completed),
        "newly_lagging": lagging, "newly_lagging_text": task_numbers(lagging),
        "not_updated": not_updated, "not_updated_text": task_numbers(not_updated),
    }


def task_row(ledger: Ledger, task, status: TaskStatus, no: int) -> dict:
    return {
        "no": no, "id": task.id, "summary": summary(task.text),
        "leaders": listing(task.leaders, ""), "lead_units": listing(task.lead_units, ""),
        "co_units": listing(task.co_units, ""),
        "progress": percent(status.progress), "schedule": percent(status.schedule, 1),
        "warning": status.warning or "", "state": status.state,
        "problems": status.problems or "", "plan": status.plan or "", "latest": status.latest or "",
    }


def red_first(ledger: Ledger, statuses, keep) -> list[dict]:
    chosen = [t for t in ledger.tasks if keep(status_of(statuses, t.id))]
    chosen.sort(key=lambda t: (status_of(statuses, t.id).warning != "红", t.seq))
    return [task_row(ledger, t, status_of(statuses, t.id), n) for n, t in enumerate(chosen, 1)]


def submissions_in(ledger: Ledger, period) -> list:
    from toolkit.progress import ends_within
    return [s for s in ledger.submissions if s.period == period.id or ends_within(s.period, period)]


def reporting(ledger: Ledger, period) -> dict:
    records = [s for s in submissions_in(ledger, period) if s.expected]
    expected = list(dict.fromkeys(s.unit for s in records))
    unreported = list(dict.fromkeys(s.unit for s in records if not s.reported))
    late = list(dict.fromkeys(s.unit for s in records if s.reported and s.late))
    on_time = [u for u in expected if u not in unreported and u not in late]
    return {"expected_units": len(expected), "on_time_units": len(on_time),
            "unreported_units": unreported, "unreported_text": listing(unreported),
            "late_units": late, "late_text": listing(late)}


def leader_rows(ledger: Ledger, statuses) -> list[dict]:
    rows: dict[str, Counter] = {}
    for task in ledger.tasks:
        state = status_of(statuses, task.id).state
        for leader in task.leaders or ["（未明确）"]:
            counter = rows.setdefault(leader, Counter())
            counter["tasks"] += 1
            counter[state] += 1
    # every state has its own column so that each row adds up to 任务数
    return [{"leader": leader, "tasks": c["tasks"], "done": c["已完成"], "ahead": c["超序时"],
             "on_schedule": c["序时推进"], "on_track": c["超序时"] + c["序时推进"], "lagging": c["滞后"],
             "not_started": c["未启动"], "unreported": c["未报送"]} for leader, c in rows.items()]


def unit_rows(ledger: Ledger, statuses, period, directory=None) -> list[dict]:
    """Deciding units ranked by on-schedule rate, then fewer lagging tasks, then fewer problems found.

    The units are the task's real holders (progress.task_holders: 各镇街 expanded to the towns, aliases
    resolved; the co-units of a task without a lead unit); a collective name is never ranked.
    """
    from toolkit.directory import collective
    from toolkit.progress import task_holders

    problems = Counter()
    for record in submissions_in(ledger, period):
        problems[record.unit] += record.problems
    holders = task_holders(ledger, directory)
    units: dict[str, Counter] = {}
    for task in ledger.tasks:
        state = status_of(statuses, task.id).state
        for unit in holders[task.id].leads:
            if collective(unit):   # only without a directory can a raw collective name get here
                continue
            counter = units.setdefault(unit, Counter())
            counter["tasks"] += 1
            counter["on_time"] += state in ON_SCHEDULE
            counter["lagging"] += state == "滞后"
    rows = [{"unit": unit, "tasks": c["tasks"], "rate_value": c["on_time"] / c["tasks"] * 100,
             "on_time_rate": percent(c["on_time"] / c["tasks"] * 100, 1), "lagging": c["lagging"],
             "problems": problems[unit]} for unit, c in units.items()]
    rows.sort(key=lambda r: (-r["rate_value"], r["lagging"], r["problems"], r["unit"]))
    previous_key, rank = None, 0
    for position, row in enumerate(rows, 1):
        key = (round(row["rate_value"], 6), row["lagging"], row["problems"])
        if key != previous_key:
            rank, previous_key = position, key
        row["rank"] = rank
    return rows


def indicator_rows(ledger: Ledger, period, statuses, values: dict[str, float]) -> tuple[list[dict], int, int]:
    rows, reported, on_schedule = [], 0, 0
    for indicator in ledger.indicators:
        current = values.get(indicator.id, indicator.current)
        rate = round(current / indicator.target * 100, 1) if current is not None and indicator.target else None
        schedule = status_of(statuses, indicator.task_id).schedule
        reported += current is not None
        on_schedule += rate is not None and schedule is not None and rate >= schedule
        rows.append({"id": indicator.id, "task_id": indicator.task_id, "phrase": indicator.phrase,
                     "target": plain_number(indicator.target), "unit": indicator.unit,
                     "current": plain_number(current), "rate": percent(rate, 1)})
    return rows, reported, on_schedule


def build_context(ledger: Ledger, period, kind: str, config, number: int, as_of: date, tpl, *,
                  statuses: dict[str, TaskStatus] | None = None,
                  previous_statuses: dict[str, TaskStatus] | None = None,
                  indicator_values: dict[str, float] | None = None, chart: bool = True,
                  directory=None) -> dict:
    """Every template variable (templates/README.md), computed from the ledger as of the period's end.

    statuses / previous_statuses / indicator_values default to toolkit.progress's evaluation of this period and
    of the previous period of the same kind. `directory` (the loaded 单位名录) tells who really holds each task;
    without it the raw names of 责任分工 are used.
    """
    previous_period = period.previous(config) if hasattr(period, "previous") else None
    if statuses is None or previous_statuses is None or indicator_values is None:
        from toolkit import progress
        if statuses is None:
            statuses = progress.evaluate(ledger, period, config, directory)
        if previous_statuses is None:
            previous_statuses = (progress.evaluate(ledger, previous_period, config, directory)
                                 if previous_period else {})
        if indicator_values is None:
            indicator_values = progress.indicator_values(ledger, period, directory)
    office, wording = config.office, config.circular
    subject = subject_of(ledger)
    line, counts, shares = headline(statuses, ledger)
    lagging = red_first(ledger, statuses, lambda s: s.state == "滞后")
    push = red_first(ledger, statuses, lambda s: s.state == "滞后" or s.warning == "红")
    indicators, reported, on_schedule = indicator_rows(ledger, period, statuses, indicator_values)
    context = {
        "masthead": MASTHEAD, "kind": kind, "number": number, "year": period.year,
        "office": office.supervision, "printer": office.office,
        "issue_date": cn_date(as_of), "print_date": cn_date(as_of), "as_of_date": cn_date(as_of),
        "period_id": period.id, "period_display": period.display, "period_label": period_label(period),
        "title": f"{subject}{kind}情况通报",
        "recipients": wording.recipients, "cc": listing(list(wording.cc), ""), "closing": wording.closing,
        "opening": f"现将{period.display}{subject}落实情况通报如下。",
        "subject": subject, "total": len(ledger.tasks),
        "headline": line, "counts": counts, "shares": shares,
        "lagging": lagging, "red_lagging_count": sum(r["warning"] == "红" for r in lagging),
        "push_list": push, "red_push_count": sum(r["warning"] == "红" for r in push),
        "leader_rows": leader_rows(ledger, statuses),
        "unit_rows": unit_rows(ledger, statuses, period, directory),
        "indicator_rows": indicators, "indicators_reported": reported, "indicators_on_schedule": on_schedule,
        "requirements": list(wording.requirements),
        "chart": chart_image(ledger, statuses, tpl) if chart else "",
    }
    context.update(changes(ledger, period, statuses, previous_statuses, previous_period, directory))
    context.update(reporting(ledger, period))
    return context


# ------------------------------------------------------------------------------------------ rendering

def kinds_for(period, kinds: list[str] | None) -> list[str]:
    if not kinds:
        return [KIND_OF_PERIOD[period.kind]]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ToolkitError(f"通报类型“{'、'.join(unknown)}”无法识别。可用的有：{'、'.join(KINDS)}。")
    return list(dict.fromkeys(kinds))


def circular_number(ledger: Ledger, kind: str, period) -> CircularRecord:
    """The 通报记录 entry for (kind, period): reused when the period was rendered before, else the next 期数."""
    for record in ledger.circulars:
        if record.kind == kind and record.period == period.id:
            return record
    used = [r.number for r in ledger.circulars if r.kind == kind and r.year == period.year]
    record = CircularRecord(kind=kind, year=period.year, number=max(used, default=0) + 1, period=period.id,
                            file="")
    ledger.circulars.append(record)
    return record


def render_one(ws: Workspace, ledger: Ledger, period, kind: str, config, record: CircularRecord, as_of: date,
               statuses, previous_statuses, values, directory=None) -> Path:
    from docxtpl import DocxTemplate

    template = ws.template(f"{kind}.docx")
    if not template.exists():
        raise ToolkitError(f"找不到通报模板 {template}。请从工具箱的 templates/ 复制 {kind}.docx，"
                           f"或运行 python scripts/build_templates.py 重新生成。")
    tpl = DocxTemplate(str(template))
    context = build_context(ledger, period, kind, config, record.number, as_of, tpl, statuses=statuses,
                            previous_statuses=previous_statuses, indicator_values=values, directory=directory)
    try:
        tpl.render(context, autoescape=True)
    except Exception as exc:  # noqa: BLE001 — a clerk's edited template: say which file and why
        raise ToolkitError(f"通报模板 {template} 无法套用（{exc}）。请检查模板中的 {{{{ }}}} / {{% %}} 标记是否"
                           f"完整、引号是否为英文引号，或删除工作区 templates/ 中的该文件以使用自带模板。") from exc
    out = ws.circular_dir(period.id) / f"{safe_file_name(context['title'])}（{context['period_label']}）.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{record.kind}.{os.getpid()}.tmp.docx")
    try:
        tpl.save(str(tmp))
        os.replace(tmp, out)   # a half-written circular never replaces a good one
    except PermissionError as exc:
        raise ToolkitError(f"无法写入 {out}：文件可能正在 Word/WPS 中打开。请关闭后重新运行。") from exc
    finally:
        tmp.unlink(missing_ok=True)
    record.file = out.relative_to(ws.root).as_posix() if out.is_relative_to(ws.root) else str(out)
    record.issued = as_of
    return out


def render_circulars(ws: Workspace, period_text: str, as_of: date | None, pdf: bool,
                     kinds: list[str] | None = None) -> list[Path]:
    """Render the period's circular(s) into outputs/<PERIOD>/通报/, record them in 通报记录 and save the ledger.

    Returns the .docx files written, followed by the PDFs when `pdf` and LibreOffice is present.
    """
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import history_start, ledger_lock, load_ledger, save_ledger
    from toolkit.periods import parse_period

    config = load_config(ws)
    period = parse_period(period_text, config)
    as_of = as_of or period.end
    with ledger_lock(ws):
        ledger = load_ledger(ws, since=history_start(period, config, extra_periods=1))
        directory = load_directory(ws)
        holders = progress.task_holders(ledger, directory)
        statuses = progress.evaluate(ledger, period, config, holders=holders)
        previous_statuses = progress.evaluate(ledger, period.previous(config), config, holders=holders)
        values = progress.indicator_values(ledger, period, holders=holders)
        before = [(r.kind, r.year, r.number, r.period, r.file, r.issued) for r in ledger.circulars]
        files = []
        for kind in kinds_for(period, kinds):
            record = circular_number(ledger, kind, period)
            files.append(render_one(ws, ledger, period, kind, config, record, as_of, statuses,
                                    previous_statuses, values, directory))
        after = [(r.kind, r.year, r.number, r.period, r.file, r.issued) for r in ledger.circulars]
        if after != before:   # a plain re-render changes nothing in 通报记录: no write, no backup
            save_ledger(ws, ledger)
    if pdf:
        files += convert_to_pdf(files, files[0].parent)
    return files


# ------------------------------------------------------------------------------------------ PDF

def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "LibreOffice/program/soffice.exe",
                      Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")):
        if candidate.exists():
            return str(candidate)
    return None


def convert_to_pdf(files: list[Path], outdir: Path) -> list[Path]:
    """One LibreOffice call for all files (much faster than one each); a warning, not an error, without it."""
    soffice = find_soffice()
    if soffice is None:
        warnings.warn(INSTALL_HINT, ToolkitWarning, stacklevel=2)
        return []
    pdfs = [outdir / f"{f.stem}.pdf" for f in files]
    for stale in pdfs:   # so that a failed conversion cannot pass for a fresh one
        stale.unlink(missing_ok=True)
    env = dict(os.environ)
    if FONT_ALIASES.exists() and os.name != "nt":
        env["FONTCONFIG_FILE"] = str(FONT_ALIASES)
    with tempfile.TemporaryDirectory(prefix="toolkit-lo-") as profile:
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--convert-to", "pdf",
                   "--outdir", str(outdir), *map(str, files)]
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            warnings.warn("LibreOffice 转换 PDF 超时（5 分钟），已跳过。请关闭正在运行的 LibreOffice 后重试，"
                          "或用 Word/WPS 打开 .docx“另存为 PDF”。", ToolkitWarning, stacklevel=2)
            return []
    missing = [p.name for p in pdfs if not p.exists()]
    if result.returncode != 0 or missing:
        warnings.warn(f"LibreOffice 未能转换 {listing(missing) or '部分文件'}（{result.stderr.strip()[:200]}）。"
                      f"请用 Word/WPS 打开 .docx“另存为 PDF”。", ToolkitWarning, stacklevel=2)
    return [p for p in pdfs if p.exists()]

