"""Notice parsing: a task-decomposition notice (.txt, .docx or .xlsx) into sections, tasks and responsibilities.

reading (files) → paragraphs / tables (layouts) → duties (names, lead rules) → build (ids, warnings) → command;
labels holds the vocabulary, indicators the numbers and deadlines. README 「能读取的通知格式」 lists the layouts.
"""
from toolkit.notice.build import parse_notice
from toolkit.notice.command import CheckOutcome, ParseOutcome, check_notice, notice_to_json, parse_into_ledger

__all__ = ["parse_notice", "notice_to_json", "parse_into_ledger", "check_notice", "ParseOutcome", "CheckOutcome"]
