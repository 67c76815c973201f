"""What the unit forms promise their readers: sheet names, header rows, the footer and the signed identity.

Layout contract (schema "1") — the collection stage reads the workbooks by this layout:

* Sheet ``任务填报`` (visible, first). Excel row 1 is the title, row 2 holds ``填报单位`` in A2 with the unit
  name in B2 and ``报送截止`` in D2 with the due text in E2, row 3 is the header row with ``TASK_HEADERS`` in
  columns A..Q, and task rows start at row 4 (``TASK_FIRST_ROW``), one per task, 主办 rows first. Column A
  (序号) holds the task id as text. Inputs are columns H..L (本期状态, 完成进度（%）, 本期进展, 存在问题,
  下步计划) and M..Q (申请销号, 办结依据, 申请调整时限, 调整理由, 佐证材料 — toolkit/lifecycle.py; on a 协办 row
  only 佐证材料 is unlocked). After the last task row comes one empty row, then three rows whose column B holds the labels
  ``填报人``, ``联系电话``, ``单位负责人（审核）`` and whose column C holds the unit's answers (the inputs).
* Sheet ``指标填报`` (visible): row 1 title, row 2 headers ``INDICATOR_HEADERS`` in columns A..G, indicator
  rows from row 3 (``INDICATOR_FIRST_ROW``): A 指标编号 (IndicatorRecord.id "<task id>#<n>"), B 任务序号,
  C 指标原文, D 目标值 (number), E 单位, F 上期完成值 (number or empty), G 本期累计完成值 (the only input,
  pre-filled with the current value when the ledger has one). No rows when the unit leads no task with indicators.
* Sheet ``_lists`` (hidden): A1:A4 are the states a unit may choose (models.REPORTABLE_STATES), named
  ``TK_STATES``; the 本期状态 dropdown uses that name.
* Sheet ``_meta`` (very hidden; LibreOffice turns it into plain hidden): key in column A, value in column B,
  from row 1, every value a string. Keys: the identity fields ``schema``, ``unit``, ``period``, ``tasks``
  (task ids joined by ","), ``issued`` (ISO date-time, seconds), then ``signature`` (hex HMAC-SHA256), then
  layout hints ``task_sheet``, ``task_first_row``, ``task_count``, ``indicator_sheet``,
  ``indicator_first_row``, ``indicator_count``, ``filler_cell``, ``phone_cell``, ``head_cell`` (e.g. "C12").

How a reader finds each field: with python-calamine, read sheet ``_meta`` and turn its rows into a dict
(column A → column B); verify ``signature`` with ``verify_identity(office_key(ws), meta, meta["signature"])``
(only the IDENTITY_FIELDS are signed). Task rows: sheet ``任务填报``, rows ``task_first_row`` ..
``task_first_row + task_count - 1`` (1-based, as Excel shows them; calamine's to_python() index is row - 1),
columns by TASK_HEADERS (match header texts in row 3 rather than positions, to report a unit's edits).
Footer: the cells named by ``filler_cell`` / ``phone_cell`` / ``head_cell``, i.e. column C of the rows whose
column B reads 填报人 / 联系电话 / 单位负责人（审核）. Indicators: sheet ``指标填报`` from row ``indicator_first_row``,
``indicator_count`` rows, key column A, value column G. The same identity is also in the custom document
properties and the defined names ``TK_SCHEMA``, ``TK_UNIT``, ``TK_PERIOD``, ``TK_TASKS``, ``TK_ISSUED``,
``TK_SIGNATURE`` (defined names are string constants ="…"); a value longer than 250 characters is split into
``NAME``, ``NAME_2``, ``NAME_3`` … whose texts are concatenated. Those two copies are for openpyxl readers and
for a file whose ``_meta`` sheet was lost.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime
from typing import Sequence

from toolkit.errors import ToolkitError
from toolkit.lifecycle import APPROVER_SHOWN, FORM_HEADERS as LIFECYCLE_HEADERS
from toolkit.workspace import Workspace

FORM_SCHEMA = "1"

TASK_SHEET = "任务填报"
INDICATOR_SHEET = "指标填报"
LIST_SHEET = "_lists"
META_SHEET = "_meta"
STATES_NAME = "TK_STATES"

TASK_HEADERS = ("序号", "任务内容", "本单位角色", "牵头领导", "量化指标", "上期状态", "上期进展",
                "本期状态", "完成进度（%）", "本期进展", "存在问题", "下步计划", *LIFECYCLE_HEADERS)
TASK_INPUT_HEADERS = ("本期状态", "完成进度（%）", "本期进展", "存在问题", "下步计划", *LIFECYCLE_HEADERS)
TASK_REQUIRED_HEADERS = ("本期状态", "完成进度（%）", "本期进展")
TASK_TITLE_ROW = 1        # Excel row numbers (1-based) throughout the contract
TASK_UNIT_ROW = 2         # A2 "填报单位", B2 unit name; D2 "报送截止", E2 due text
TASK_HEADER_ROW = 3
TASK_FIRST_ROW = 4
FOOTER_LABEL_COLUMN = "B"
FOOTER_VALUE_COLUMN = "C"
FOOTER_LABELS = ("填报人", "联系电话", APPROVER_SHOWN)
FOOTER_REQUIRED = ("填报人", "联系电话")

INDICATOR_HEADERS = ("指标编号", "任务序号", "指标原文", "目标值", "单位", "上期完成值", "本期累计完成值")
INDICATOR_INPUT_HEADERS = ("本期累计完成值",)
INDICATOR_HEADER_ROW = 2
INDICATOR_FIRST_ROW = 3

IDENTITY_FIELDS = ("schema", "unit", "period", "tasks", "issued")
SIGNATURE_KEY = "signature"
TASKS_SEPARATOR = ","
DEFINED_NAME_PREFIX = "TK_"
CHUNK = 250               # Excel keeps at most 255 characters in a property value or a string constant


def footer_rows(task_count: int) -> dict[str, int]:
    """Excel row of 填报人 / 联系电话 / 单位负责人 for a workbook with `task_count` task rows."""
    first = TASK_FIRST_ROW + task_count + 1
    return {label: first + i for i, label in enumerate(FOOTER_LABELS)}


def split_task_ids(tasks: str) -> list[str]:
    return [t for t in tasks.split(TASKS_SEPARATOR) if t]


# ----------------------------------------------------------------------------------------------- identity

def canonical_identity(identity: dict[str, str]) -> bytes:
    """UTF-8 JSON array of [key, value] pairs in IDENTITY_FIELDS order; every value must be a string."""
    pairs = []
    for key in IDENTITY_FIELDS:
        value = identity.get(key)
        if not isinstance(value, str):
            raise ValueError(f"identity field {key!r} must be a string, got {value!r}")
        pairs.append([key, value])
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign_identity(key: bytes, identity: dict[str, str]) -> str:
    return hmac.new(key, canonical_identity(identity), hashlib.sha256).hexdigest()


def verify_identity(key: bytes, identity: dict[str, str], signature: str) -> bool:
    """True only if every identity field is a string and the signature matches."""
    if not isinstance(signature, str):
        return False
    try:
        expected = sign_identity(key, identity)
    except ValueError:
        return False
    return hmac.compare_digest(expected, signature.strip().lower())


def office_key(ws: Workspace) -> bytes:
    """The office's HMAC key, created on first use at outputs/.office_key (32 random bytes)."""
    path = ws.office_key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another command created it a moment ago
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32))
    key = path.read_bytes()
    if len(key) < 32:
        raise ToolkitError(
            f"签名密钥文件 {path} 已损坏（长度不足）。请从备份中恢复该文件；"
            f"若确实无法恢复，删除它后重新运行 toolkit issue，并重新下发所有填报表（旧表的签名将无法通过校验）。")
    return key


def make_identity(unit: str, period_id: str, task_ids: Sequence[str], issued: datetime) -> dict[str, str]:
    return {"schema": FORM_SCHEMA, "unit": unit, "period": period_id,
            "tasks": TASKS_SEPARATOR.join(task_ids), "issued": issued.replace(microsecond=0).isoformat()}


def identity_chunks(identity: dict[str, str], signature: str) -> list[tuple[str, str]]:
    """(name, text) for the defined names and custom properties: TK_UNIT, TK_TASKS, TK_TASKS_2 …"""
    items = [(key, identity[key]) for key in IDENTITY_FIELDS] + [(SIGNATURE_KEY, signature)]
    result = []
    for key, value in items:
        base = DEFINED_NAME_PREFIX + key.upper()
        parts = [value[i:i + CHUNK] for i in range(0, len(value), CHUNK)] or [""]
        for n, part in enumerate(parts, start=1):
            result.append((base if n == 1 else f"{base}_{n}", part))
    return result
