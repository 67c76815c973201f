"""Responsibilities: fields and name lists into leaders, lead and co-units, deadline and lead_rule; convention notes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from toolkit.models import Task
from toolkit.notice.indicators import extract_indicators, find_deadline
from toolkit.notice.labels import (CO_UNIT_LABELS, CONVENTION_RES, DEADLINE_LABELS, HEADING_LEADER_RE, LABEL_RE,
                                   LEAD_MARKER_RE, LEAD_UNIT_LABELS, LEADER_LABELS, LEFTOVER_NOTE_RE, LONGEST_NAME,
                                   NAME_PUNCTUATION, NAME_SEPARATORS, NONE_VALUES, NOT_A_PERSON_END, NOT_A_PERSON_START,
                                   NOTE_PREFIX_RE, ROLE_SUFFIX_RE, STAR_CHARS, TRAILING_DENG_RE, UNIT_SUFFIX_RE,
                                   UNITS_JOINED_RE, UNITS_RUN_TOGETHER_RE)

HAN = re.compile(r"[\u4e00-\u9fff]")
LONGEST_TASK_TEXT = 20_000   # characters; the longest task of the bundled notice has 973


@dataclass
class Duty:
    """The responsibility part of one task, before lead and co units are told apart."""
    leaders: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    cos: list[str] = field(default_factory=list)
    mixed: list[tuple[str, bool, bool]] = field(default_factory=list)   # (name, bold, marked)
    deadline: str | None = None
    problems: list[str] = field(default_factory=list)   # what was seen but not placed, for the warnings

    @property
    def found(self) -> bool:
        return bool(self.leaders or self.leads or self.cos or self.mixed or self.deadline)


@dataclass
class RawTask:
    """A task as a layout found it (paragraphs or a table row), before ids and lead rules are settled."""
    number: str | None            # printed number in ASCII digits, or None
    section: str
    subsection: str | None
    section_no: str | None
    subsection_no: str | None
    text: str
    duty: Duty
    heading_leaders: list[str] = field(default_factory=list)   # named in the section or subsection heading


# --------------------------------------------------------------------------------------------- conventions

def find_convention(texts) -> str | None:
    """The notice's own rule for telling the lead unit: first | star | bold (列第一位的为牵头单位 / 标*的… / 黑体…)."""
    for text in texts:
        for rule, pattern in CONVENTION_RES:
            if pattern.search(text):
                return rule
    return None


def blank_notes(text: str, start: int, stop: int) -> str:
    """The text with every convention note between start and stop blanked out (same length, so that bold flags
    still line up): its brackets, a leading 注：, the note itself."""
    chars = list(text)
    for _, pattern in CONVENTION_RES:
        for m in pattern.finditer(text, start, stop):
            a, b = m.start(), m.end()
            prefix = NOTE_PREFIX_RE.search(text, start, a)
            if prefix:
                a = prefix.start()
            if a > start and text[a - 1] in "（(" and b < stop and text[b] in "）)":
                a, b = a - 1, b + 1
            for k in range(a, b):
                chars[k] = " "
    return "".join(chars)


# --------------------------------------------------------------------------------------------- fields

def read_fields(duty: Duty, text: str, start: int, end: int, bold: list[bool] | None) -> None:
    """Read `label：value` fields between start and end into duty."""
    text = blank_notes(text, start, end)
    labels = list(LABEL_RE.finditer(text, start, end))
    for i, m in enumerate(labels):
        value_end = labels[i + 1].start() if i + 1 < len(labels) else end
        value_start, value_stop = m.end(), _field_end(text, m.end(), value_end, duty)
        read_field(duty, m.group(1), text, value_start, value_stop, bold)


def read_field(duty: Duty, label: str, text: str, start: int, stop: int, bold: list[bool] | None) -> None:
    if label in LEADER_LABELS:
        duty.leaders += leader_names(text[start:stop], duty)
    elif label in DEADLINE_LABELS:
        written = text[start:stop].strip().strip("。.；;，,")
        duty.deadline = written if written and written not in NONE_VALUES else None
    elif label in LEAD_UNIT_LABELS:
        duty.leads += [n for n, _, _ in unit_names(text, start, stop, None, duty)]
    elif label in CO_UNIT_LABELS:
        duty.cos += [n for n, _, _ in unit_names(text, start, stop, None, duty)]
    else:
        duty.mixed += unit_names(text, start, stop, bold, duty)


def _field_end(text: str, start: int, stop: int, duty: Duty) -> int:
    """A field ends at 。 — what follows it before the next label is a note (blanked already) or text that
    belongs to no field, which is reported rather than dropped."""
    m = re.search(r"[。]", text[start:stop])
    if not m:
        return stop
    rest = text[start + m.end():stop].strip(" \n。.；;，,")
    if rest and not LEFTOVER_NOTE_RE.match(rest):
        duty.problems.append(f"责任分工中“{rest}”不属于任何一栏，没有读入，请核对后在台账中补充")
    return start + m.start()


# --------------------------------------------------------------------------------------------- names

def unit_names(text: str, start: int, stop: int, bold: list[bool] | None,
               duty: Duty) -> list[tuple[str, bool, bool]]:
    """Unit names split on 、，,；; and line breaks outside brackets (各区县政府（某新区、某管委会） is one name),
    trailing 等 dropped; each with its bold flag and whether it is marked lead by （牵头） or *."""
    result = []
    for a, b in _name_spans(text, start, stop, duty):
        for name, marked in _units_in(text[a:b], duty):
            if not name or name in NONE_VALUES or LEFTOVER_NOTE_RE.match(name):
                continue
            result.append((name, _is_bold(text, a, b, bold), marked))
    return result


def _units_in(raw: str, duty: Duty) -> list[tuple[str, bool]]:
    marked = bool(LEAD_MARKER_RE.search(raw))
    name = LEAD_MARKER_RE.sub("", raw).strip().rstrip("。.")
    if name[:1] in STAR_CHARS or name[-1:] in STAR_CHARS:
        marked, name = True, name.strip(STAR_CHARS).strip()
    name = name.translate(NAME_PUNCTUATION)
    role = ROLE_SUFFIX_RE.search(name)
    if role and len(name) - len(role[0]) >= 2:   # 县人社局牵头 / 县财政局配合
        marked, name = marked or bool(role["lead"]), name[:role.start()]
    name = TRAILING_DENG_RE.sub("", name)
    parts = _split_spaced_units(name)
    if len(parts) == 1:
        parts = _split_run_together(parts[0])
    for part in parts:
        if len(part) > LONGEST_NAME:
            duty.problems.append(f"责任单位“{part}”太长，不像一个单位名称，已原样保留，请核对后在台账“责任分工”表中拆分")
    return [(part, marked) for part in parts]


def _split_run_together(name: str) -> list[str]:
    """`县文旅局县交通局` (a cell's two paragraphs run together) or `县财政局及各乡镇（街道）` is two units when
    every part is a unit name."""
    parts = [p for joined in UNITS_JOINED_RE.split(name) for p in UNITS_RUN_TOGETHER_RE.split(joined)]
    return parts if all(_looks_like_unit(p) for p in parts) else [name]


def _looks_like_unit(name: str) -> bool:
    bare = re.sub(r"（[^（）]*）$", "", name)   # 各乡镇（街道）
    return len(name) <= LONGEST_NAME and bool(UNIT_SUFFIX_RE.search(bare) or bare.startswith(("各", "相关", "有关")))


def _split_spaced_units(name: str) -> list[str]:
    """`县文旅局 县交通局` is two units; `县 发改局` (a stray space from a PDF) is one."""
    tokens = name.split()
    if len(tokens) > 1 and all(len(t) >= 3 and UNIT_SUFFIX_RE.search(t) for t in tokens):
        return tokens
    return ["".join(tokens)]


def _is_bold(text: str, a: int, b: int, bold: list[bool] | None) -> bool:
    if bold is None:
        return False
    flags = [bold[k] for k in range(a, min(b, len(bold))) if not text[k].isspace()]
    return bool(flags) and sum(flags) * 2 > len(flags)


def leader_names(value: str, duty: Duty) -> list[str]:
    """Leaders split on 、，,；; and line breaks; `王 某李 某` (two spaced two-character names run together by
    a PDF conversion) gives 王某 and 李某; titles in brackets stay with the name."""
    names = []
    for a, b in _name_spans(value, 0, len(value), duty):
        piece = value[a:b].translate(NAME_PUNCTUATION).rstrip("。.")
        if piece in NONE_VALUES or LEFTOVER_NOTE_RE.match(piece):
            continue
        if names and piece.startswith("（") and piece.endswith("）"):
            names[-1] += piece   # 王某某 / （副县长） on two lines of a cell: the title stays with the name
            continue
        names += [name.removesuffix("同志") for name in _spaced_names(piece)]
    return names


def _spaced_names(piece: str) -> list[str]:
    """Names in one piece of a leader list, where spaces may pad a two-character name or separate names."""
    tokens = piece.split()
    if len(tokens) == 1 or all(len(t) == 1 for t in tokens) or not all(HAN.match(t[0]) for t in tokens):
        return ["".join(tokens)] if tokens else []
    names, current = [], ""
    for token in tokens:
        if len(current) == 1:               # a surname waiting for its given name: 王 某
            names.append(current + token[0])
            current = token[1:]
        else:
            if current:
                names.append(current)
            current = token
    if current:
        names.append(current)
    return names


def _name_spans(text: str, start: int, stop: int, duty: Duty) -> list[tuple[int, int]]:
    """Spans of the names between start and stop: separated by NAME_SEPARATORS outside brackets, surrounding
    spaces trimmed. A bracket that never closes is reported, and the names after it are still split."""
    spans = _split_at_depth_zero(text, start, stop)
    if spans is None:
        duty.problems.append(f"“{text[start:stop].strip()}”中的括号没有闭合，已按顿号、逗号拆分单位，请核对")
        spans = _split_at_depth_zero(text, start, stop, brackets=False)
    return spans


def _split_at_depth_zero(text: str, start: int, stop: int, brackets: bool = True) -> list[tuple[int, int]] | None:
    spans, depth, begin = [], 0, start
    for i in range(start, stop + 1):
        ch = text[i] if i < stop else "\n"
        if brackets and ch in "（(":
            depth += 1
        elif brackets and ch in "）)":
            depth = max(depth - 1, 0)
        elif ch in NAME_SEPARATORS and (depth == 0 or i == stop):
            if i == stop and depth > 0:
                return None
            a, b = begin, i
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if a < b:
                spans.append((a, b))
            begin = i + 1
    return spans


# --------------------------------------------------------------------------------------------- the task

def fill_task(task: Task, raw: RawTask, convention: str | None, year: int) -> None:
    duty = raw.duty
    task.leaders = duty.leaders or list(raw.heading_leaders)
    task.deadline = duty.deadline
    assign_roles(task, duty, convention)
    apply_deadline(task, year)
    if len(task.text) > LONGEST_TASK_TEXT:   # indicator rules look back over the text: keep them off run-ons
        duty.problems.append(f"任务文字有 {len(task.text)} 字，远超一般任务，可能是几项任务连在一起（编号没有识别出来），"
                             f"没有提取量化指标，请核对通知原文")
    else:
        task.indicators = extract_indicators(task.text)


def assign_roles(task: Task, duty: Duty, convention: str | None = None) -> None:
    """One rule per way of telling the lead: field (or column), （牵头） or * marker, bold, the notice's stated
    convention (first listed), then position."""
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
        flags = [i == 0 for i in range(len(names))]
        rule = "first" if convention == "first" else "position"
    task.lead_units = [n for n, f in zip(names, flags) if f]
    task.co_units = [n for n, f in zip(names, flags) if not f] + duty.cos
    task.lead_rule = rule


def apply_deadline(task: Task, year: int) -> None:
    written, due = find_deadline(task.deadline, year) if task.deadline else (None, None)
    if due is None:
        found_written, due = find_deadline(task.text, year)
        if task.deadline is None:
            task.deadline = found_written
    task.due = due or date(year, 12, 31)


# --------------------------------------------------------------------------------------------- headings

def heading_leaders(title: str) -> tuple[str, list[str]]:
    """`王某某县长牵头重点工作` → ("牵头重点工作", ["王某某"]); `赵 某同志分管` → ("分管", ["赵某"]): the leader with
    the title written after the name is taken out. A heading without a title (县长, 同志 …) names no leader."""
    m = HEADING_LEADER_RE.match(title)
    if not m or not (m["title"] or m["before"]):   # 加强联系, 压实牵头责任: no title, no person
        return title, []
    names = ["".join(n.split()) for n in re.split("[、和]", m["names"])]
    if any(n[-1] in NOT_A_PERSON_END or n[0] in NOT_A_PERSON_START for n in names):
        return title, []
    return title[m.end("title") if m["title"] else m.end("names"):].strip(), names
