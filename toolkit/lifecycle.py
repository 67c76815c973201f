"""The life of a task (issue 13): 销号 applications, 调整时限 requests, 佐证材料 and the unit head's sign-off.

The rules live here; forms writes the columns this module names, collect hands each accepted row and every evidence
file to it, ledger stores the two review sheets (销号审核, 调整审核) and progress, issue and circular ask it which
tasks are closed and which deadline was approved. Plain data in, plain data out: nothing here reads or writes files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Callable, Iterable

from toolkit.checks import ERROR, Problem
from toolkit.models import LEAD, ClosureApplication, DeadlineRequest, EvidenceRecord, Ledger

# ---------------------------------------------------------------- the unit's form

APPLY_CLOSE = "申请销号"
CLOSE_BASIS = "办结依据"
REQUEST_DUE = "申请调整时限"
REQUEST_REASON = "调整理由"
EVIDENCE = "佐证材料"
FORM_HEADERS = (APPLY_CLOSE, CLOSE_BASIS, REQUEST_DUE, REQUEST_REASON, EVIDENCE)
LEAD_ONLY_HEADERS = FORM_HEADERS[:4]        # a co-unit may name evidence but not apply
YES = "是"
_YES_WORDS = {"是", "申请", "申请销号", "√", "✓", "✔", "y", "yes", "1"}
APPROVER_SHOWN = "单位负责人（审核）"

# ---------------------------------------------------------------- the office's review sheets

CLOSURE_SHEET = "销号审核"
ADJUST_SHEET = "调整审核"
AGREE, RETURN, REVOKE, DISAGREE = "同意", "退回", "撤销", "不同意"
CLOSURE_DECISIONS = (AGREE, RETURN, REVOKE)
ADJUST_DECISIONS = (AGREE, DISAGREE)
CLOSED_STATE = "已销号"
PENDING = "待审核"
LINKED_BY_NAME, LINKED_BY_CELL = "文件名", "佐证材料栏"

_SEPARATORS = re.compile(r"[；;，,、\n]+")
_TASK_PREFIX = re.compile(r"^\s*(?:第\s*(\d+(?:-\d+)*)\s*项|(\d+(?:-\d+)*)\s*[-_—－、.．\s（(])")


def application_key(period: str, unit: str, task_id: str) -> str:
    """申请编号: which return an application came with; a row whose cells no longer match it is the clerk's edit."""
    return f"{period}|{unit}|{task_id}"


# ---------------------------------------------------------------- judging one accepted row

@dataclass
class Found:
    """Something a returned row asked for, with where it was written (for no-evidence and evidence-missing)."""
    item: object                 # ClosureApplication | DeadlineRequest | EvidenceClaim
    sheet: str
    row: int
    column: str


@dataclass
class EvidenceClaim:
    """The evidence file names a unit wrote in a row's 佐证材料 cell."""
    unit: str
    task_id: str
    names: list[str] = field(default_factory=list)


def is_yes(value) -> bool:
    return str(value or "").strip().lower() in _YES_WORDS


def unit_date(value) -> date | None:
    """A date a unit typed: a date cell, 2024-09-30, 2024/9/30, 2024.9.30, 2024年9月30日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", str(value or ""))
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def judge_row(add: Callable[..., Problem], cells: dict[str, tuple[object, str]], record, role: str, sheet: str,
              row: int, due: date | None) -> list[Found]:
    """The lifecycle columns of one accepted row: applications and evidence claims, problems added through `add`.

    `cells`: header → (value, column letter) for FORM_HEADERS; `record` the accepted ProgressRecord; `due` the
    task's current 完成时限. A bad application is refused on its own: the row's progress is still taken.
    """
    def text(header: str) -> str:
        value = cells.get(header, (None, ""))[0]
        return "" if value is None else str(value).strip()

    def where(header: str) -> dict:
        return dict(sheet=sheet, row=row, column=cells.get(header, (None, ""))[1], field=header, value=text(header))

    found: list[Found] = []
    filled = [h for h in LEAD_ONLY_HEADERS if text(h) and not (h == APPLY_CLOSE and not is_yes(text(h)))]
    if role != LEAD and filled:
        add("not-lead", "只有主办单位可以申请销号或调整完成时限，协办单位的申请未受理（本行进展已采用）。"
            "如确需调整，请与主办单位沟通，由主办单位提出；协办单位可在“佐证材料”栏列出佐证文件。", **where(filled[0]))
    elif role == LEAD:
        found += _closure(add, text, where, record, sheet, row, cells, due)
        found += _request(add, text, where, record, sheet, row, cells, due)
    names = [n.strip() for n in _SEPARATORS.split(text(EVIDENCE)) if n.strip()]
    if names:
        found.append(Found(EvidenceClaim(record.unit, record.task_id, names), sheet, row,
                           cells.get(EVIDENCE, (None, ""))[1]))
    return found


def _asked_after(record, due: date | None) -> bool:
    """Sent after the task's 完成时限 (逾期申请 / 逾期销号)."""
    return bool(due and record.received and record.received.date() > due)


def _closure(add, text, where, record, sheet: str, row: int, cells, due: date | None) -> list[Found]:
    if not is_yes(text(APPLY_CLOSE)):
        return []
    if record.state != "已完成":
        add("closure-not-done", f"申请销号须本期状态为“已完成”，本行为“{record.state}”，销号申请未受理。"
            "任务确已完成的，请把本期状态改为“已完成”、完成进度填100后重新报送；尚未完成的请清空“申请销号”。",
            **where(APPLY_CLOSE))
        return []
    if not text(CLOSE_BASIS):
        add("closure-no-basis", "申请销号须写明办结依据（如印发的文件、通过的验收、上线的系统），销号申请未受理。"
            "请在“办结依据”栏填写后重新报送。", **where(CLOSE_BASIS))
        return []
    application = ClosureApplication(record.task_id, record.unit, record.period, text(CLOSE_BASIS),
                                     text(EVIDENCE), key=application_key(record.period, record.unit, record.task_id),
                                     overdue=_asked_after(record, due))
    return [Found(application, sheet, row, cells.get(APPLY_CLOSE, (None, ""))[1])]


def _request(add, text, where, record, sheet: str, row: int, cells, due: date | None) -> list[Found]:
    raw = cells.get(REQUEST_DUE, (None, ""))[0]
    if raw in (None, ""):
        return []
    requested = unit_date(raw)
    if requested is None:
        add("bad-date", "申请调整时限应为日期（例如 2024-09-30），调整申请未受理。请改正后重新报送。", **where(REQUEST_DUE))
        return []
    if due is not None and requested <= due:
        add("bad-date", f"申请调整时限{requested:%Y-%m-%d}不晚于现完成时限{due:%Y-%m-%d}，调整申请未受理。"
            "请填写申请延至的日期；不需要调整的请清空该栏。", **where(REQUEST_DUE))
        return []
    if not text(REQUEST_REASON):
        add("no-reason", "申请调整完成时限须写明调整理由，调整申请未受理。请在“调整理由”栏填写后重新报送。",
            **where(REQUEST_REASON))
        return []
    overdue = _asked_after(record, due)
    if overdue:
        add("overdue-request", f"现完成时限{due:%Y-%m-%d}已过才申请调整，已受理，但在调整审核表中标为“逾期申请”。"
            "今后请在完成时限之前提出。", **where(REQUEST_DUE))
    request = DeadlineRequest(record.task_id, record.unit, record.period, due, requested, text(REQUEST_REASON),
                              overdue, approved=requested,
                              key=application_key(record.period, record.unit, record.task_id))
    return [Found(request, sheet, row, cells.get(REQUEST_DUE, (None, ""))[1])]


def check_approver(add: Callable[..., Problem], sheet: str, footer: dict[str, tuple[str, int, str]],
                   required: bool) -> bool:
    """An empty 单位负责人（审核）: a reminder, or an error when [lifecycle] approver_required. True when refused."""
    answer, row, column = footer.get(APPROVER_SHOWN, ("", None, ""))
    if answer:
        return False
    problem = add("missing-approver", "没有填写单位负责人（审核）：报送前应经单位负责人审核。"
                  + ("按本室规定，未经审核的报表不予采用，请负责人审核签字后重新报送。" if required else
                     "请今后在表格下方填写审核的单位负责人。"),
                  sheet=sheet, row=row, column=column, field=APPROVER_SHOWN, value="")
    if required:
        problem.raised = ERROR
    return required


# ---------------------------------------------------------------- evidence files

def task_from_name(name: str, task_ids: Iterable[str]) -> str | None:
    """`8-验收报告.pdf`, `第8项验收报告.pdf`, `2-1-3 照片.jpg` → the task id, when the ledger has it."""
    match = _TASK_PREFIX.match(PurePosixPath(name).name)
    if not match:
        return None
    known = set(task_ids)
    candidate = match[1] or match[2]
    while candidate:
        if candidate in known:
            return candidate
        candidate = candidate.rpartition("-")[0]
    return None


def _claim_matches(claimed: str, base: str) -> bool:
    claimed = PurePosixPath(claimed.replace("\\", "/")).name
    return claimed == base or PurePosixPath(claimed).stem == PurePosixPath(base).stem or (
        len(claimed) >= 4 and claimed in base)


@dataclass
class EvidenceFile:
    """An evidence file of this collection, before it is linked."""
    name: str                    # as reported: inbox path or 包名/成员名
    sha256: str
    size: int
    unit: str                    # from its folder, package or file name ("" when none names a unit)


def link_evidence(files: list[EvidenceFile], claims: list[EvidenceClaim], period: str, task_ids: list[str],
                  config) -> list[EvidenceRecord]:
    """Each file → an EvidenceRecord: its task by file-name prefix, else by a 佐证材料 cell naming it; flagged when
    its type is not accepted or it is too large ([lifecycle] evidence_types, evidence_max_mb)."""
    records = []
    for file in files:
        base = PurePosixPath(file.name).name
        unit, task_id, linked_by = file.unit, task_from_name(base, task_ids), LINKED_BY_NAME
        if task_id is None:
            claim = next((c for c in claims if (not unit or c.unit == unit)
                          and any(_claim_matches(n, base) for n in c.names)), None)
            task_id, linked_by = (claim.task_id, LINKED_BY_CELL) if claim else ("", "")
            unit = unit or (claim.unit if claim else "")
        records.append(EvidenceRecord(period, unit, task_id, file.name, "", file.sha256, file.size, linked_by,
                                      evidence_flag(base, file.size, config)))
    return records


def evidence_flag(base: str, size: int, config) -> str:
    suffix = PurePosixPath(base).suffix.lower().lstrip(".")
    if suffix not in config.evidence_types:
        return "evidence-type"
    if size > config.evidence_max_mb * 1024 * 1024:
        return "evidence-too-large"
    return ""


def evidence_message(record: EvidenceRecord, config) -> tuple[str, str]:
    """(code, message) for an evidence file in 校验报告."""
    suffix = PurePosixPath(record.name).suffix or "（无扩展名）"
    if record.flag == "evidence-type":
        return "evidence-type", (f"{suffix} 不是认可的佐证材料类型（可能是可执行文件或无法识别的文件），已原样归档但不计入佐证，"
                                 "督查室请勿直接打开。请把佐证材料转换为 PDF、图片或 Office 文件后重新发送。")
    if record.flag == "evidence-too-large":
        return "evidence-too-large", (f"佐证材料超过 {config.evidence_max_mb:g} MB，已原样归档但不计入佐证。"
                                      "请压缩图片或拆分文件后重新发送。")
    where = (f"对应第{record.task_id}项任务（按{record.linked_by}）" if record.task_id else
             "未能对应到任务（文件名请以任务序号开头，如“8-验收报告.pdf”，或在填报表“佐证材料”栏写明文件名）")
    return "evidence", f"佐证材料（{record.unit or '未识别单位'}），已原样归档，{where}。"


def evidence_of(ledger: Ledger, unit: str, task_id: str) -> list[EvidenceRecord]:
    """The usable evidence a unit sent for a task, in every period, without repeating the same bytes."""
    seen, result = set(), []
    for record in ledger.evidence:
        if record.unit == unit and record.task_id == task_id and not record.flag and record.sha256 not in seen:
            seen.add(record.sha256)
            result.append(record)
    return result


def missing_claims(claims: list[Found], ledger: Ledger) -> list[tuple[Found, str]]:
    """Names written in a 佐证材料 cell that no evidence file of that unit matches."""
    missing = []
    for found in claims:
        claim = found.item
        bases = [PurePosixPath(r.name).name for r in ledger.evidence if r.unit == claim.unit]
        missing += [(found, n) for n in claim.names if not any(_claim_matches(n, b) for b in bases)]
    return missing


# ---------------------------------------------------------------- merging applications into the ledger

def merge_applications(ledger: Ledger, found: list[Found]) -> None:
    """New applications and requests join the review sheets; the same return again changes nothing; a unit that
    applies again while its earlier application waits updates that row. The clerk's decisions are never touched."""
    closed = closed_task_ids(ledger)
    for item in (f.item for f in found):
        if isinstance(item, ClosureApplication) and item.task_id not in closed:
            _merge(ledger.closures, item, ("basis", "evidence_cell", "overdue"))
        elif isinstance(item, DeadlineRequest):
            _merge(ledger.adjustments, item, ("requested", "approved", "reason", "overdue", "original"))


def _merge(rows: list, item, fields: tuple[str, ...]) -> None:
    same = next((r for r in rows if r.key == item.key), None) or next(
        (r for r in rows if r.unit == item.unit and r.task_id == item.task_id and not r.decision), None)
    if same is None:
        rows.append(item)
        return
    if same.decision:
        return
    for name in fields:
        setattr(same, name, getattr(item, name))


def _ends_by(period_id: str, end: date) -> bool:
    from toolkit.periods import period_end_of

    try:
        return period_end_of(period_id) <= end
    except Exception:  # noqa: BLE001 - a clerk's typo in 申请期别 counts from now on
        return True


def valid_closures(ledger: Ledger) -> list[ClosureApplication]:
    """销号审核 rows that still match their application (see review_warnings for the others)."""
    if not ledger.closures:
        return []
    ids = {t.id for t in ledger.tasks}
    return [c for c in ledger.closures if not _stale(c, ledger, ids)]


def closed_task_ids(ledger: Ledger, by: date | None = None) -> set[str]:
    """Tasks closed (审核意见 同意, not 撤销) by an application of a period ending on or before `by` (any, without)."""
    return {c.task_id for c in valid_closures(ledger)
            if c.decision == AGREE and (by is None or _ends_by(c.period, by))}


def pending_closures(ledger: Ledger) -> list[ClosureApplication]:
    return [c for c in valid_closures(ledger) if c.decision not in CLOSURE_DECISIONS]


def pending_requests(ledger: Ledger) -> list[DeadlineRequest]:
    return [r for r in ledger.adjustments if not _stale(r, ledger) and r.decision not in ADJUST_DECISIONS]


def approved_request(ledger: Ledger, task_id: str) -> DeadlineRequest | None:
    """The latest approved 调整 request of a task (by 申请期别), or None."""
    approved = [r for r in ledger.adjustments if r.task_id == task_id and r.decision == AGREE and not _stale(r, ledger)]
    if not approved:
        return None
    from toolkit.periods import period_end_of

    def order(r: DeadlineRequest):
        try:
            return period_end_of(r.period)
        except Exception:  # noqa: BLE001
            return date.min
    return max(approved, key=order)


def approved_due(ledger: Ledger, task_id: str) -> date | None:
    """The approved 完成时限 of a task (批准完成时限, else the requested date), or None when none was approved."""
    request = approved_request(ledger, task_id)
    if request is None:
        return None
    return request.approved or request.requested


def _stale(row, ledger: Ledger, task_ids: set[str] | None = None) -> bool:
    if row.key and row.key != application_key(row.period, row.unit, row.task_id):
        return True
    return row.task_id not in (task_ids if task_ids is not None else {t.id for t in ledger.tasks})


def review_warnings(ledger: Ledger) -> list[str]:
    """A decision on a row that no longer matches its application, or a word the review does not know."""
    notes = []
    for sheet, rows, words in ((CLOSURE_SHEET, ledger.closures, CLOSURE_DECISIONS),
                               (ADJUST_SHEET, ledger.adjustments, ADJUST_DECISIONS)):
        for r in rows:
            where = f"台账“{sheet}”表第{r.excel_row}行" if r.excel_row else f"台账“{sheet}”表"
            if _stale(r, ledger):
                notes.append(f"{where}的任务序号、申请单位或申请期别与申请（编号 {r.key}）不符（任务序号“{r.task_id}”），"
                             "该行的审核意见未生效。请改回原值；如要审核其他任务，请等该单位在填报表中提出申请。")
            elif r.decision and r.decision not in words:
                notes.append(f"{where}的审核意见“{r.decision}”无法识别，按待审核处理。请填写：{'、'.join(words)}。")
    return notes


def normalise_decisions(ledger: Ledger, today: date) -> None:
    """Unknown words count as 待审核; a decision without 审核日期 gets today's date; 批准完成时限 defaults to the
    requested date."""
    for rows, words in ((ledger.closures, CLOSURE_DECISIONS), (ledger.adjustments, ADJUST_DECISIONS)):
        for r in rows:
            if r.decision in words and r.decided is None:
                r.decided = today
    for r in ledger.adjustments:
        if r.approved is None:
            r.approved = r.requested


# ---------------------------------------------------------------- what other stages ask

def without_closed(held: dict[str, list[tuple[str, str]]], ledger: Ledger, period_start: date) -> dict:
    """unit → its (task, role) pairs without the tasks closed before the period starts (not on its form any more)."""
    from datetime import timedelta

    closed = closed_task_ids(ledger, by=period_start - timedelta(days=1))
    if not closed:
        return held
    kept = {unit: [(t, role) for t, role in pairs if t not in closed] for unit, pairs in held.items()}
    return {unit: pairs for unit, pairs in kept.items() if pairs}


def close_statuses(statuses: dict, ledger: Ledger, period_end: date) -> dict:
    """Closed tasks count among 已完成 (progress 100, green) from their application's period on."""
    from toolkit.models import TaskStatus

    for task_id in closed_task_ids(ledger, by=period_end):
        status = statuses.get(task_id) or TaskStatus()
        status.state, status.progress, status.warning = "已完成", 100.0, "绿"
        status.flags = []           # nothing to check: the office reviewed and closed it (任务台账 销号 says so)
        statuses[task_id] = status
    return statuses


def task_columns(ledger: Ledger) -> dict[str, dict[str, object]]:
    """任务台账's lifecycle columns, task id → 完成时限 (approved) and 原完成时限, 佐证材料 (count), 销号."""
    valid = valid_closures(ledger)
    closed = {c.task_id: c for c in valid if c.decision == AGREE}
    pending = {c.task_id for c in valid if c.decision not in CLOSURE_DECISIONS}
    evidence: dict[str, set[tuple[str, str]]] = {}
    for record in ledger.evidence:
        if not record.flag and record.task_id:
            evidence.setdefault(record.task_id, set()).add((record.unit, record.sha256))
    approved_tasks = {r.task_id for r in ledger.adjustments if r.decision == AGREE}
    columns = {}
    for task in ledger.tasks:
        approved = approved_due(ledger, task.id) if task.id in approved_tasks else None
        mark = (f"{CLOSED_STATE}（{closed[task.id].period}）" if task.id in closed
                else f"销号{PENDING}" if task.id in pending else "")
        columns[task.id] = {"完成时限": approved or task.due, "原完成时限": task.due if approved else None,
                            "佐证材料": len(evidence.get(task.id, ())) or "", "销号": mark}
    return columns


def closure_rows(ledger: Ledger, summary: Callable[[str, int], str]) -> list[list]:
    """销号审核, one row per application (`summary`: a task's first clause, ledger.task_summary)."""
    texts = {t.id: t.text for t in ledger.tasks}
    rows = []
    for c in ledger.closures:
        files = evidence_of(ledger, c.unit, c.task_id)
        listed = "；".join(PurePosixPath(f.name).name for f in files)
        rows.append([c.task_id, summary(texts.get(c.task_id, ""), 20), c.unit, c.period, c.basis,
                     f"{len(files)} 份：{listed}" if files else "无", c.evidence_cell, "是" if c.overdue else "否",
                     c.decision, c.note, c.decided, c.returned_in, c.key])
    return rows


def adjustment_rows(ledger: Ledger, summary: Callable[[str, int], str]) -> list[list]:
    """调整审核, one row per request."""
    texts = {t.id: t.text for t in ledger.tasks}
    return [[r.task_id, summary(texts.get(r.task_id, ""), 20), r.unit, r.period, r.original, r.requested,
             r.reason, "是" if r.overdue else "否", r.decision, r.approved, r.note, r.decided, r.key]
            for r in ledger.adjustments]


def returned_closures(ledger: Ledger, period_id: str) -> list[ClosureApplication]:
    """退回 decisions not yet sent to the unit (or sent with this period's notes, so a re-run sends them again)."""
    chosen = [c for c in valid_closures(ledger) if c.decision == RETURN and c.returned_in in ("", period_id)]
    for c in chosen:
        c.returned_in = period_id
    return chosen


def returned_message(application: ClosureApplication) -> str:
    reason = f"退回理由：{application.note}" if application.note else "督查室未写明理由，请与督查室联系"
    return (f"第{application.task_id}项任务的销号申请（{application.period}）已被督查室退回，{reason}。"
            "请按要求补充办结依据或佐证材料后，在下期填报表中重新申请销号。")


# ---------------------------------------------------------------- circulars

def closed_in(ledger: Ledger, ends_within: Callable[[str], bool]) -> list[str]:
    """Task ids closed by an application of a period that ends within the circular's period."""
    return [c.task_id for c in valid_closures(ledger) if c.decision == AGREE and ends_within(c.period)]


def adjusted_in(ledger: Ledger, ends_within: Callable[[str], bool]) -> list[DeadlineRequest]:
    return [r for r in ledger.adjustments
            if r.decision == AGREE and not _stale(r, ledger) and ends_within(r.period)]


def adjustment_text(requests: list[DeadlineRequest], label: Callable[[str], str]) -> str:
    def day(d: date | None) -> str:
        return f"{d.month}月{d.day}日" if d else "未定"

    return "；".join(f"{label(r.task_id)}（{r.unit}）完成时限由{day(r.original)}调整为{day(r.approved or r.requested)}"
                    + ("（逾期申请）" if r.overdue else "") for r in requests)
