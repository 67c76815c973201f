"""工作台: where the chosen period stands in the week's cycle, read from the workspace's files."""
from __future__ import annotations

from dataclasses import dataclass

from toolkit.console import actions, files
from toolkit.models import WARNING_COLOURS, TaskStatus
from toolkit.workspace import Workspace


@dataclass
class Step:
    title: str
    done: bool
    detail: str
    endpoint: str
    action: str


def steps(ws: Workspace, period) -> list[Step]:
    pid = period.id
    ledger = ws.ledger.exists()
    issued = files.files_with(ws.issued_dir(pid), ".xlsx")
    inbox = actions.returned_files(ws.returns(pid))
    report = actions.report_path(ws, pid).exists()
    circulars = files.files_with(ws.circular_dir(pid), ".docx")
    return [
        Step("解析通知，建立总台账", ledger, "台账已建立：outputs/台账.xlsx" if ledger else "还没有台账",
             "notice.page", "去解析通知"),
        Step("下发填报表", bool(issued), f"已生成 {len(issued)} 个单位的填报表" if issued else "本期尚未下发",
             "issue.page", "去下发"),
        Step("收集各单位报回的文件", bool(inbox), f"回收文件夹中有 {len(inbox)} 个文件" if inbox else "还没有收到文件",
             "collect.page", "去放入文件"),
        Step("回收校验、更新台账", report, "已回收，校验报告已生成" if report else "尚未回收",
             "collect.page", "去回收"),
        Step("查看报送情况、催报", report, "可随时查看谁已报、谁未报", "status.page", "看报送情况"),
        Step("生成通报", bool(circulars), f"已生成 {len(circulars)} 份通报" if circulars else "尚未生成",
             "circular.page", "去生成通报"),
    ]


def next_step(items: list[Step]) -> Step | None:
    return next((s for s in items if not s.done), None)


def worked_periods(ws: Workspace) -> list[str]:
    """Periods that already have forms issued, newest first, for quick switching."""
    if not ws.outputs.is_dir():
        return []
    found = [p.name for p in ws.outputs.iterdir() if (p / "下发").is_dir()]
    return sorted(found, reverse=True)[:8]


def ledger_summary(ledger) -> dict:
    """The 总览 numbers: tasks by state and by warning colour, per leader."""
    counts = actions.state_counts(ledger)
    colours = [(ledger.status.get(t.id) or TaskStatus()).warning for t in ledger.tasks]
    leaders = actions.grouped_counts(ledger, lambda t: t.leaders or ["（未列领导）"])
    return {"title": ledger.info.title or ledger.info.file, "doc_no": ledger.info.doc_no, "tasks": len(ledger.tasks),
            "counts": counts, "warnings": {c: colours.count(c) for c in WARNING_COLOURS},
            "leaders": sorted(leaders.items()), "units": len({a.unit for a in ledger.assignments}),
            "indicators": len(ledger.indicators)}
