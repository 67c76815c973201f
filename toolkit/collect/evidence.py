"""Collect's part of the task lifecycle (issue 13): evidence files archived per unit and linked to tasks, and the
销号/调整 applications of the accepted rows handed to toolkit/lifecycle.py for the review sheets."""
from __future__ import annotations

from pathlib import Path

from toolkit import lifecycle
from toolkit.checks import ERROR, Problem, column_letter
from toolkit.collect.inbox import archive_file
from toolkit.collect.judging import FileVerdict, _unit_from_name
from toolkit.ledger import CLOSURE_HEADERS
from toolkit.models import ClosureApplication
from toolkit.workspace import Workspace, safe_file_name

EVIDENCE_DIR = "佐证材料"


def _is_evidence(verdict: FileVerdict) -> bool:
    return verdict.preset is not None and verdict.preset[0] == "evidence" and verdict.path.is_file()


def _unit_of(verdict: FileVerdict, verdicts: list[FileVerdict], directory) -> str:
    """The unit named by the file, its folder or its package; else the unit of a form sent in the same place."""
    parts = verdict.name.split("/")
    for part in reversed(parts):
        unit = _unit_from_name(Path(part), directory)
        if unit:
            return unit
    place = "/".join(parts[:-1])
    return next((v.unit for v in verdicts if v.unit and v is not verdict and not _is_evidence(v)
                 and place and v.name.startswith(place + "/")), "")


def take_evidence(ws: Workspace, ledger, verdicts: list[FileVerdict], period_id: str, config, directory) -> None:
    """Archive each evidence file under 归档/<PERIOD>/佐证材料/<单位>/, link it to a task, record it in the ledger
    (the history database) and say in 校验报告 what became of it."""
    files = [v for v in verdicts if _is_evidence(v)]
    if not files:
        return
    claims = [f.item for v in verdicts if not v.rejected for f in v.lifecycle
              if isinstance(f.item, lifecycle.EvidenceClaim)]
    found = [lifecycle.EvidenceFile(v.name, v.sha256, v.path.stat().st_size, _unit_of(v, verdicts, directory))
             for v in files]
    records = lifecycle.link_evidence(found, claims, period_id, [t.id for t in ledger.tasks], config)
    known = {(r.period, r.unit, r.name, r.sha256) for r in ledger.evidence}
    for verdict, record in zip(files, records):
        folder = ws.archive(period_id) / EVIDENCE_DIR / safe_file_name(record.unit or "未识别单位")
        record.archived = archive_file(verdict.path, verdict.sha256, folder).relative_to(ws.outputs).as_posix()
        verdict.unit = record.unit
        code, message = lifecycle.evidence_message(record, config)
        verdict.problems = [Problem(verdict.name, code, message, unit=record.unit)]
        if (record.period, record.unit, record.name, record.sha256) not in known:
            ledger.evidence.append(record)


def take_applications(ledger, verdicts: list[FileVerdict], period_id: str, config) -> list[Problem]:
    """Applications of the counted files join 销号审核 / 调整审核; a 销号 without evidence is reminded (or refused
    with evidence_required); names in 佐证材料 never received are reminded. Returns the 退回 decisions to tell."""
    found = []
    for verdict in verdicts:
        if not verdict.counted or verdict.rejected:
            continue
        for item in verdict.lifecycle:
            if _keep(verdict, item, ledger, config):
                found.append(item)
        claims = [f for f in verdict.lifecycle if isinstance(f.item, lifecycle.EvidenceClaim)]
        for claim, name in lifecycle.missing_claims(claims, ledger):
            verdict.add("evidence-missing", f"“佐证材料”栏列出的“{name}”没有收到。请把该文件与填报表一并报送"
                        "（可打包为 .zip），文件名以任务序号开头，如“8-验收报告.pdf”。",
                        sheet=claim.sheet, row=claim.row, column=claim.column, field=lifecycle.EVIDENCE, value=name)
    lifecycle.merge_applications(ledger, found)
    return [_returned_problem(c) for c in lifecycle.returned_closures(ledger, period_id)]


def _keep(verdict: FileVerdict, found, ledger, config) -> bool:
    application = found.item
    if not isinstance(application, ClosureApplication) or lifecycle.evidence_of(ledger, application.unit,
                                                                                application.task_id):
        return True
    problem = verdict.add(
        "no-evidence", f"第{application.task_id}项任务申请销号，但没有收到佐证材料"
        + ("，按本室规定销号申请未受理。" if config.evidence_required else "，已列入销号审核，督查室可能要求补充。")
        + "请把佐证材料（文件名以任务序号开头，如“8-验收报告.pdf”）与填报表一并报送，可打包为 .zip。",
        sheet=found.sheet, row=found.row, column=found.column, field=lifecycle.APPLY_CLOSE, value=lifecycle.YES)
    if config.evidence_required:
        problem.raised = ERROR
        return False
    return True


def _returned_problem(application: ClosureApplication) -> Problem:
    return Problem(f"销号申请（{application.period}）", "closure-returned", lifecycle.returned_message(application),
                   unit=application.unit, sheet=lifecycle.CLOSURE_SHEET, row=application.excel_row,
                   column=column_letter(CLOSURE_HEADERS.index("审核意见")),
                   field="审核意见", value=application.decision)
