"""The per-unit fill-in workbooks (`toolkit issue`, DESIGN §7).

contract (sheet names, header rows, footer and the signed identity that collect reads; the layout in its docstring)
→ plan (each unit's rows) and layout (what both writers share: widths, heights, values, styles, rules) → percell
(xlsxwriter, cell by cell: the reference) → package (the package XML written directly: `write_unit_workbook`) →
command (`issue_forms`, 下发清单, 下发通知).

The contract is loaded with the package; the writers only when one of their names is first used, so that collect,
which reads a few sheet names and checks identities, does not load them.
"""
from __future__ import annotations

import importlib

from toolkit.forms.contract import (DEFINED_NAME_PREFIX, FOOTER_LABELS, FOOTER_REQUIRED, IDENTITY_FIELDS,
                                    INDICATOR_FIRST_ROW, INDICATOR_HEADER_ROW, INDICATOR_HEADERS, INDICATOR_SHEET,
                                    LIST_SHEET, META_SHEET, SIGNATURE_KEY, STATES_NAME, TASK_FIRST_ROW,
                                    TASK_HEADER_ROW, TASK_HEADERS, TASK_SHEET, canonical_identity, footer_rows,
                                    make_identity, office_key, sign_identity, split_task_ids, verify_identity)

_LAZY = {"TaskRow": "plan", "IndicatorRow": "plan", "plan_forms": "plan",
         "LINE_HEIGHT": "layout", "MAX_ROW_HEIGHT": "layout", "row_height": "layout", "due_text": "layout",
         "write_unit_workbook": "package", "issue_forms": "command"}

__all__ = ["DEFINED_NAME_PREFIX", "FOOTER_LABELS", "FOOTER_REQUIRED", "IDENTITY_FIELDS", "INDICATOR_FIRST_ROW",
           "INDICATOR_HEADER_ROW", "INDICATOR_HEADERS", "INDICATOR_SHEET", "LIST_SHEET", "META_SHEET", "SIGNATURE_KEY",
           "STATES_NAME", "TASK_FIRST_ROW", "TASK_HEADER_ROW", "TASK_HEADERS", "TASK_SHEET", "canonical_identity",
           "footer_rows", "make_identity", "office_key", "sign_identity", "split_task_ids", "verify_identity", *_LAZY]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
