"""The per-unit fill-in workbooks (`toolkit issue`, DESIGN §7).

contract (sheet names, header rows, footer and the signed identity that collect reads; the layout in its docstring)
→ plan (each unit's rows) and layout (what both writers share: widths, heights, values, styles, rules) → percell
(xlsxwriter, cell by cell: the reference) → package (the package XML written directly: `write_unit_workbook`) →
command (`issue_forms`, 下发清单, 下发通知).
"""
from toolkit.forms.command import IssueOutcome, issue_forms
from toolkit.forms.contract import (CHUNK, DEFINED_NAME_PREFIX, FOOTER_LABEL_COLUMN, FOOTER_LABELS, FOOTER_REQUIRED,
                                    FOOTER_VALUE_COLUMN, FORM_SCHEMA, IDENTITY_FIELDS, INDICATOR_FIRST_ROW,
                                    INDICATOR_HEADER_ROW, INDICATOR_HEADERS, INDICATOR_INPUT_HEADERS, INDICATOR_SHEET,
                                    LIST_SHEET, META_SHEET, SIGNATURE_KEY, STATES_NAME, TASK_FIRST_ROW,
                                    TASK_HEADER_ROW, TASK_HEADERS, TASK_INPUT_HEADERS, TASK_REQUIRED_HEADERS,
                                    TASK_SHEET, TASK_TITLE_ROW, TASK_UNIT_ROW, TASKS_SEPARATOR, canonical_identity,
                                    footer_rows, identity_chunks, make_identity, office_key, sign_identity,
                                    split_task_ids, verify_identity)
from toolkit.forms.layout import LINE_HEIGHT, MAX_ROW_HEIGHT, due_text, row_height, title_height
from toolkit.forms.package import write_unit_workbook
from toolkit.forms.plan import IndicatorRow, TaskRow, UnitForm, plan_forms

__all__ = ["FORM_SCHEMA", "TASK_SHEET", "INDICATOR_SHEET", "LIST_SHEET", "META_SHEET", "STATES_NAME", "TASK_HEADERS",
           "TASK_INPUT_HEADERS", "TASK_REQUIRED_HEADERS", "TASK_TITLE_ROW", "TASK_UNIT_ROW", "TASK_HEADER_ROW",
           "TASK_FIRST_ROW", "FOOTER_LABEL_COLUMN", "FOOTER_VALUE_COLUMN", "FOOTER_LABELS", "FOOTER_REQUIRED",
           "INDICATOR_HEADERS", "INDICATOR_INPUT_HEADERS", "INDICATOR_HEADER_ROW", "INDICATOR_FIRST_ROW",
           "IDENTITY_FIELDS", "SIGNATURE_KEY", "TASKS_SEPARATOR", "DEFINED_NAME_PREFIX", "CHUNK", "footer_rows",
           "split_task_ids", "canonical_identity", "sign_identity", "verify_identity", "office_key", "make_identity",
           "identity_chunks", "TaskRow", "IndicatorRow", "UnitForm", "plan_forms", "LINE_HEIGHT", "MAX_ROW_HEIGHT",
           "due_text", "row_height", "title_height", "write_unit_workbook", "IssueOutcome", "issue_forms"]
