"""The per-unit fill-in workbooks (`toolkit issue`, DESIGN §7).

contract (sheet names, header rows, footer and the signed identity that collect reads; the layout in its docstring)
→ plan (each unit's rows) and layout (what both writers share: widths, heights, values, styles, rules) → percell
(xlsxwriter, cell by cell: the reference) → package (the package XML written directly: `write_unit_workbook`) →
command (`issue_forms`, 下发清单, 下发通知).
"""
from __future__ import annotations

import importlib

# name → the module that defines it: imported on first use, so that a command needing only the contract (collect
# reads a few sheet names) does not load the writers
_WHERE = {
    "FORM_SCHEMA": "contract", "TASK_SHEET": "contract", "INDICATOR_SHEET": "contract", "LIST_SHEET": "contract",
    "META_SHEET": "contract", "STATES_NAME": "contract", "TASK_HEADERS": "contract",
    "TASK_INPUT_HEADERS": "contract", "TASK_REQUIRED_HEADERS": "contract", "TASK_TITLE_ROW": "contract",
    "TASK_UNIT_ROW": "contract", "TASK_HEADER_ROW": "contract", "TASK_FIRST_ROW": "contract",
    "FOOTER_LABEL_COLUMN": "contract", "FOOTER_VALUE_COLUMN": "contract", "FOOTER_LABELS": "contract",
    "FOOTER_REQUIRED": "contract", "INDICATOR_HEADERS": "contract", "INDICATOR_INPUT_HEADERS": "contract",
    "INDICATOR_HEADER_ROW": "contract", "INDICATOR_FIRST_ROW": "contract", "IDENTITY_FIELDS": "contract",
    "SIGNATURE_KEY": "contract", "TASKS_SEPARATOR": "contract", "DEFINED_NAME_PREFIX": "contract",
    "CHUNK": "contract", "footer_rows": "contract", "split_task_ids": "contract", "canonical_identity": "contract",
    "sign_identity": "contract", "verify_identity": "contract", "office_key": "contract",
    "make_identity": "contract", "identity_chunks": "contract",
    "TaskRow": "plan", "IndicatorRow": "plan", "UnitForm": "plan", "plan_forms": "plan",
    "LINE_HEIGHT": "layout", "MAX_ROW_HEIGHT": "layout", "due_text": "layout", "row_height": "layout",
    "title_height": "layout",
    "write_unit_workbook": "package",
    "IssueOutcome": "command", "issue_forms": "command",
}
__all__ = list(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
