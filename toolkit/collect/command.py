"""The `toolkit collect` command: archive every returned file, judge it, merge the good rows, write the reports."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

from toolkit.checks import Problem
from toolkit.collect.inbox import archive_file, modified_time, returned_files, sha256_of
from toolkit.collect.judging import (PASSED, REJECTED, WITH_NOTICES, Context, FileVerdict, judge_all,
                                     mark_earlier_collections, mark_superseded)
from toolkit.collect.merging import merge_rows, update_submissions
from toolkit.collect.reports import (REPORT_NAME, RETURN_DIR, SUMMARY_NAME, write_problem_report,
                                     write_return_notes, write_summary)
from toolkit.errors import EXIT_OK, EXIT_REJECTED, ToolkitError
from toolkit.workspace import Workspace


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

    @property
    def problems(self) -> list[Problem]:
        return [p for v in self.verdicts for p in v.problems]

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
        if self.report:
            lines.append(f"校验报告：{self.report}")
        if self.summary:
            lines.append(f"汇总表：{self.summary}")
        if self.return_notes:
            lines.append(f"退回说明 {len(self.return_notes)} 份（可直接转发）：{self.return_notes[0].parent}")
        return lines


def collect_period(ws: Workspace, period_text: str, source: Path | None = None, received: datetime | None = None,
                   track=None) -> CollectOutcome:
    """`toolkit collect PERIOD [--from DIR] [--received DATETIME]`: archive, judge, merge, report."""
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.directory import load_directory, unit_tasks
    from toolkit.forms import office_key
    from toolkit.ledger import history_start, ledger_lock, load_ledger, save_ledger
    from toolkit.periods import parse_period

    track = track or _no_track
    config = load_config(ws)
    period = parse_period(period_text, config)
    folder = Path(source) if source else ws.returns(period.id)
    if not folder.is_dir():
        raise ToolkitError(f"找不到回收文件夹 {folder}。请把各单位报送的文件放到该文件夹（可含子文件夹），"
                           f"或用 --from 指定文件夹。")
    files = returned_files(folder)
    outcome = CollectOutcome(period.id, period.display, period.due, folder)
    with ledger_lock(ws):
        ledger = load_ledger(ws, since=history_start(period, config))
        directory = load_directory(ws)
        ctx = _context(ws, ledger, directory, period, config, unit_tasks(ledger, directory), office_key(ws))
        verdicts = _archive_all(files, folder, ws.archive(period.id), received, track)
        judge_all(verdicts, ctx, track)
        mark_earlier_collections(verdicts, ledger, period.id)
        mark_superseded(verdicts)
        counted = [r for v in verdicts if v.counted and not v.rejected for r in v.records]
        outcome.added_rows = merge_rows(ledger, counted)
        update_submissions(ledger, period.id, list(ctx.held), verdicts)
        # 任务台账 shows the newest collected period of this kind, even when a late earlier one is collected now
        evaluated = progress.latest_submitted_period(ledger, period, config)
        holders = progress.task_holders(ledger, directory)
        ledger.status = progress.evaluate(ledger, evaluated, config, holders=holders)
        current = progress.indicator_values(ledger, evaluated, holders=holders)
        for record in ledger.indicators:
            if record.id in current:
                record.current = current[record.id]
        outcome.verdicts = verdicts
        _fill_submission_summary(outcome, ledger, period.id)
        _write_outputs(ws, outcome, ledger, period)   # before the ledger: a report open in Excel stops us first
        try:
            save_ledger(ws, ledger)
        except OSError as exc:
            raise ToolkitError(f"台账 {ws.ledger} 无法写入（{exc.strerror or exc}）。请确认台账未被其他程序打开、"
                               "磁盘有空间且文件不是只读，然后重新运行；台账保持原样。") from exc
    return outcome


def _context(ws, ledger, directory, period, config, held, key) -> Context:
    from toolkit.periods import schedule_percent
    from toolkit.progress import task_due, window_start

    schedules = {}
    for task in ledger.tasks:
        try:
            schedules[task.id] = schedule_percent(window_start(task, ledger, period.year),
                                                  task_due(task, ledger, period.year), period.end)
        except Exception:  # noqa: BLE001 - no schedule means no 序时 comparison for that task
            continue
    return Context(period=period, held=held, tasks={t.id: t for t in ledger.tasks},
                   indicators={i.id: i for i in ledger.indicators}, schedules=schedules,
                   directory=directory, key=key, limits=config.limits)


def _archive_all(files: list[Path], folder: Path, archive_dir: Path, received: datetime | None,
                 track) -> list[FileVerdict]:
    verdicts = []
    for path in track(files, len(files), "归档回收文件"):
        try:
            sha = sha256_of(path)
            archive_file(path, sha, archive_dir)
        except OSError as exc:
            raise ToolkitError(f"无法归档回收文件 {path}（{exc.strerror or exc}）。每个文件都须先归档再校验，"
                               f"请检查 {archive_dir} 所在磁盘的空间和权限后重新运行；台账未作改动。") from exc
        modified = modified_time(path)
        verdicts.append(FileVerdict(path, path.relative_to(folder).as_posix(), sha, received or modified, modified))
    return verdicts


def _fill_submission_summary(outcome: CollectOutcome, ledger, period_id: str) -> None:
    rows = [s for s in ledger.submissions if s.period == period_id]
    outcome.expected_units = [s.unit for s in rows if s.expected]
    outcome.reported_units = [s.unit for s in rows if s.reported]
    outcome.late_units = [s.unit for s in rows if s.reported and s.late]


def _write_outputs(ws: Workspace, outcome: CollectOutcome, ledger, period) -> None:
    folder = ws.period_dir(period.id)
    outcome.report = folder / REPORT_NAME
    write_problem_report(outcome.report, outcome.problems)
    outcome.summary = folder / SUMMARY_NAME
    write_summary(outcome.summary, [r for r in ledger.progress if r.period == period.id])
    outcome.return_notes = write_return_notes(folder / RETURN_DIR, outcome.problems, period.display, period.due)
