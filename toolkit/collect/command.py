"""The `toolkit collect` command: archive every returned file, judge it, merge the good rows, write the reports."""
from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

from toolkit import beside
from toolkit.checks import FileRejected, Problem
from toolkit.collect.evidence import take_applications, take_evidence
from toolkit.collect.inbox import (Inbox, Returned, archive_file, evidence_preset, is_package, modified_time,
                                   open_package, scan_inbox, settle_seconds, still_copying_note)
from toolkit.collect.judging import (PASSED, REJECTED, WITH_NOTICES, Context, FileVerdict, judge_all,
                                     mark_earlier_collections, mark_superseded)
from toolkit.collect.merging import merge_rows, update_submissions
from toolkit.collect.reports import (REPORT_NAME, RETURN_DIR, SUMMARY_NAME, write_problem_report,
                                     write_return_notes, write_summary)
from toolkit.lifecycle import pending_closures, pending_requests, without_closed
from toolkit.memory import keep_all_made
from toolkit.faults import checkpoint
from toolkit.errors import EXIT_OK, EXIT_REJECTED, ToolkitError
from toolkit.oserrors import writing
from toolkit.workspace import Workspace, file_sha256, safe_file_name


def _no_track(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


@dataclass
class CollectOutcome:
    period_id: str
    period_display: str
    due: datetime
    source: Path
    verdicts: list[FileVerdict] = field(default_factory=list)
    added_rows: int = 0
    expected_units: list[str] = field(default_factory=list)
    reported_units: list[str] = field(default_factory=list)
    late_units: list[str] = field(default_factory=list)
    report: Path | None = None
    summary: Path | None = None
    return_notes: list[Path] = field(default_factory=list)
    review_problems: list[Problem] = field(default_factory=list)    # 退回 decisions of 销号审核 (issue 13)
    waiting_reviews: tuple[int, int] = (0, 0)   # 销号 applications and 调整 requests the office has not decided

    @property
    def problems(self) -> list[Problem]:
        return [p for v in self.verdicts for p in v.problems] + self.review_problems

    @property
    def missing_units(self) -> list[str]:
        reported = set(self.reported_units)
        return [u for u in self.expected_units if u not in reported]

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if any(p.is_error for p in self.problems) else EXIT_OK

    def lines(self) -> list[str]:
        lines = [f"{self.period_display}：共收到 {len(self.verdicts)} 个文件（{self.source}）"]
        for v in self.verdicts:
            errors = sum(p.is_error for p in v.problems)
            notices = len(v.problems) - errors
            detail = "，".join(x for x in (errors and f"错误 {errors} 处", notices and f"提醒 {notices} 处",
                                          v.records and v.counted and f"采用 {len(v.records)} 行") if x)
            lines.append(f"  {v.status}  {v.name}  {v.unit or '未识别单位'}" + (f"（{detail}）" if detail else ""))
        statuses = [v.status for v in self.verdicts]
        lines.append(f"合计：通过 {statuses.count(PASSED)} 个，有提醒 {statuses.count(WITH_NOTICES)} 个，"
                     f"退回 {statuses.count(REJECTED)} 个；新增进展记录 {self.added_rows} 行。")
        lines.append(f"应报 {len(self.expected_units)} 个单位，已报 {len(self.reported_units)} 个，"
                     f"迟报 {len(self.late_units)} 个，未报 {len(self.missing_units)} 个。")
        if self.late_units:
            lines.append("迟报单位：" + "、".join(self.late_units))
        if self.missing_units:
            lines.append("未报送单位：" + "、".join(self.missing_units))
        lines += self._inbox_lines()
        lines += self._review_lines()
        if self.report:
            lines.append(f"校验报告：{self.report}")
        if self.summary:
            lines.append(f"汇总表：{self.summary}")
        if self.return_notes:
            lines.append(f"退回说明 {len(self.return_notes)} 份（可直接转发）：{self.return_notes[0].parent}")
        return lines


    def _review_lines(self) -> list[str]:
        closures, requests = self.waiting_reviews
        if not (closures or requests):
            return []
        return [f"待督查室审核：销号申请 {closures} 项、调整完成时限申请 {requests} 项，请在台账“销号审核”“调整审核”表的"
                "“审核意见”列填写。"]

    def _inbox_lines(self) -> list[str]:
        lines = []
        waiting = [v.name for v in self.verdicts if any(p.code == "still-copying" for p in v.problems)]
        if waiting:
            lines.append(f"仍在复制中、留待下次收取的文件 {len(waiting)} 个：" + "、".join(waiting))
        inside = list(dict.fromkeys(u for v in self.verdicts if v.rejected for u in v.units_inside))
        if inside:
            lines.append("被退回的压缩包中有以下单位的文件（本次未采用，见校验报告）：" + "、".join(inside))
        return lines


def collect_period(ws: Workspace, period_text: str, source: Path | None = None, received: datetime | None = None,
                   track=None, clock=time.time) -> CollectOutcome:
    """`toolkit collect PERIOD [--from DIR] [--received DATETIME]`: archive, judge, merge, report.

    `clock` (seconds since the epoch) decides which files are still being copied; tests pass their own.
    """
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.directory import known_units, load_directory, unit_tasks
    from toolkit.forms import office_key
    from toolkit.ledger import ledger_lock, load_ledger, ready_to_write, refuse_if_open, save_ledger
    from toolkit.periods import parse_period

    track = track or _no_track
    config = load_config(ws.require())
    period = parse_period(period_text, config)
    folder = Path(source) if source else ws.returns(period.id)
    inbox = _inbox_or_refuse(folder, source is not None)
    refuse_if_open(ws)           # before anything is written: no 校验报告 marked 通过 for a collect that cannot finish
    outcome = CollectOutcome(period.id, period.display, period.due, folder)
    with ledger_lock(ws):
        checkpoint("collect:locked")
        with tempfile.TemporaryDirectory(prefix=f".解压.{os.getpid()}.", dir=ws.outputs) as staging:
            # the returns are archived while the ledger loads: neither needs the other
            with _archiving(inbox, folder, ws.archive(period.id), Path(staging), received, config.limits, clock,
                            track) as archived:
                ledger = load_ledger(ws, since=_history_start(period))
                directory = load_directory(ws)
                every_unit = unit_tasks(ledger, directory)
                held = without_closed(known_units(every_unit, directory), ledger, period.start)
                ctx = _context(ws, ledger, directory, period, config, held, office_key(ws))
                verdicts = archived()
            checkpoint("collect:archived")
            holders: dict = {}

            def prepare() -> None:          # while a child judges, the work of later steps that needs no return
                ready_to_write()
                holders.update(progress.task_holders(ledger, directory, every_unit))

            judge_all(verdicts, ctx, track, meanwhile=prepare)
            take_evidence(ws, ledger, verdicts, period.id, config.lifecycle, directory)
        checkpoint("collect:judged")
        mark_earlier_collections(verdicts, ledger, period.id)
        mark_superseded(verdicts)
        outcome.review_problems = take_applications(ledger, verdicts, period.id, config.lifecycle)
        outcome.waiting_reviews = (len(pending_closures(ledger)), len(pending_requests(ledger)))
        counted = [r for v in verdicts if v.counted and not v.rejected for r in v.records]
        outcome.added_rows = merge_rows(ledger, counted)
        keep_all_made()       # the judged returns and their rows stay until collect ends: out of the collector's way
        update_submissions(ledger, period.id, list(ctx.held), verdicts)
        outcome.verdicts = verdicts
        _fill_submission_summary(outcome, ledger, period.id)
        # the reports are written while the ledger is written beside (toolkit.beside), before the commit: a report
        # that cannot be written (open in Excel) still leaves the ledger and the database as they were
        reports = functools.partial(_write_outputs, ws, outcome, ledger, period)
        statuses = functools.partial(_evaluate, ledger, period, config, holders)
        with writing(ws.ledger, needed_bytes=_ledger_write_needs(ws), unchanged="台账和进展记录数据库保持原样。"):
            save_ledger(ws, ledger, meanwhile=reports, complete=statuses)
    return outcome


def _evaluate(ledger, period, config, holders) -> None:
    """任务台账's statuses and 量化指标's current values, of the newest collected period of this kind (even when a
    late earlier one is collected now): only the ledger shows them, so they are worked out where it is written."""
    from toolkit import progress

    evaluated = progress.latest_submitted_period(ledger, period, config)
    ledger.status, current = progress.evaluate_with_indicators(ledger, evaluated, config, holders)
    ledger.status_period = evaluated.id
    for record in ledger.indicators:
        if record.id in current:
            record.current = current[record.id]


def _history_start(period):
    """The `since` of collect's load_ledger: the period's own start. Rows before it matter to collect only as each
    (unit, task)'s latest report (the 上期 of 未更新, the 进展记录 view, 序时 evaluation) and each indicator's latest
    value, which load_ledger adds; that latest report also decides 未报送 twice in a row: a run of periods without a
    lead report ends where its latest report lies. So the history read stays one period long however long the
    year, where ledger.history_start would read missed_reports_red + 1 periods whole."""
    return period.start


def _ledger_write_needs(ws: Workspace) -> int | None:
    """About what writing the ledger takes: the new ledger plus the backup of the old one."""
    return 2 * ws.ledger.stat().st_size if ws.ledger.exists() else None


def _inbox_or_refuse(folder: Path, given: bool) -> Inbox:
    """The inbox's files and links; a missing or empty inbox is said as such, with where the files go."""
    if not folder.is_dir():
        raise ToolkitError(f"找不到回收文件夹 {folder}。请把各单位报送的文件放到该文件夹（可含子文件夹），"
                           f"或用 --from 指定文件夹。")
    inbox = scan_inbox(folder)
    if not inbox.files and not inbox.links:
        raise ToolkitError(f"回收文件夹 {folder} 是空的，没有可收取的文件，台账未作改动。请把各单位报回的文件"
                           f"（任意文件名，可带子文件夹，.xlsx/.xls/.et/.ods 或 .zip 压缩包）放进该文件夹后重新运行"
                           + ("。" if given else "，或用 --from 指定存放回收文件的文件夹。"))
    return inbox


def _context(ws, ledger, directory, period, config, held, key) -> Context:
    from toolkit.periods import period_end_of, schedule_percent
    from toolkit.progress import last_reports, task_due, window_start

    schedules, dues = {}, {}
    for task in ledger.tasks:
        try:
            dues[task.id] = task_due(task, ledger, period.year)
            schedules[task.id] = schedule_percent(window_start(task, ledger, period.year), dues[task.id], period.end)
        except Exception:  # noqa: BLE001 - no schedule means no 序时 comparison for that task
            continue
    return Context(period=period, held=held, tasks={t.id: t for t in ledger.tasks},
                   indicators={i.id: i for i in ledger.indicators}, schedules=schedules,
                   directory=directory, key=key, limits=config.limits,
                   previous=last_reports(ledger, period.start, period_end_of),
                   completed_may_repeat=config.collect.completed_may_repeat, dues=dues,
                   approver_required=config.lifecycle.approver_required)


ARCHIVE_BESIDE_FILES = 16     # from this many files on, a child archives them while the command loads the ledger


@contextlib.contextmanager
def _archiving(inbox: Inbox, *args):
    """_archive_all(inbox, *args) in a child (toolkit.beside) from ARCHIVE_BESIDE_FILES files on, else here and now;
    yields the function that hands back its verdicts (a child that died leaves the work to it). Leaving the block
    waits for the child, so that the staging folder outlives it."""
    pending = beside.start(_archive_all, inbox, *args) if len(inbox.files) >= ARCHIVE_BESIDE_FILES else None

    def archived() -> list[FileVerdict]:
        verdicts = pending.result_or(None) if pending is not None else None
        return verdicts if verdicts is not None else _archive_all(inbox, *args)

    try:
        yield archived
    finally:
        if pending is not None:
            pending.wait()


def _archive_all(inbox: Inbox, folder: Path, archive_dir: Path, staging: Path, received: datetime | None, limits,
                 clock, track) -> list[FileVerdict]:
    """Every file archived before it is judged; a package's members too (under 包名/成员名); links and files still
    being copied come back as verdicts with their note, not archived."""
    seconds = settle_seconds(limits)
    verdicts = [_verdict_of(link, received) for link in inbox.links]
    for path in track(inbox.files, len(inbox.files), "归档回收文件"):
        name = path.relative_to(folder).as_posix()
        before = path.stat()
        sha = file_sha256(path)
        waiting = still_copying_note(path, before, seconds, clock)
        if waiting:
            verdicts.append(_verdict_of(Returned(path, name, modified_time(path), preset=(
                "still-copying", f"{waiting}，本次未收取，留待下次运行 collect 时收取。")), received))
            continue
        _archive(path, sha, archive_dir)
        returned = Returned(path, name, modified_time(path, before), sha)    # unchanged since `before`, as checked
        verdicts += [_verdict_of(r, received) for r in _unpacked(returned, archive_dir, staging, limits)]
    return verdicts


def _unpacked(returned: Returned, archive_dir: Path, staging: Path, limits) -> list[Returned]:
    """A package's members (each archived under 归档/<PERIOD>/<包名>/), or the file itself."""
    if not is_package(returned.path):
        returned.preset = evidence_preset(returned.path)     # a photo or PDF sent loose (issue 13)
        return [returned]
    try:
        members = open_package(returned.path, returned.name, staging / returned.sha256[:12], limits)
    except FileRejected as rejected:
        returned.preset = (rejected.code, rejected.message)
        return [returned]
    if not members:
        returned.preset = ("unsupported-format", "压缩包里没有可收取的文件（是空的，或只有系统文件）。"
                                                 "请把填报表放进压缩包重新发送，或直接发送 Excel 表格。")
        return [returned]
    folder = archive_dir / safe_file_name(returned.path.name)
    for member in members:
        if member.path.is_file():
            member.sha256 = file_sha256(member.path)
            _archive(member.path, member.sha256, folder)
    return [m for m in members if m.judge]


def _archive(path: Path, sha: str, archive_dir: Path) -> None:
    with writing(archive_dir, needed_bytes=path.stat().st_size,
                 unchanged="每个文件都须先归档再校验，台账未作改动。"):
        archive_file(path, sha, archive_dir)
    checkpoint("collect:one-archived")


def _verdict_of(returned: Returned, received: datetime | None) -> FileVerdict:
    return FileVerdict(returned.path, returned.name, returned.sha256, received or returned.modified,
                       returned.modified, preset=returned.preset)


def _fill_submission_summary(outcome: CollectOutcome, ledger, period_id: str) -> None:
    rows = [s for s in ledger.submissions if s.period == period_id]
    outcome.expected_units = [s.unit for s in rows if s.expected]
    outcome.reported_units = [s.unit for s in rows if s.reported]
    outcome.late_units = [s.unit for s in rows if s.reported and s.late]


def _write_outputs(ws: Workspace, outcome: CollectOutcome, ledger, period) -> None:
    """校验报告, 汇总 and 退回/, their paths set on the outcome."""
    folder = ws.period_dir(period.id)
    with writing(folder, unchanged="台账未作改动。"):
        outcome.report, outcome.summary = folder / REPORT_NAME, folder / SUMMARY_NAME
        write_problem_report(outcome.report, outcome.problems)
        write_summary(outcome.summary, [r for r in ledger.progress if r.period == period.id])
        accepted = {v.unit: v.name for v in outcome.verdicts if v.unit and v.counted and not v.rejected and v.records
                    and not any(p.is_error for p in v.problems)}
        outcome.return_notes = write_return_notes(folder / RETURN_DIR, outcome.problems, period.display, period.due,
                                                  accepted)
    checkpoint("collect:reports")
