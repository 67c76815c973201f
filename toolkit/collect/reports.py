"""What collect writes besides the ledger: 校验报告.xlsx, 汇总.xlsx and 退回/<单位>.txt."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from toolkit.checks import CLERK_ONLY_CODES, ERROR, Problem
from toolkit.ledger import indicator_values_text
from toolkit.workspace import safe_file_name

REPORT_NAME = "校验报告.xlsx"
SUMMARY_NAME = "汇总.xlsx"
RETURN_DIR = "退回"
REPORT_HEADERS = ["文件", "单位", "工作表", "行", "列", "字段", "原值", "代码", "级别", "说明"]


def write_problem_report(path: Path, problems: list[Problem]) -> None:
    """校验报告.xlsx: one row per problem, errors first, every unit text written as a string."""
    from toolkit.sheets import write_table_workbook

    ordered = sorted(problems, key=lambda p: (p.file, p.level != ERROR, p.row or 0, p.column))
    rows = [[p.file, p.unit, p.sheet, p.row if p.row is not None else "", p.column, p.field, p.value,
             p.code, p.level, p.message] for p in ordered]
    write_table_workbook(path, [("校验报告", REPORT_HEADERS, rows)])


SUMMARY_HEADERS = ["期别", "单位", "任务序号", "角色", "本期状态", "完成进度", "指标完成值", "本期进展", "存在问题",
                   "下步计划", "填报人", "联系电话", "报送时间", "迟报", "文件", "SHA-256"]


def write_summary(path: Path, records: list) -> None:
    """汇总.xlsx: every accepted row of the period."""
    from toolkit.sheets import write_table_workbook

    rows = [[r.period, r.unit, r.task_id, r.role, r.state, r.progress,
             indicator_values_text(r.indicator_values) if r.indicator_values else "", r.text, r.problems,
             r.plan, r.filler, r.phone, r.received, "是" if r.late else "否", r.file, r.sha256]
            for r in records]      # (an empty cell is None: a column of numbers or times is then of one kind)
    write_table_workbook(path, [("汇总", SUMMARY_HEADERS, rows)])


def return_message(unit: str, problems: list[Problem], period_display: str, due: datetime | None,
                   accepted: str = "") -> str:
    """退回/<单位>.txt: a message the clerk can forward to the unit as it is.

    `accepted`: the unit's form that was taken without errors, when the errors are all in other files (an
    unreadable attachment sent alongside): then the unit is told its return stands and what could not be read.
    """
    from toolkit.forms import due_text

    if accepted:
        opening = (f"你单位报送的{period_display}督查任务进展表《{accepted}》已通过校验并采用，无需重新报送。"
                   "另收到的以下文件无法采用：如是佐证材料，请转换为可以打开的格式后另行发送；如是误发，可不予理会。")
    else:
        opening = (f"你单位报送的{period_display}督查任务进展表经校验有以下问题，请按说明修改后尽快重新报送"
                   + (f"（本期报送截止：{due_text(due)}）。" if due else "。"))
    lines = [f"{unit}：", "", opening, ""]
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    number = 0
    for file, items in by_file.items():
        lines.append(f"文件《{file}》：")
        for problem in sorted(items, key=lambda p: (p.level != ERROR, p.row or 0, p.column)):
            number += 1
            lines.append(f"  {number}. [{problem.level}] {_where(problem)}{problem.message}")
        lines.append("")
    if not accepted:
        lines.append("标为“错误”的内容未被采用，修改后请在原表上更正并重新发送；标为“提醒”的请核对。")
    return "\n".join(lines) + "\n"


def _where(problem: Problem) -> str:
    parts = []
    if problem.sheet and problem.row:
        parts.append(f"“{problem.sheet}”表第{problem.row}行")
    if problem.column:
        parts.append(f"{problem.column}列")
    if problem.field:
        parts.append(f"（{problem.field}）")
    if problem.value:
        parts.append(f"原填“{problem.value}”")
    return ("".join(parts) + "：") if parts else ""


def write_return_notes(folder: Path, problems: list[Problem], period_display: str, due: datetime | None,
                       accepted: dict[str, str] | None = None) -> list[Path]:
    """One 退回/<单位>.txt per unit with at least one error; notes of an earlier run are replaced.

    `accepted`: unit → its form taken without errors (see return_message).
    """
    accepted = accepted or {}
    if folder.is_dir():
        for old in folder.glob("*.txt"):
            old.unlink()
    by_unit: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.code in CLERK_ONLY_CODES:
            continue                     # about the clerk's inbox, not the unit's file
        by_unit.setdefault(problem.unit or "未识别单位", []).append(problem)
    written = []
    for unit, items in by_unit.items():
        if not any(p.is_error for p in items):
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{safe_file_name(unit, '未识别单位')}.txt"
        form = accepted.get(unit, "")
        if form and any(p.is_error and p.file == form for p in items):
            form = ""
        path.write_text(return_message(unit, items, period_display, due, form), encoding="utf-8")
        written.append(path)
    return written
