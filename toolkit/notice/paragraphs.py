"""Paragraph layouts: 一、/（一）/1. numbering, tasks over several paragraphs, tails and label lines, heading leaders."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from toolkit.notice.duties import Duty, RawTask, heading_leaders, read_fields
from toolkit.notice.indicators import chinese_to_int
from toolkit.notice.labels import (CLOSING, FIELD_LINE_RE, INLINE_TAIL_RE, OPENING, SECTION_RE, SUBSECTION_RE,
                                   TAIL_OPEN_RE, TASK_RE,
                                   ascii_digits, is_end_matter)
from toolkit.notice.reading import Para

SHORTEST_HEADING = 60   # a （一） line longer than this is a task or a point, not a subsection heading


@dataclass
class _Context:
    """Where the parser stands: the current section and subsection, and leaders their headings name."""
    section: str = ""
    section_no: str | None = None
    section_leaders: list[str] = field(default_factory=list)
    subsection: str | None = None
    subsection_no: str | None = None
    subsection_leaders: list[str] = field(default_factory=list)

    @property
    def leaders(self) -> list[str]:
        return self.subsection_leaders or self.section_leaders


@dataclass
class _Draft:
    """A numbered task being collected from paragraphs."""
    number: str
    context: _Context
    body: list[Para] = field(default_factory=list)
    pending: list[Para] = field(default_factory=list)   # joins the body only if a responsibility part follows
    fields: list[Para] = field(default_factory=list)    # label lines after the task (牵头领导：…)
    closed: bool = False                                # the bracketed tail has been seen
    open_tail: bool = False                             # a tail bracket opened and not yet closed
    from_heading: bool = False                          # 一、/（一） — a task only if a responsibility follows
    inner: _Context | None = None                       # the context under it, when it is a heading

    @property
    def has_duty(self) -> bool:
        return self.closed or bool(self.fields) or self.open_tail


def paragraph_tasks(paras: list[Para], formatted: bool) -> tuple[list[RawTask], list[str]]:
    """The tasks found in the paragraphs, and section 一's text (the headline targets)."""
    drafts, section_one = _drafts(paras)
    return [_raw_task(d, formatted) for d in drafts], section_one


def _drafts(paras: list[Para]) -> tuple[list[_Draft], list[str]]:
    drafts: list[_Draft] = []
    context = _Context()
    section_one: list[str] = []
    in_first_section = False
    current: _Draft | None = None
    for para in paras:
        text = para.text
        if not text:
            continue
        if current is not None and current.open_tail and _continues_open_tail(text):
            _continue_open_tail(current, para)
            continue
        heading = SECTION_RE.match(text) or SUBSECTION_RE.match(text)
        task = None if heading else TASK_RE.match(text)
        if current is not None and current.from_heading and (task or heading and heading.re is SUBSECTION_RE):
            context = _absorb_heading(current, drafts, context, child_is_subsection=task is None)
        if heading:
            current, context = _heading(heading, para, context)
            drafts.append(current)
            if heading.re is SECTION_RE:
                in_first_section = heading[1] == "一"
            continue
        if task:
            current = _Draft(ascii_digits(task[1]), context, [para])
            _open_or_close(current, text)
            drafts.append(current)
            continue
        if in_first_section:
            section_one.append(text)
        if current is not None:
            was_heading_only = current.from_heading and not current.has_duty
            if not _continue_draft(current, para):
                current = None
            elif was_heading_only and current.has_duty:
                context = current.context   # the heading line was a task (or names a leader; see _absorb_heading)
    kept = [d for d in drafts if d.has_duty or not d.from_heading]
    return _drop_sections_without_duties(kept), section_one


def _heading(match: re.Match, para: Para, context: _Context) -> tuple[_Draft, _Context]:
    """一、… or （一）…: a heading, or a task numbered that way when a responsibility follows. The draft is kept
    either way; the context moves into the heading unless the line carries units of its own (then it is a task)."""
    is_section = match.re is SECTION_RE
    outer = _Context() if is_section else replace(context, subsection=None, subsection_no=None,
                                                   subsection_leaders=[])
    draft = _Draft(str(chinese_to_int(match[1])), outer, [para], from_heading=True)
    _open_or_close(draft, para.text)
    tail = _tail(para.text)
    title_end = tail.start if tail is not None else len(para.text)
    if (tail is not None and _has_units(draft)) or (not is_section and len(para.text) > SHORTEST_HEADING):
        return draft, outer
    title, leaders = heading_leaders(para.text[match.start(2):title_end].strip())
    if is_section:
        draft.inner = _Context(title, match[1], leaders)
    else:
        draft.inner = replace(outer, subsection=title, subsection_no=match[1], subsection_leaders=leaders)
    return draft, draft.inner


def _absorb_heading(draft: _Draft, drafts: list[_Draft], context: _Context, child_is_subsection: bool) -> _Context:
    """A heading followed by its own numbered items, with only a leader after it (`一、工业经济（牵头领导：王某）`
    or a `牵头领导：王某` line): the leader is the heading's, for every task under it, and the heading is no task."""
    if draft.inner is None or not draft.has_duty or draft.pending or len(draft.body) > 1 or _has_units(draft):
        return context
    if child_is_subsection and draft.inner.subsection_no is not None:
        return context   # （一） after （一）: siblings, both tasks
    leaders = _raw_task(draft, False).duty.leaders
    drafts.remove(draft)
    if draft.inner.subsection_no is not None:
        return replace(draft.inner, subsection_leaders=leaders)
    return replace(draft.inner, section_leaders=leaders)


def _has_units(draft: _Draft) -> bool:
    duty = _raw_task(draft, False).duty
    return bool(duty.leads or duty.cos or duty.mixed)


def _open_or_close(draft: _Draft, text: str) -> None:
    tail = _tail(text)
    draft.closed = tail is not None and tail.closed
    draft.open_tail = tail is not None and not tail.closed


def _continues_open_tail(text: str) -> bool:
    """A line carrying on an open tail starts with a label or closes the bracket; anything else (the next task,
    a heading, the signature) leaves the tail unclosed, which is reported."""
    if SECTION_RE.match(text) or SUBSECTION_RE.match(text) or TASK_RE.match(text) or is_end_matter(text):
        return False
    return bool(FIELD_LINE_RE.match(text)) or text.rstrip().rstrip("。.；;")[-1:] in CLOSING


def _continue_open_tail(draft: _Draft, para: Para) -> None:
    """A tail that opened in an earlier paragraph (`（牵头领导：王某。` / `责任单位：县某局）`) runs on; a line
    broken inside a name (`县发` / `改局`, as text copied from a PDF) is joined back without a break."""
    last = draft.body[-1]
    if last.text[-1:] not in "、，,；;。：:" and not FIELD_LINE_RE.match(para.text):
        bold = last.bold + para.bold if last.bold is not None and para.bold is not None else None
        draft.body[-1] = Para(last.text + para.text, bold)
    else:
        draft.body.append(para)
    tail = _tail("\n".join(p.text for p in draft.body))
    if tail is not None and tail.closed:
        draft.open_tail, draft.closed = False, True


def _continue_draft(draft: _Draft, para: Para) -> bool:
    """Add a following paragraph to the draft; False when the paragraph is not part of the task."""
    text = para.text
    if _is_field_line(text):
        draft.body += draft.pending
        draft.pending = []
        draft.fields.append(_unbracketed(para))
        return True
    if draft.has_duty or is_end_matter(text):
        return False   # a general paragraph between tasks or sections, or the closing matter
    draft.pending.append(para)
    tail = _tail(text)
    if tail is not None:
        draft.body += draft.pending
        draft.pending = []
        draft.closed, draft.open_tail = tail.closed, not tail.closed
    return True


def _is_field_line(text: str) -> bool:
    """`责任单位：…` on its own line, or the whole line one bracket group `（牵头领导：…；责任单位：…）`."""
    if FIELD_LINE_RE.match(text):
        return True
    tail = _tail(text)
    return tail is not None and tail.start == 0 and tail.closed and tail.bracketed


def _unbracketed(para: Para) -> Para:
    if not TAIL_OPEN_RE.match(para.text):
        return para
    end = len(para.text.rstrip().rstrip("。.；;")) - 1
    return Para(para.text[1:end], para.bold[1:end] if para.bold is not None else None)


def _drop_sections_without_duties(drafts: list[_Draft]) -> list[_Draft]:
    """Numbered points in sections where no item names a responsibility (总体要求, 保障措施…) are not tasks;
    a notice where no item names one (a meeting notice, say) has no tasks at all."""
    def key(d: _Draft):
        return d.context.section_no, d.context.section

    sections_with_duty = {key(d) for d in drafts if d.has_duty}
    return [d for d in drafts if key(d) in sections_with_duty]


@dataclass
class _Tail:
    """The responsibility part at the end of a task: `（牵头领导：…）`, one never closed, or `。责任单位：…`."""
    start: int
    end: int
    closed: bool = True
    bracketed: bool = True

    @property
    def content_start(self) -> int:
        return self.start + 1 if self.bracketed else self.start


def _tail(text: str) -> _Tail | None:
    """A closed tail is the bracket group opening with a label and closing the text; an open one never closes
    at all; an inline one is labels written after the task's last sentence without brackets."""
    stripped = text.rstrip().rstrip("。.；;")
    starts = [m.start() for m in TAIL_OPEN_RE.finditer(stripped)]
    if starts and stripped[-1:] in CLOSING:
        return _Tail(starts[0], len(stripped) - 1)
    if starts and _closing_bracket(stripped, starts[-1]) is None:
        return _Tail(starts[-1], len(stripped), closed=False)
    inline = INLINE_TAIL_RE.search(stripped)
    if inline and not starts:
        return _Tail(inline.start(1), len(stripped), bracketed=False)
    return None


def _closing_bracket(text: str, start: int) -> int | None:
    depth = 0
    for i in range(start, len(text)):
        if text[i] in OPENING:
            depth += 1
        elif text[i] in CLOSING:
            depth -= 1
            if depth == 0:
                return i
    return None


# --------------------------------------------------------------------------------------------- one task

def _raw_task(draft: _Draft, formatted: bool) -> RawTask:
    text = "\n".join(p.text for p in draft.body)
    bold = _joined_bold(draft.body) if formatted else None
    body_start = _body_start(text)
    tail = _tail(text)
    body = text[body_start:tail.start].strip() if tail is not None else text[body_start:].strip()
    context = draft.context
    raw = RawTask(draft.number, context.section, context.subsection, context.section_no, context.subsection_no,
                  _with_own_full_stop(body, text, tail), Duty(), list(context.leaders))
    if tail is not None:
        read_fields(raw.duty, text, tail.content_start, tail.end, bold)
        if not tail.closed:
            raw.duty.problems.append(f"责任分工的括号没有闭合：“{text[tail.start:tail.end].strip()}”。"
                                     f"已按写明的内容读入，请核对")
    if draft.fields:
        fields_text = "\n".join(p.text for p in draft.fields)
        read_fields(raw.duty, fields_text, 0, len(fields_text), _joined_bold(draft.fields) if formatted else None)
    return raw


def _body_start(text: str) -> int:
    first_line = text.split("\n", 1)[0]   # the numbering is on the draft's first line
    numbered = TASK_RE.match(first_line) or SUBSECTION_RE.match(first_line) or SECTION_RE.match(first_line)
    return numbered.start(2)


def _with_own_full_stop(body: str, text: str, tail: _Tail | None) -> str:
    """`任务（责任单位：…）。` — the full stop written after the tail ends the task's own sentence."""
    if tail is not None and tail.closed and tail.bracketed and not body.endswith("。") \
            and text.rstrip().endswith("。"):
        return body + "。"
    return body


def _joined_bold(paras: list[Para]) -> list[bool]:
    bold: list[bool] = []
    for i, p in enumerate(paras):
        if i:
            bold.append(False)
        bold += p.bold if p.bold is not None else [False] * len(p.text)
    return bold
