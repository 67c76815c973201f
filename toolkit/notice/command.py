"""The `toolkit parse` command: the notice into the ledger, the `--check` preview table and the `--json` form."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import EXIT_OK, EXIT_REJECTED, ToolkitError
from toolkit.models import LEAD_RULE_SOURCE, Notice
from toolkit.notice.build import parse_notice

RULE_WORDS = {"field": "牵头单位栏", "marker": "（牵头）或*标注", "bold": "粗体", "first": "通知约定排第一位",
              "position": "排第一位（推定）"}
CHECK_TEXT_WIDTH = 16


def notice_to_json(notice: Notice) -> dict:
    def num(v: float):
        return int(v) if float(v).is_integer() else v

    info = notice.info
    return {
        "notice": {"title": info.title, "doc_no": info.doc_no,
                   "date": info.date.isoformat() if info.date else None},
        "targets": [{"name": t.name, "value": num(t.value), "unit": t.unit} for t in notice.targets],
        "tasks": [{
            "id": t.id, "seq": t.seq, "section": t.section, "subsection": t.subsection, "text": t.text,
            "leaders": t.leaders, "lead_units": t.lead_units, "co_units": t.co_units, "lead_rule": t.lead_rule,
            "deadline": t.deadline,
            "indicators": [{"phrase": i.phrase, "value": num(i.value), "unit": i.unit} for i in t.indicators],
        } for t in notice.tasks],
    }


def _summary(notice: Notice) -> list[str]:
    units = {u for t in notice.tasks for u in t.units}
    indicators = sum(len(t.indicators) for t in notice.tasks)
    position = sum(1 for t in notice.tasks if t.lead_rule == "position" and t.units)
    lines = [f"通知：{notice.info.title or notice.info.file}（{notice.info.doc_no or '无文号'}）",
             f"识别任务 {len(notice.tasks)} 项，责任单位 {len(units)} 个（含统称），"
             f"主要预期目标 {len(notice.targets)} 个，量化指标 {indicators} 个。"]
    if position:
        lines.append(f"提醒：{position} 项任务的主办单位按“排在第一位”推定（通知没有标明主办单位，或 .txt 没有粗体信息），"
                     f"已在“责任分工”表来源列标为“{LEAD_RULE_SOURCE['position']}”，请核对。")
    return lines + [f"提醒：{w}" for w in notice.warnings]


# --------------------------------------------------------------------------------------------- --check

@dataclass
class CheckOutcome:
    """`toolkit parse --check`: what would be built, and every warning; nothing is written."""
    notice: Notice

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if self.notice.warnings else EXIT_OK

    def lines(self) -> list[str]:
        rows = [("序号", "任务内容", "牵头领导", "主办单位", "协办单位", "完成时限", "主办依据")]
        for t in self.notice.tasks:
            text = t.text.replace("\n", " ")
            rows.append((t.id, text[:CHECK_TEXT_WIDTH] + ("…" if len(text) > CHECK_TEXT_WIDTH else ""),
                         "、".join(t.leaders) or "—", "、".join(t.lead_units) or "—", "、".join(t.co_units) or "—",
                         (t.deadline or "—").replace("\n", "／"), RULE_WORDS.get(t.lead_rule, t.lead_rule)))
        table = [" | ".join(row) for row in rows]
        closing = ("以上为预览，没有写入任何文件。有“提醒”的地方请先核对通知原文；确认无误后去掉 --check 再运行。"
                   if self.notice.warnings else "以上为预览，没有写入任何文件。确认无误后去掉 --check 再运行。")
        return _summary(self.notice) + [""] + table + ["", closing]


def check_notice(path: str | Path) -> CheckOutcome:
    return CheckOutcome(parse_notice(path))


# --------------------------------------------------------------------------------------------- the ledger

@dataclass
class ParseOutcome:
    notice: Notice
    ledger_path: Path
    notes: list[str]
    exit_code: int = 0

    def lines(self) -> list[str]:
        return _summary(self.notice) + self.notes + [f"台账已写入：{self.ledger_path}"]


def parse_into_ledger(ws, path: str | Path, force: bool = False) -> ParseOutcome:
    """`toolkit parse`: notice → outputs/台账.xlsx (+ inputs/单位名录.xlsx when missing)."""
    from toolkit import directory, ledger

    notice = parse_notice(path)
    previous = None
    if ws.ledger.exists() or ledger.other_format_ledgers(ws):
        if not force:
            raise ToolkitError(f"台账 {ws.ledger} 已存在。重新解析会重建任务表；如确需重建，请加 --force"
                               f"（旧台账自动备份，文本未变任务的责任分工调整和历史记录会保留）。")
        previous = ledger.load_ledger(ws)    # every history row, carried over whole
        from toolkit.notice.identity import refuse_another_notice

        refuse_another_notice(ws, previous.info, notice.info, Path(path))
    with ledger.ledger_lock(ws):
        orphan = ledger.retire_orphan_store(ws)
        new, notes = ledger.ledger_from_notice(notice, previous)
        if orphan:
            notes.append(f"台账不存在但有旧的进展记录数据库，已移到 {orphan}，新台账从空白历史开始；"
                         f"如需沿用旧历史，请从 outputs/备份/ 取回旧台账和该数据库后重新运行 parse --force。")
        notes = [f"提醒：{n}" for n in directory.ensure_directory(ws, new)] + notes
        path_written = ledger.save_ledger(ws, new)
    return ParseOutcome(notice, path_written, notes)
