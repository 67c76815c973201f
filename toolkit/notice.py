"""Parse a task-decomposition notice (.txt, .docx or .xlsx) into sections, tasks and responsibilities.

Layouts read (README 「通知格式」):
- paragraphs: sections 一、… (optionally subsections （一）…) with numbered tasks 1. / 1． / 1、; a task may run
  over several paragraphs; its responsibility is a bracketed tail `（牵头领导：…。承办单位：…）` or label lines
  after it (`牵头领导：…` / `责任单位：…` / `完成时限：…`);
- task tables in a .docx or an .xlsx, columns found by their header text (toolkit/notice_tables.py).
Lead units are the bold ones in a .docx, the ones marked （牵头）, the ones in a 牵头单位 field or column, or —
when nothing marks them — the first one listed (位置推定).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from toolkit.errors import EXIT_REJECTED, ToolkitError
from toolkit.models import Notice, NoticeInfo, Task

CN_DIGITS = "〇零一二三四五六七八九十百"
LEADER_LABELS = ("牵头领导", "责任领导", "分管领导", "牵头县领导", "牵头区领导", "牵头市领导", "责任县领导",
                 "责任区领导", "分管县领导", "分管区领导", "牵头县级领导", "责任县级领导", "分管县级领导")
MIXED_UNIT_LABELS = ("承办单位", "责任单位", "责任部门", "承办部门")
LEAD_UNIT_LABELS = ("牵头单位", "主办单位", "牵头部门", "主办部门")
CO_UNIT_LABELS = ("配合单位", "协办单位", "协同单位", "参与单位", "配合部门", "协办部门")
DEADLINE_LABELS = ("完成时限", "完成时间", "完成期限")
ALL_LABELS = LEADER_LABELS + MIXED_UNIT_LABELS + LEAD_UNIT_LABELS + CO_UNIT_LABELS + DEADLINE_LABELS
_LABEL = "|".join(sorted(ALL_LABELS, key=len, reverse=True))
LABEL_RE = re.compile(rf"({_LABEL})\s*[：:]")
FIELD_LINE_RE = re.compile(rf"^(?:{_LABEL})\s*[：:]")
TAIL_OPEN_RE = re.compile(rf"[（(]\s*(?:{_LABEL})\s*[：:]")
SECTION_RE = re.compile(rf"^([{CN_DIGITS}]+)、\s*(\S.*)$")
SUBSECTION_RE = re.compile(rf"^[（(]([{CN_DIGITS}]+)[）)]\s*(\S.*)$")
TASK_RE = re.compile(r"^([0-9０-９]{1,4})\s*[.．、](?![0-9０-９])\s*(\S.*)$", re.S)
DOC_NO_RE = re.compile(r"[\u4e00-\u9fff]{1,12}[〔［\[(（]\s*(\d{4})\s*[〕］\])）]\s*\d+\s*号")
DATE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
LEAD_MARKER_RE = re.compile(r"\s*[（(]\s*(?:牵头|主办)(?:单位)?\s*[）)]\s*$")
NOTE_RE = re.compile(r"(黑体|加粗|粗体|字体加粗)?.{0,6}为(主办|牵头|协办)单位|下同")
END_MATTER_RE = re.compile(r"^(抄送|印发|主题词|附件|（此件|\(此件|[—―─_－-]{6,})")
NAME_SEPARATORS = "、，,；;\n"   # line breaks separate names, spaces do not
NONE_VALUES = {"无", "/", "／", "—", "——", "-", "－", "--", "暂无", "\\"}
LAYOUTS_TRIED = ("段落式：“一、”标题下以 1. / 1． / 1、 编号的任务，末尾括注（牵头领导：…；责任单位：…）"
                 "或另起一行写“牵头领导：… 责任单位：… 完成时限：…”",
                 "三级提纲：“一、”“（一）”下的 1. 编号任务",
                 "表格式：Word 表格或 Excel 工作表，表头含“序号”“重点任务/工作任务/任务内容”"
                 "及“牵头领导”“牵头单位/责任单位”等列")


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
class Source:
    """What a notice file holds: its paragraphs and its tables (rows of cells, each cell one Para)."""
    paras: list[Para]
    formatted: bool                                   # bold is known
    tables: list[list[list[Para]]] = field(default_factory=list)


@dataclass
class _Draft:
    """A numbered task being collected from paragraphs."""
    number: str
    section: str
    subsection: str | None
    section_no: str | None
    subsection_no: str | None
    body: list[Para] = field(default_factory=list)
    pending: list[Para] = field(default_factory=list)   # joins the body only if a responsibility part follows
    fields: list[Para] = field(default_factory=list)    # label lines after the task (牵头领导：…)
    closed: bool = False                                # the bracketed tail has been seen

    @property
    def has_duty(self) -> bool:
        return self.closed or bool(self.fields)


@dataclass
class _Duty:
    """The responsibility part of one task, before lead and co units are told apart."""
    leaders: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    cos: list[str] = field(default_factory=list)
    mixed: list[tuple[str, bool, bool]] = field(default_factory=list)   # (name, bold, marked)
    deadline: str | None = None

    @property
    def found(self) -> bool:
        return bool(self.leaders or self.leads or self.cos or self.mixed or self.deadline)


# --------------------------------------------------------------------------------------------- reading

def read_notice_paragraphs(path: Path) -> tuple[list[Para], bool]:
    """Paragraphs of the notice and whether formatting (bold) is known."""
    source = read_notice(path)
    return source.paras, source.formatted


def read_notice(path: Path) -> Source:
    if not path.exists():
        raise ToolkitError(f"找不到通知文件：{path}。请检查文件名和路径。")
    suffix = path.suffix.lower()
    if suffix in (".doc", ".wps"):
        raise ToolkitError(f"{path.name} 是旧版 Word/WPS 格式，无法直接读取。请用 Word 或 WPS 打开后"
                           f"“另存为” .docx（Word 文档）再运行；也可以另存为 .txt，但 .txt 会丢失粗体（主办单位）信息。")
    if suffix in (".xls", ".et"):
        raise ToolkitError(f"{path.name} 是旧版 Excel/WPS 表格格式，无法直接读取。请用 Excel 或 WPS 打开后"
                           f"“另存为” .xlsx（Excel 工作簿）再运行。")
    if suffix == ".pdf":
        raise ToolkitError(f"{path.name} 是 PDF，无法可靠读取段落和粗体。请向发文单位索取 .docx 原件，"
                           f"或复制全文粘贴到记事本并保存为 .txt（UTF-8）后再运行。")
    data = path.read_bytes()
    if suffix in (".xlsx", ".xlsm"):
        from toolkit.notice_tables import read_xlsx

        return read_xlsx(path)
    if data[:2] == b"PK" or suffix == ".docx":
        from toolkit.notice_tables import read_docx

        return read_docx(path)
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ToolkitError(f"{path.name} 实际是旧版 Word（.doc）文件。请用 Word/WPS 另存为 .docx 后再运行。")
    if data.startswith(b"%PDF"):
        raise ToolkitError(f"{path.name} 实际是 PDF 文件。请索取 .docx 原件或另存为 .txt 后再运行。")
    text = decode_text(data, path.name)
    return Source([Para(line) for line in text.splitlines()], False)


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


# --------------------------------------------------------------------------------------------- parsing

def parse_notice(path: str | Path) -> Notice:
    path = Path(path)
    source = read_notice(path)
    paras = [p.strip() for p in source.paras]
    info = _notice_info(paras, path)
    warnings: list[str] = []
    year = _notice_year(info)
    drafts, section_one = _drafts(paras)
    table_warnings: list[str] = []
    tasks = _tasks_from_tables(source, year, table_warnings)
    if tasks and len(tasks) >= len(drafts):   # a notice whose tasks sit in a table (maybe beside a few points)
        info.title = info.title or _table_title(source)
        warnings += table_warnings
    else:
        tasks = _tasks_from_drafts(drafts, source.formatted, year, warnings)
    if not tasks:
        raise ToolkitError(_nothing_found(paras, source, path))
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


# --------------------------------------------------------------------------------------------- paragraph layouts

def _drafts(paras: list[Para]) -> tuple[list[_Draft], list[str]]:
    """Group paragraphs into task drafts; also return section 一's text (the headline targets)."""
    drafts: list[_Draft] = []
    section, subsection, section_no, subsection_no = "", None, None, None
    section_one: list[str] = []
    in_first_section = False
    current: _Draft | None = None
    for para in paras:
        text = para.text
        if not text:
            continue
        heading = SECTION_RE.match(text)
        if heading and not TAIL_OPEN_RE.search(text):
            section, section_no, subsection, subsection_no, current = heading[2].strip(), heading[1], None, None, None
            in_first_section = heading[1] == "一"
            continue
        sub = SUBSECTION_RE.match(text)
        if sub and len(text) <= 60 and not TAIL_OPEN_RE.search(text):
            subsection, subsection_no, current = sub[2].strip(), sub[1], None
            continue
        task = TASK_RE.match(text)
        if task:
            current = _Draft(task[1], section, subsection, section_no, subsection_no, [para])
            current.closed = _has_tail(text)
            drafts.append(current)
            continue
        if in_first_section:
            section_one.append(text)
        if current is not None and not _continue_draft(current, para):
            current = None
    return _drop_sections_without_duties(drafts), section_one


def _continue_draft(draft: _Draft, para: Para) -> bool:
    """Add a following paragraph to the draft; False when the paragraph is not part of the task."""
    text = para.text
    if _is_field_line(text):
        draft.body += draft.pending
        draft.pending = []
        draft.fields.append(_unbracketed(para))
        return True
    if draft.has_duty or _is_end_matter(text):
        return False   # a general paragraph between tasks or sections, or the closing matter
    draft.pending.append(para)
    if _has_tail(text):
        draft.body += draft.pending
        draft.pending = []
        draft.closed = True
    return True


def _is_field_line(text: str) -> bool:
    """`责任单位：…` on its own line, or the whole line one bracket group `（牵头领导：…；责任单位：…）`."""
    return bool(FIELD_LINE_RE.match(text)) or (TAIL_OPEN_RE.match(text) is not None and _find_tail(text) == 0)


def _unbracketed(para: Para) -> Para:
    if not TAIL_OPEN_RE.match(para.text):
        return para
    end = len(para.text.rstrip().rstrip("。.；;")) - 1
    return Para(para.text[1:end], para.bold[1:end] if para.bold is not None else None)


def _drop_sections_without_duties(drafts: list[_Draft]) -> list[_Draft]:
    """Numbered points in sections where no item names a responsibility (总体要求, 保障措施…) are not tasks;
    a notice where no item names one (a meeting notice, say) has no tasks at all."""
    sections_with_duty = {(d.section_no, d.section) for d in drafts if d.has_duty}
    return [d for d in drafts if (d.section_no, d.section) in sections_with_duty]


def _has_tail(text: str) -> bool:
    return _find_tail(text) is not None


def _find_tail(text: str) -> int | None:
    """Start of the responsibility tail: the bracket group opening with a label and closing the text."""
    stripped = text.rstrip().rstrip("。.；;")
    if not stripped.endswith(("）", ")")):
        return None
    starts = [m.start() for m in TAIL_OPEN_RE.finditer(stripped)]
    return starts[0] if starts else None


def _is_end_matter(text: str) -> bool:
    compact = re.sub(r"\s+", "", text)
    return bool(END_MATTER_RE.match(compact) or DATE_RE.match(compact)
                or re.search(r"(人民政府|办公室|委员会)$", compact) and len(compact) <= 30)


def _tasks_from_drafts(drafts: list[_Draft], formatted: bool, year: int, warnings: list[str]) -> list[Task]:
    ids = _task_ids([(d.number, d.section_no, d.subsection_no, (d.section_no, d.section, d.subsection))
                     for d in drafts])
    return [_task_from_draft(d, task_id, seq, formatted, year, warnings)
            for seq, (d, task_id) in enumerate(zip(drafts, ids), start=1)]


def _task_from_draft(draft: _Draft, task_id: str, seq: int, formatted: bool, year: int,
                     warnings: list[str]) -> Task:
    text = "\n".join(p.text for p in draft.body)
    bold = _joined_bold(draft.body) if formatted else None
    body_start = TASK_RE.match(text).start(2)
    tail = _find_tail(text)
    body = text[body_start:tail].strip() if tail is not None else text[body_start:].strip()
    task = Task(id=task_id, seq=seq, section=draft.section, subsection=draft.subsection,
                text=_with_own_full_stop(body, text, tail))
    duty = _Duty()
    if tail is not None:
        end = len(text.rstrip().rstrip("。.；;")) - 1   # the closing bracket
        _read_fields(duty, text, tail + 1, end, bold)
    if draft.fields:
        fields_text = "\n".join(p.text for p in draft.fields)
        _read_fields(duty, fields_text, 0, len(fields_text), _joined_bold(draft.fields) if formatted else None)
    if not duty.found:
        warnings.append(f"第{task.id}项任务没有找到责任分工（牵头领导、承办单位），已保留任务但没有责任单位，请在台账中补充。")
    _fill_task(task, duty, year)
    return task


def _with_own_full_stop(body: str, text: str, tail: int | None) -> str:
    """`任务（责任单位：…）。` — the full stop written after the tail ends the task's own sentence."""
    if tail is not None and not body.endswith("。") and text.rstrip().endswith("。"):
        return body + "。"
    return body


def _joined_bold(paras: list[Para]) -> list[bool]:
    bold: list[bool] = []
    for i, p in enumerate(paras):
        if i:
            bold.append(False)
        bold += p.bold if p.bold is not None else [False] * len(p.text)
    return bold


def _ascii_digits(text: str) -> str:
    return text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


# --------------------------------------------------------------------------------------------- task tables

def _tasks_from_tables(source: Source, year: int, warnings: list[str]) -> list[Task]:
    if not source.tables:
        return []
    from toolkit.notice_tables import table_rows

    rows = table_rows(source.tables)
    ids = _task_ids([(r.number, r.section_no, None, (r.section_no, r.section)) for r in rows])
    tasks = []
    for seq, (row, task_id) in enumerate(zip(rows, ids), start=1):
        task = Task(id=task_id, seq=seq, section=row.section, subsection=None, text=row.text)
        duty = _Duty()
        for para in row.leaders:
            duty.leaders += [n for n, _, _ in _names(para.text, 0, len(para.text), None)]
        for para in row.leads:
            duty.leads += [n for n, _, _ in _names(para.text, 0, len(para.text), None)]
        for para in row.cos:
            duty.cos += [n for n, _, _ in _names(para.text, 0, len(para.text), None)]
        for para in row.mixed:
            duty.mixed += _names(para.text, 0, len(para.text), para.bold if source.formatted else None)
        duty.deadline = row.deadline if row.deadline not in NONE_VALUES else None
        if not duty.found:
            warnings.append(f"第{task.id}项任务没有找到责任分工（牵头领导、责任单位），已保留任务但没有责任单位，请在台账中补充。")
        _fill_task(task, duty, year)
        tasks.append(task)
    return tasks


def _table_title(source: Source) -> str | None:
    from toolkit.notice_tables import title_above_header

    return title_above_header(source.tables)


# --------------------------------------------------------------------------------------------- ids

def _task_ids(entries: list[tuple[str | None, str | None, str | None, tuple]]) -> list[str]:
    """Printed numbers, or paths like 2-1-3 when numbering restarts in each section or subsection.

    Each entry is (printed number or None, section numeral, subsection numeral, group key)."""
    if _numbering_restarts(entries):
        return [_path_id(entry, seq) for seq, entry in enumerate(entries, start=1)]
    return [_ascii_digits(number) if number else str(seq) for seq, (number, _, _, _) in enumerate(entries, start=1)]


def _numbering_restarts(entries) -> bool:
    last_group, last_number = None, None
    for number, _, _, group in entries:
        if number is None:
            continue
        value = int(_ascii_digits(number))
        if last_group is not None and group != last_group and value <= last_number:
            return True
        last_group, last_number = group, value
    return False


def _path_id(entry, seq: int) -> str:
    from toolkit.indicators import chinese_to_int

    number, section_no, subsection_no, _ = entry
    parts = []
    for numeral in (section_no, subsection_no):
        if numeral:
            parts.append(str(chinese_to_int(numeral)) if not numeral.isdigit() else numeral)
    parts.append(_ascii_digits(number) if number else str(seq))
    return "-".join(parts)


# --------------------------------------------------------------------------------------------- responsibilities

def _read_fields(duty: _Duty, text: str, start: int, end: int, bold: list[bool] | None) -> None:
    """Read `label：value` fields between start and end into duty."""
    labels = list(LABEL_RE.finditer(text, start, end))
    for i, m in enumerate(labels):
        value_end = labels[i + 1].start() if i + 1 < len(labels) else end
        value_start, value_stop = m.end(), _field_end(text, m.end(), value_end)
        label = m.group(1)
        if label in LEADER_LABELS:
            duty.leaders += [n for n, _, _ in _names(text, value_start, value_stop, None)]
        elif label in DEADLINE_LABELS:
            written = text[value_start:value_stop].strip()
            duty.deadline = written if written and written not in NONE_VALUES else None
        elif label in LEAD_UNIT_LABELS:
            duty.leads += [n for n, _, _ in _names(text, value_start, value_stop, None)]
        elif label in CO_UNIT_LABELS:
            duty.cos += [n for n, _, _ in _names(text, value_start, value_stop, None)]
        else:
            duty.mixed += _names(text, value_start, value_stop, bold)


def _field_end(text: str, start: int, stop: int) -> int:
    """A field ends at 。；; — what follows it before the next label is a note (e.g. 黑体为主办单位…)."""
    m = re.search(r"[。；;]", text[start:stop])
    return start + m.start() if m else stop


def _names(text: str, start: int, stop: int, bold: list[bool] | None) -> list[tuple[str, bool, bool]]:
    """Names split on 、，,；; and line breaks, trailing 等 dropped; with bold flags and the （牵头） marker."""
    result = []
    for a, b in _name_spans(text, start, stop):
        raw = text[a:b]
        marked = bool(LEAD_MARKER_RE.search(raw))
        name = LEAD_MARKER_RE.sub("", raw).strip()
        if len(name) > 2 and name.endswith("等"):
            name = name[:-1]
        if not name or NOTE_RE.search(name) or name in NONE_VALUES:
            continue
        is_bold = False
        if bold is not None:
            flags = [bold[k] for k in range(a, min(b, len(bold))) if not text[k].isspace()]
            is_bold = bool(flags) and sum(flags) * 2 > len(flags)
        result.append((name, is_bold, marked))
    return result


def _name_spans(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    """Spans of the names between start and stop: separated by 、，,；; or a line break outside brackets
    (王某某（县委常委、副县长） is one name), surrounding spaces trimmed."""
    spans, depth, begin = [], 0, start
    for i in range(start, stop + 1):
        ch = text[i] if i < stop else "\n"
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(depth - 1, 0)
        elif ch in NAME_SEPARATORS and (depth == 0 or i == stop):
            a, b = begin, i
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if a < b:
                spans.append((a, b))
            begin = i + 1
    return spans


def _fill_task(task: Task, duty: _Duty, year: int) -> None:
    task.leaders = duty.leaders
    task.deadline = duty.deadline
    _assign_roles(task, duty)
    _apply_deadline(task, year)
    from toolkit.indicators import extract_indicators

    task.indicators = extract_indicators(task.text)


def _assign_roles(task: Task, duty: _Duty) -> None:
    """One rule per way of telling the lead: field (or column), （牵头） marker, bold, then position."""
    mixed = duty.mixed
    names = [n for n, _, _ in mixed]
    if duty.leads:
        task.lead_units, task.co_units, task.lead_rule = duty.leads, duty.cos + names, "field"
        return
    if duty.cos and not any(marked for _, _, marked in mixed):
        # 承办单位 beside a 配合单位 field: the 承办 units are the leads
        task.lead_units, task.co_units, task.lead_rule = names, duty.cos, "field"
        return
    if any(marked for _, _, marked in mixed):
        flags, rule = [marked for _, _, marked in mixed], "marker"
    elif any(is_bold for _, is_bold, _ in mixed):
        flags, rule = [is_bold for _, is_bold, _ in mixed], "bold"
    else:
        flags, rule = [i == 0 for i in range(len(names))], "position"
    task.lead_units = [n for n, f in zip(names, flags) if f]
    task.co_units = [n for n, f in zip(names, flags) if not f] + duty.cos
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


# --------------------------------------------------------------------------------------------- --check

RULE_WORDS = {"field": "牵头单位栏", "marker": "（牵头）标注", "bold": "粗体", "position": "排第一位（推定）"}
CHECK_TEXT_WIDTH = 16


@dataclass
class CheckOutcome:
    """`toolkit parse --check`: what would be built, and every warning; nothing is written."""
    notice: Notice

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if self.notice.warnings else 0

    def lines(self) -> list[str]:
        rows = [("序号", "任务内容", "牵头领导", "主办单位", "协办单位", "完成时限", "主办依据")]
        for t in self.notice.tasks:
            text = t.text.replace("\n", " ")
            rows.append((t.id, text[:CHECK_TEXT_WIDTH] + ("…" if len(text) > CHECK_TEXT_WIDTH else ""),
                         "、".join(t.leaders) or "—", "、".join(t.lead_units) or "—", "、".join(t.co_units) or "—",
                         t.deadline or "—", RULE_WORDS.get(t.lead_rule, t.lead_rule)))
        n = self.notice
        head = [f"通知：{n.info.title or n.info.file}（{n.info.doc_no or '无文号'}）",
                f"识别任务 {len(n.tasks)} 项，主要预期目标 {len(n.targets)} 个。"] + [f"提醒：{w}" for w in n.warnings]
        return head + [""] + [" | ".join(row) for row in rows] + ["", "以上为预览，没有写入任何文件。确认无误后去掉 --check 再运行。"]


def check_notice(path: str | Path) -> CheckOutcome:
    return CheckOutcome(parse_notice(path))


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
        previous = ledger.load_ledger(ws)    # every history row, carried over whole
    with ledger.ledger_lock(ws):
        orphan = ledger.retire_orphan_store(ws)
        new, notes = ledger.ledger_from_notice(notice, previous)
        if orphan:
            notes.append(f"台账不存在但有旧的进展记录数据库，已移到 {orphan}，新台账从空白历史开始；"
                         f"如需沿用旧历史，请从 outputs/备份/ 取回旧台账和该数据库后重新运行 parse --force。")
        notes = [f"提醒：{n}" for n in directory.ensure_directory(ws, new)] + notes
        path_written = ledger.save_ledger(ws, new)
    return ParseOutcome(notice, path_written, notes)
