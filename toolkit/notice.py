"""Parse a task-decomposition notice (.txt or .docx) into sections, tasks and responsibilities.

A notice reads: header (文号, 发文机关, title, 主送), section 一 with the headline targets, then sections
二、… each with numbered tasks ending in a responsibility tail `（牵头领导：…。承办单位：…）`, then the
signature, the date and the 版记. Lead units are the bold ones in a .docx, the ones marked （牵头）, the ones
in a 牵头单位 field, or — in a plain .txt, which has no formatting — the first one listed (位置推定).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.models import Notice, NoticeInfo, Task

CN_DIGITS = "〇零一二三四五六七八九十百"
LEADER_LABELS = ("牵头领导", "责任领导", "分管领导", "牵头县领导", "牵头区领导", "牵头市领导", "责任县领导",
                 "责任区领导", "分管县领导", "分管区领导")
MIXED_UNIT_LABELS = ("承办单位", "责任单位")
LEAD_UNIT_LABELS = ("牵头单位", "主办单位")
CO_UNIT_LABELS = ("配合单位", "协办单位", "协同单位", "参与单位")
DEADLINE_LABELS = ("完成时限", "完成时间")
ALL_LABELS = LEADER_LABELS + MIXED_UNIT_LABELS + LEAD_UNIT_LABELS + CO_UNIT_LABELS + DEADLINE_LABELS
_LABEL = "|".join(sorted(ALL_LABELS, key=len, reverse=True))
LABEL_RE = re.compile(rf"({_LABEL})\s*[：:]")
TAIL_OPEN_RE = re.compile(rf"[（(]\s*(?:{_LABEL})\s*[：:]")
SECTION_RE = re.compile(rf"^([{CN_DIGITS}]+)、\s*(\S.*)$")
SUBSECTION_RE = re.compile(rf"^[（(]([{CN_DIGITS}]+)[）)]\s*(\S.*)$")
TASK_RE = re.compile(r"^([0-9０-９]{1,4})\s*[.．、](?![0-9０-９])\s*(\S.*)$", re.S)
DOC_NO_RE = re.compile(r"[\u4e00-\u9fff]{1,12}[〔［\[(（]\s*(\d{4})\s*[〕］\])）]\s*\d+\s*号")
DATE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
LEAD_MARKER_RE = re.compile(r"\s*[（(]\s*牵头\s*[）)]\s*$")
NOTE_RE = re.compile(r"(黑体|加粗|粗体|字体加粗)?.{0,6}为(主办|牵头|协办)单位|下同")
END_MATTER_RE = re.compile(r"^(抄送|印发|主题词|（此件|\(此件|[—―─_－-]{6,})")


@dataclass
class Para:
    """One paragraph of the notice; `bold[i]` tells whether character i was printed bold (docx only)."""
    text: str
    bold: list[bool] | None = None

    def strip(self) -> "Para":
        left = len(self.text) - len(self.text.lstrip())
        text = self.text.strip()
        bold = self.bold[left:left + len(text)] if self.bold is not None else None
        return Para(text, bold)


@dataclass
class _Draft:
    number: str
    section: str
    subsection: str | None
    paras: list[Para] = field(default_factory=list)
    closed: bool = False   # the responsibility tail has been seen


# --------------------------------------------------------------------------------------------- reading

def read_notice_paragraphs(path: Path) -> tuple[list[Para], bool]:
    """Paragraphs of the notice and whether formatting (bold) is known."""
    if not path.exists():
        raise ToolkitError(f"找不到通知文件：{path}。请检查文件名和路径。")
    suffix = path.suffix.lower()
    if suffix in (".doc", ".wps"):
        raise ToolkitError(f"{path.name} 是旧版 Word/WPS 格式，无法直接读取。请用 Word 或 WPS 打开后"
                           f"“另存为” .docx（Word 文档）再运行；也可以另存为 .txt，但 .txt 会丢失粗体（主办单位）信息。")
    if suffix == ".pdf":
        raise ToolkitError(f"{path.name} 是 PDF，无法可靠读取段落和粗体。请向发文单位索取 .docx 原件，"
                           f"或复制全文粘贴到记事本并保存为 .txt（UTF-8）后再运行。")
    data = path.read_bytes()
    if data[:2] == b"PK" or suffix == ".docx":
        return _docx_paragraphs(path), True
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ToolkitError(f"{path.name} 实际是旧版 Word（.doc）文件。请用 Word/WPS 另存为 .docx 后再运行。")
    if data.startswith(b"%PDF"):
        raise ToolkitError(f"{path.name} 实际是 PDF 文件。请索取 .docx 原件或另存为 .txt 后再运行。")
    text = decode_text(data, path.name)
    return [Para(line) for line in text.splitlines()], False


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; refuse rather than guess wrongly."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_like_chinese(text):
        return text
    raise ToolkitError(f"无法判断 {name} 的文字编码（既不是 UTF-8，也不是 GBK/GB18030）。请用记事本打开，"
                       f"“另存为”时选择编码“UTF-8”，再运行。")


def _looks_like_chinese(text: str) -> bool:
    """GB18030 decodes almost any bytes; real Chinese text is mostly common Han characters and ASCII."""
    sample = [ch for ch in text if not ch.isspace()]
    if not sample:
        return False
    common = sum(1 for ch in sample if ch.isascii() or "\u4e00" <= ch <= "\u9fa5" or "\u3000" <= ch <= "\u303f"
                 or "\uff00" <= ch <= "\uffef" or ch in "“”‘’—…·《》〔〕")
    return common / len(sample) > 0.95


def _docx_paragraphs(path: Path) -> list[Para]:
    import docx  # python-docx, only for .docx notices

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - any failure means the file is not a usable .docx
        raise ToolkitError(f"{path.name} 无法作为 Word 文档打开（{exc}）。请用 Word/WPS 打开后另存为 .docx 再试。") from exc
    paras = []
    for paragraph in document.paragraphs:
        text, bold = "", []
        style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
        for run in paragraph.runs:
            run_bold = run.bold
            if run_bold is None and run.style is not None and run.style.font.bold is not None:
                run_bold = run.style.font.bold
            if run_bold is None:
                run_bold = style_bold
            text += run.text
            bold += [bool(run_bold)] * len(run.text)
        for line_text, line_bold in _split_lines(text, bold):
            paras.append(Para(line_text, line_bold))
    return paras


def _split_lines(text: str, bold: list[bool]):
    start = 0
    for i, ch in enumerate(text + "\n"):
        if ch == "\n":
            yield text[start:i], bold[start:i]
            start = i + 1


# --------------------------------------------------------------------------------------------- parsing

def parse_notice(path: str | Path) -> Notice:
    path = Path(path)
    paras, formatted = read_notice_paragraphs(path)
    paras = [p.strip() for p in paras]
    info = _notice_info(paras, path)
    warnings: list[str] = []
    drafts, section_one = _drafts(paras)
    if not drafts:
        raise ToolkitError(_nothing_found(paras, path))
    year = _notice_year(info)
    tasks = [_task_from_draft(d, seq, formatted, year, warnings) for seq, d in enumerate(drafts, start=1)]
    warnings += _numbering_warnings(tasks)
    from toolkit.indicators import extract_targets

    return Notice(info=info, targets=extract_targets("\n".join(section_one)), tasks=tasks, warnings=warnings)


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


def _drafts(paras: list[Para]) -> tuple[list[_Draft], list[str]]:
    """Group paragraphs into task drafts; also return section 一's text (the headline targets)."""
    drafts: list[_Draft] = []
    section, subsection = "", None
    section_one: list[str] = []
    in_first_section = False
    current: _Draft | None = None
    for para in paras:
        text = para.text
        if not text:
            continue
        heading = SECTION_RE.match(text)
        if heading and not TAIL_OPEN_RE.search(text):
            section, subsection, current = heading[2].strip(), None, None
            in_first_section = heading[1] == "一"
            continue
        sub = SUBSECTION_RE.match(text)
        if sub and len(text) <= 60 and not TAIL_OPEN_RE.search(text):
            subsection, current = sub[2].strip(), None
            continue
        task = TASK_RE.match(text)
        if task and section:
            current = _Draft(task[1], section, subsection, [para])
            current.closed = _has_tail(text)
            drafts.append(current)
            continue
        if in_first_section:
            section_one.append(text)
        if current is not None and not current.closed and not _is_end_matter(text):
            current.paras.append(para)
            current.closed = _has_tail(text)
        elif current is not None and not current.closed:
            current = None
    return drafts, section_one


def _has_tail(text: str) -> bool:
    return _find_tail(text) is not None


def _find_tail(text: str) -> int | None:
    """Start of the responsibility tail: the last bracket group opening with a label and closing the text."""
    stripped = text.rstrip().rstrip("。.；;")
    if not stripped.endswith(("）", ")")):
        return None
    starts = [m.start() for m in TAIL_OPEN_RE.finditer(stripped)]
    return starts[0] if starts else None


def _is_end_matter(text: str) -> bool:
    compact = re.sub(r"\s+", "", text)
    return bool(END_MATTER_RE.match(compact) or DATE_RE.match(compact)
                or re.search(r"(人民政府|办公室|委员会)$", compact) and len(compact) <= 30)


def _task_from_draft(draft: _Draft, seq: int, formatted: bool, year: int, warnings: list[str]) -> Task:
    text = "\n".join(p.text for p in draft.paras)
    bold = _joined_bold(draft.paras) if formatted else None
    body_start = TASK_RE.match(text).start(2)
    tail = _find_tail(text)
    task = Task(id=_ascii_digits(draft.number), seq=seq, section=draft.section, subsection=draft.subsection,
                text=text[body_start:tail].strip() if tail is not None else text[body_start:].strip())
    if tail is None:
        warnings.append(f"第{task.id}项任务没有找到责任分工（牵头领导、承办单位），已保留任务但没有责任单位，请在台账中补充。")
    else:
        _apply_tail(task, text, tail, bold, warnings)
    _apply_deadline(task, year)
    from toolkit.indicators import extract_indicators

    task.indicators = extract_indicators(task.text)
    return task


def _joined_bold(paras: list[Para]) -> list[bool]:
    bold: list[bool] = []
    for i, p in enumerate(paras):
        if i:
            bold.append(False)
        bold += p.bold if p.bold is not None else [False] * len(p.text)
    return bold


def _ascii_digits(text: str) -> str:
    return text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


def _apply_tail(task: Task, text: str, tail: int, bold: list[bool] | None, warnings: list[str]) -> None:
    end = len(text.rstrip().rstrip("。.；;")) - 1   # the closing bracket
    inner_start = tail + 1
    labels = list(LABEL_RE.finditer(text, inner_start, end))
    mixed: list[tuple[str, bool, bool]] = []   # (name, bold, marked)
    leads: list[str] = []
    cos: list[str] = []
    for i, m in enumerate(labels):
        value_end = labels[i + 1].start() if i + 1 < len(labels) else end
        value_start, value_stop = m.end(), _field_end(text, m.end(), value_end)
        label = m.group(1)
        if label in LEADER_LABELS:
            task.leaders += [n for n, _, _ in _names(text, value_start, value_stop, None)]
        elif label in DEADLINE_LABELS:
            task.deadline = text[value_start:value_stop].strip() or None
        elif label in LEAD_UNIT_LABELS:
            leads += [n for n, _, _ in _names(text, value_start, value_stop, None)]
        elif label in CO_UNIT_LABELS:
            cos += [n for n, _, _ in _names(text, value_start, value_stop, None)]
        else:
            mixed += _names(text, value_start, value_stop, bold)
    _assign_roles(task, mixed, leads, cos)


def _field_end(text: str, start: int, stop: int) -> int:
    """A field ends at 。；; — what follows it before the next label is a note (e.g. 黑体为主办单位…)."""
    m = re.search(r"[。；;]", text[start:stop])
    return start + m.start() if m else stop


def _names(text: str, start: int, stop: int, bold: list[bool] | None) -> list[tuple[str, bool, bool]]:
    """Names split on 、，, (and line breaks), trailing 等 dropped; with bold flags and the （牵头） marker."""
    result = []
    for m in re.finditer(r"[^、，,\n\s]+(?:\s+[^、，,\n\s]+)*", text[start:stop]):
        raw = m.group(0).strip()
        a, b = start + m.start(), start + m.end()
        marked = bool(LEAD_MARKER_RE.search(raw))
        name = LEAD_MARKER_RE.sub("", raw).strip()
        if len(name) > 2 and name.endswith("等"):
            name = name[:-1]
        if not name or NOTE_RE.search(name) or name in ("无", "/", "—"):
            continue
        is_bold = False
        if bold is not None:
            flags = [bold[k] for k in range(a, min(b, len(bold))) if not text[k].isspace()]
            is_bold = bool(flags) and sum(flags) * 2 > len(flags)
        result.append((name, is_bold, marked))
    return result


def _assign_roles(task: Task, mixed: list[tuple[str, bool, bool]], leads: list[str], cos: list[str]) -> None:
    if leads or cos:
        task.lead_units, task.co_units, task.lead_rule = leads, cos + [n for n, _, _ in mixed], "field"
        return
    names = [n for n, _, _ in mixed]
    if any(marked for _, _, marked in mixed):
        flags, rule = [marked for _, _, marked in mixed], "marker"
    elif any(is_bold for _, is_bold, _ in mixed):
        flags, rule = [is_bold for _, is_bold, _ in mixed], "bold"
    elif len(names) == 1:
        flags, rule = [True], "position"
    else:
        flags, rule = [i == 0 for i in range(len(names))], "position"
    task.lead_units = [n for n, f in zip(names, flags) if f]
    task.co_units = [n for n, f in zip(names, flags) if not f]
    task.lead_rule = rule


def _apply_deadline(task: Task, year: int) -> None:
    from toolkit.indicators import find_deadline

    written, due = find_deadline(task.deadline, year) if task.deadline else (None, None)
    if due is None:
        found_written, due = find_deadline(task.text, year)
        if task.deadline is None:
            task.deadline = found_written
    task.due = due or date(year, 12, 31)


def _numbering_warnings(tasks: list[Task]) -> list[str]:
    warnings = []
    seen: dict[str, int] = {}
    for t in tasks:
        seen[t.id] = seen.get(t.id, 0) + 1
    duplicated = [k for k, n in seen.items() if n > 1]
    if duplicated:
        warnings.append(f"任务序号重复：{'、'.join(duplicated)}。请核对通知原文，并在台账中区分（如改为 12-1、12-2）。")
    numbers = sorted({int(t.id) for t in tasks if t.id.isdigit()})
    if numbers:
        skipped = [str(n) for n in range(numbers[0], numbers[-1] + 1) if n not in set(numbers)]
        if skipped:
            warnings.append(f"任务序号不连续，缺少：{'、'.join(skipped)}。请核对通知原文是否漏项或编号有误。")
    return warnings


def _nothing_found(paras: list[Para], path: Path) -> str:
    non_empty = [p.text for p in paras if p.text]
    numbered = sum(1 for t in non_empty if TASK_RE.match(t))
    sections = sum(1 for t in non_empty if SECTION_RE.match(t))
    return (f"在 {path.name} 中没有识别出任务：共 {len(non_empty)} 段，其中“一、”式标题 {sections} 个、"
            f"以数字编号开头的段落 {numbered} 个。已尝试的格式：“一、”标题下的“1.”编号任务，"
            f"任务末尾带（牵头领导：…。承办单位：…）。请确认文件是任务分解通知，或把任务整理成这种格式后再运行。")


# --------------------------------------------------------------------------------------------- JSON

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


# --------------------------------------------------------------------------------------------- parse command

@dataclass
class ParseOutcome:
    notice: Notice
    ledger_path: Path
    notes: list[str]
    exit_code: int = 0

    def lines(self) -> list[str]:
        n = self.notice
        units = {u for t in n.tasks for u in t.units}
        indicators = sum(len(t.indicators) for t in n.tasks)
        position = sum(1 for t in n.tasks if t.lead_rule == "position" and t.units)
        lines = [f"通知：{n.info.title or n.info.file}（{n.info.doc_no or '无文号'}）",
                 f"识别任务 {len(n.tasks)} 项，责任单位 {len(units)} 个（含统称），"
                 f"主要预期目标 {len(n.targets)} 个，量化指标 {indicators} 个。"]
        if position:
            lines.append(f"提醒：{position} 项任务的主办单位按“排在第一位”推定（.txt 没有粗体信息），"
                         f"已在“责任分工”表来源列标为“位置推定”，请核对。")
        lines += [f"提醒：{w}" for w in n.warnings]
        lines += self.notes
        lines.append(f"台账已写入：{self.ledger_path}")
        return lines


def parse_into_ledger(ws, path: str | Path, force: bool = False) -> ParseOutcome:
    """`toolkit parse`: notice → outputs/台账.xlsx (+ inputs/单位名录.xlsx when missing)."""
    from toolkit import directory, ledger

    notice = parse_notice(path)
    previous = None
    if ws.ledger.exists():
        if not force:
            raise ToolkitError(f"台账 {ws.ledger} 已存在。重新解析会重建任务表；如确需重建，请加 --force"
                               f"（旧台账自动备份，文本未变任务的责任分工调整和历史记录会保留）。")
        previous = ledger.load_ledger(ws)
    with ledger.ledger_lock(ws):
        new, notes = ledger.ledger_from_notice(notice, previous)
        notes = [f"提醒：{n}" for n in directory.ensure_directory(ws, new)] + notes
        path_written = ledger.save_ledger(ws, new)
    return ParseOutcome(notice, path_written, notes)
