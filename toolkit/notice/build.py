"""Assembling the Notice: header (title, 文号, date), layout choice, task ids, and warnings naming each task."""
from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.models import Notice, NoticeInfo, Task
from toolkit.notice.duties import RawTask, fill_task, find_convention
from toolkit.notice.indicators import chinese_to_int, extract_targets
from toolkit.notice.labels import DATE_RE, DOC_NO_RE, LAYOUTS_TRIED, SECTION_RE, TASK_RE
from toolkit.notice.paragraphs import paragraph_tasks
from toolkit.notice.reading import Para, Source, read_notice
from toolkit.notice.tables import table_tasks, title_above_header


def parse_notice(path: str | Path) -> Notice:
    path = Path(path)
    source = read_notice(path)
    paras = [p.strip() for p in source.paras]
    info = _notice_info(paras, path)
    year = _notice_year(info)
    drafts, section_one = paragraph_tasks(paras, source.formatted)
    rows, table_warnings = table_tasks(source.tables, source.formatted)
    warnings: list[str] = []
    if rows and len(rows) >= len(drafts):   # a notice whose tasks sit in a table (maybe beside a few points)
        info.title = info.title or title_above_header(source.tables)
        raws, warnings = rows, table_warnings + _left_out(drafts, "段落中", "按表格读取")
    else:
        raws, warnings = drafts, _left_out(rows, "表格中", "按段落读取")
    if not raws:
        raise ToolkitError(_nothing_found(paras, source, path))
    tasks = _tasks(raws, find_convention(_all_texts(source)), year, warnings)
    warnings += _numbering_warnings(tasks)
    return Notice(info=info, targets=extract_targets("\n".join(section_one)), tasks=tasks, warnings=warnings)


def _left_out(raws: list[RawTask], where: str, chosen: str) -> list[str]:
    """Tasks of the layout not chosen that name a responsibility are reported, never dropped without a word."""
    named = [r for r in raws if r.duty.found]
    if not named:
        return []
    examples = "；".join(f"“{r.text[:20]}”" for r in named[:3])
    return [f"通知的任务{chosen}，{where}另有 {len(named)} 项写明了责任分工的条目没有读入（如{examples}）。"
            f"请核对，需要时在台账中补充。"]


def _all_texts(source: Source):
    yield from (p.text for p in source.paras)
    yield from (cell.text for grid in source.tables for row in grid for cell in row)


def _tasks(raws: list[RawTask], convention: str | None, year: int, warnings: list[str]) -> list[Task]:
    ids = _task_ids([(r.number, r.section_no, r.subsection_no, (r.section_no, r.section, r.subsection))
                     for r in raws])
    tasks = []
    for seq, (raw, task_id) in enumerate(zip(raws, ids), start=1):
        task = Task(id=task_id, seq=seq, section=raw.section, subsection=raw.subsection, text=raw.text)
        fill_task(task, raw, convention, year)
        if not raw.duty.found and not raw.heading_leaders:
            warnings.append(f"第{task.id}项任务没有找到责任分工（牵头领导、责任单位），已保留任务但没有责任单位，"
                            f"请在台账中补充。")
        elif not task.units:
            warnings.append(f"第{task.id}项任务没有找到责任单位，请在台账“责任分工”表中补充。")
        warnings += [f"第{task.id}项任务：{problem}。" for problem in raw.duty.problems]
        tasks.append(task)
    return tasks


# --------------------------------------------------------------------------------------------- the header

def _notice_info(paras: list[Para], path: Path) -> NoticeInfo:
    lines = [p.text for p in paras]
    head = lines[:30]
    doc_no = next((m.group(0) for line in head for m in [DOC_NO_RE.search(line)] if m), None)
    return NoticeInfo(title=_title(head), doc_no=re.sub(r"\s+", "", doc_no) if doc_no else None,
                      date=_signing_date(lines), file=path.name,
                      sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def _title(head: list[str]) -> str | None:
    """The title runs from the line starting with 关于 to the line before the salutation (…：)."""
    for i, line in enumerate(head):
        if line.startswith("关于"):
            parts = []
            for nxt in head[i:]:
                if nxt.endswith(("：", ":")) or SECTION_RE.match(nxt):
                    break
                parts.append(nxt)
            return "".join(parts) or None
    return None


def _signing_date(lines: list[str]) -> date | None:
    for line in reversed(lines):
        m = DATE_RE.match(re.sub(r"\s+", "", line))
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def _notice_year(info: NoticeInfo) -> int:
    if info.date:
        return info.date.year
    for text in (info.doc_no, info.title):
        m = re.search(r"(20\d{2})", text or "")
        if m:
            return int(m[1])
    return date.today().year


# --------------------------------------------------------------------------------------------- ids

def _task_ids(entries: list[tuple[str | None, str | None, str | None, tuple]]) -> list[str]:
    """Printed numbers, or paths like 2-1-3 when numbering restarts in each section or subsection.

    Each entry is (printed number or None, section numeral, subsection numeral, group key)."""
    if _numbering_restarts(entries):
        return [_path_id(entry, seq) for seq, entry in enumerate(entries, start=1)]
    return [number or str(seq) for seq, (number, _, _, _) in enumerate(entries, start=1)]


def _numbering_restarts(entries) -> bool:
    last_group, last_number = None, None
    for number, _, _, group in entries:
        if number is None:
            continue
        value = int(number)
        if last_group is not None and group != last_group and value <= last_number:
            return True
        last_group, last_number = group, value
    return False


def _path_id(entry, seq: int) -> str:
    number, section_no, subsection_no, _ = entry
    parts = []
    for numeral in (section_no, subsection_no):
        if numeral:
            parts.append(str(chinese_to_int(numeral)) if not numeral.isdigit() else numeral)
    parts.append(number or str(seq))
    return "-".join(parts)


def _numbering_warnings(tasks: list[Task]) -> list[str]:
    warnings = []
    seen: dict[str, int] = {}
    for t in tasks:
        seen[t.id] = seen.get(t.id, 0) + 1
    duplicated = [k for k, n in seen.items() if n > 1]
    if duplicated:
        warnings.append(f"任务序号重复：{'、'.join(duplicated)}。请核对通知原文，并在台账中区分（如改为 12-1、12-2）。")
    skipped = []
    for prefix, numbers in _numbers_by_prefix(tasks).items():
        skipped += [prefix + str(n) for n in range(numbers[0], numbers[-1] + 1) if n not in set(numbers)]
    if skipped:
        warnings.append(f"任务序号不连续，缺少：{'、'.join(skipped)}。请核对通知原文是否漏项或编号有误。")
    return warnings


def _numbers_by_prefix(tasks: list[Task]) -> dict[str, list[int]]:
    """Item numbers grouped by their path prefix ("" for plain numbers, "2-1-" for 2-1-3)."""
    groups: dict[str, set[int]] = {}
    for t in tasks:
        prefix, _, last = t.id.rpartition("-")
        if last.isdigit():
            groups.setdefault(prefix + "-" if prefix else "", set()).add(int(last))
    return {k: sorted(v) for k, v in groups.items()}


def _nothing_found(paras: list[Para], source: Source, path: Path) -> str:
    non_empty = [p.text for p in paras if p.text]
    numbered = sum(1 for t in non_empty if TASK_RE.match(t))
    sections = sum(1 for t in non_empty if SECTION_RE.match(t))
    numbered_text = f"以数字编号开头的段落 {numbered} 个"
    if numbered:
        numbered_text += "（都没有写明牵头领导、责任单位或完成时限）"
    tried = "；".join(f"{i}. {layout}" for i, layout in enumerate(LAYOUTS_TRIED, start=1))
    return (f"在 {path.name} 中没有识别出任务：共 {len(non_empty)} 段，其中“一、”式标题 {sections} 个、"
            f"{numbered_text}；表格 {len(source.tables)} 个，均未找到“重点任务/工作任务/任务内容”列。"
            f"已尝试的格式：{tried}。请确认文件是任务分解通知，或把任务整理成以上任一格式后再运行。")
