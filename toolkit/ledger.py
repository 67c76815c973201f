"""The master ledger outputs/台账.xlsx (DESIGN §4) and the progress history outputs/进展记录.sqlite.

台账.xlsx is read whole and written whole, atomically, with a backup. Editable by the clerk: 任务台账 任务内容
and 完成时限; every column of 责任分工; 量化指标 目标值 and 单位. Everything else is recomputed. 责任分工 is the
source of truth for a task's units.

Every accepted report row lives in the append-only SQLite store (table `progress`, one row per
(period, unit, task, SHA-256); its schema, and the upgrade of an older one, in toolkit/store.py), so that a year
of weekly reports at province scale neither slows the commands down nor overflows Excel's row limit. The ledger's 进展记录 sheet is a view of it: each (unit, task)'s latest
report plus every row of the latest period present. save_ledger() inserts into the store inside one transaction
and commits only once the new 台账.xlsx is in place; load_ledger(since=…) reads only the history a command needs.
A ledger without a store (written before the store existed, or a copy) has its sheet rows imported on first save.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import sqlite3
import warnings
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from toolkit import __version__
from toolkit.faults import checkpoint
from toolkit.errors import LedgerLockedError, ToolkitError, ToolkitWarning
from toolkit.models import (CO, LEAD, LEAD_RULE_SOURCE, SOURCE_CLERK, Assignment, CircularRecord, IndicatorRecord,
                            Ledger, NoticeInfo, ProgressRecord, SubmissionRecord, Target, Task, TaskStatus)
from toolkit.workspace import LEDGER_NAME as LEDGER_FILE_NAME, Workspace, file_sha256
from toolkit.housekeeping import process_alive
from toolkit.store import (STORE_NAME, counts_of, has_schema, insert_rows, store_error, store_path, store_state_text,
                           take_back)

SCHEMA_VERSION = "2"
VIEW_NOTE_KEY = "进展记录"
VIEW_NOTE = ("本表只列出每个单位每项任务的最近一次报送，以及最近一期的全部报送行；全部历史报送保存在 "
             "outputs/进展记录.sqlite（只追加，请勿删除或手工修改），每期完整报送见 outputs/<期次>/汇总.xlsx。")

TASK_SHEET = "任务台账"
TASK_HEADERS = ["序号", "类别", "任务内容", "牵头领导", "主办单位", "协办单位", "完成时限", "量化指标",
                "当前状态", "完成进度", "序时进度", "预警", "最新进展", "存在问题", "下步计划", "最近报送",
                "协办反馈", "核查提示", "原完成时限", "佐证材料", "销号", "子类别", "时限原文", "主办判定", "顺序",
                "原文校验码"]
# for the program only: last, hidden in an outline group (read back by header like every column)
TASK_INTERNAL_COLUMNS = ("主办判定", "顺序", "原文校验码")
# widths that fit the visible columns on one A3 landscape page width at 80 % or more (10 pt prints ≥ 8 pt)
TASK_WIDTHS = {"当前状态": 8, "完成进度": 6, "序时进度": 6, "预警": 6, "完成时限": 11, "最近报送": 10,
               "原完成时限": 10, "佐证材料": 5, "销号": 6}
TASK_WIDTH_CAPS = {"类别": 10, "任务内容": 40, "牵头领导": 8, "主办单位": 12, "协办单位": 12, "量化指标": 12,
                   "最新进展": 20, "存在问题": 14, "下步计划": 14, "协办反馈": 10, "核查提示": 8, "子类别": 8,
                   "时限原文": 8}
A3_PAPER = 8
# the columns whose whole text a row shows; in print, 协办反馈 (one line per co-unit, dozens for 各镇街) and the
# section titles of 类别 and 子类别 (the same for every task of a section) show as much as the row holds
TASK_FITTED_COLUMNS = tuple(h for h in TASK_HEADERS if h not in TASK_INTERNAL_COLUMNS + ("协办反馈", "类别", "子类别"))
# 预警 by conditional formatting: fill, font colour, and the mark shown before 红/黄 (the value stays 红/黄/绿)
WARNING_LOOKS = {"红": ("#C00000", "#FFFFFF", '"●"@'), "黄": ("#FFC000", "#000000", '"▲"@'),
                 "绿": ("#C6EFCE", "#006100", "@")}
STATUS_PERIOD_KEY = "任务状态期次"
ASSIGN_SHEET = "责任分工"
ASSIGN_HEADERS = ["任务序号", "任务摘要", "单位", "角色", "来源"]
INDICATOR_SHEET = "量化指标"
INDICATOR_HEADERS = ["指标编号", "任务序号", "原文", "目标值", "单位", "当前完成值", "完成率"]
TARGET_SHEET = "主要预期目标"
TARGET_HEADERS = ["指标", "目标值", "单位"]
PROGRESS_SHEET = "进展记录"
PROGRESS_HEADERS = ["期次", "单位", "任务序号", "角色", "本期状态", "完成进度", "本期进展", "存在问题", "下步计划",
                    "指标完成值", "填报人", "联系电话", "接收时间", "迟报", "文件名", "SHA-256"]
SUBMISSION_SHEET = "报送情况"
SUBMISSION_HEADERS = ["期次", "单位", "应报", "是否报送", "报送时间", "迟报", "问题数", "文件"]
# issue 13: the office's review of applications (rules in toolkit/lifecycle.py; these sheets only store them)
CLOSURE_SHEET = "销号审核"
CLOSURE_HEADERS = ["任务序号", "任务摘要", "申请单位", "申请期别", "办结依据", "佐证材料", "佐证材料栏", "逾期销号", "审核意见",
                   "审核说明", "审核日期", "退回通知期别", "申请编号"]
ADJUST_SHEET = "调整审核"
ADJUST_HEADERS = ["任务序号", "任务摘要", "申请单位", "申请期别", "原完成时限", "申请完成时限", "调整理由", "逾期申请",
                  "审核意见", "批准完成时限", "审核说明", "审核日期", "申请编号"]
CIRCULAR_SHEET = "通报记录"
CIRCULAR_HEADERS = ["类型", "年度", "期数", "期次", "文件", "印发日期"]
INFO_HEADERS = ["项目", "内容"]
INFO_SHEET = "说明"
OVERVIEW_SHEET = "总览"

_SOURCE_TO_RULE = {v: k for k, v in LEAD_RULE_SOURCE.items()}
EXCEL_ROW = "__row__"     # the Excel row number a record was read from, for messages to the clerk
LEAD_ROLE_WORDS = ("主办", "牵头", "主责", "主办单位", "牵头单位")
CO_ROLE_WORDS = ("协办", "配合", "协同", "参与", "协办单位", "配合单位")


# ------------------------------------------------------------------------------------------ values

def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value).strip()


def as_float(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", "").replace("%", "").strip())
    except ValueError:
        return None


def as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = as_text(value)
    m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def as_datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = as_text(value)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def as_bool(value) -> bool:
    return as_text(value) in ("是", "1", "True", "TRUE", "true", "Y", "y")


def number(value: float | None):
    """A float that is a whole number is written as an int, so 200.0 shows as 200."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def number_text(value: float | None) -> str:
    """A number as a clerk writes it: 200, 12.5; empty for none."""
    return "" if value is None else str(number(value))


def split_names(text: str) -> list[str]:
    return [n for n in re.split(r"[、，,；;\n]+", text) if n.strip()]


def indicator_values_text(values: dict[str, float]) -> str:
    if not values:
        return ""
    return "；".join(f"{k}={number_text(v)}" for k, v in values.items())


def parse_indicator_values(text: str) -> dict[str, float]:
    result = {}
    for part in re.split(r"[；;]", text):
        if "=" in part:
            key, _, raw = part.partition("=")
            value = as_float(raw)
            if value is not None:
                result[key.strip()] = value
    return result


def task_summary(text: str, limit: int = 40) -> str:
    """First clause of a task, at most `limit` characters (for tables and circulars)."""
    first = re.split(r"[，。；：]", text, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


# ------------------------------------------------------------------------------------------ reading

def load_ledger(ws: Workspace, since: date | None = None, check_store: bool = True) -> Ledger:
    """The ledger, its progress history from the store (see _load_ledger); loaded with the cycle collector
    paused (toolkit.memory)."""
    from toolkit.memory import bulk_load

    with bulk_load():
        return _load_ledger(ws, since, check_store)


def _load_ledger(ws: Workspace, since: date | None, check_store: bool) -> Ledger:
    """The ledger, its progress history from the store.

    With `since`, history holds the rows whose period ends on or after `since` plus, for each (unit, task), its
    latest row before it (and the latest row before it carrying each indicator value) — all that evaluating a
    period from `since` on needs. Without, every row. Without a store, the sheet's 进展记录 rows.
    The workbook's sheets as read are kept in the user's cache (toolkit.readcache) for the next command that
    reads the same bytes.
    """
    from toolkit.readcache import read_through

    source = ledger_source(ws)
    history = load_history(ws, since)
    if history is not None:
        ledger, _ = read_through(source, "台账", lambda: _read_workbook(source, with_progress=False))
        ledger.progress = history
    else:    # no store yet: the sheet is the history, imported into the store on the next save
        ledger, is_view = _read_workbook(source, with_progress=True)
        if ledger.progress and is_view:
            warnings.warn(f"找不到进展记录数据库 {store_path(ws)}，台账“进展记录”表只含近期部分，已按该表继续；"
                          f"更早的报送历史请从原工作区复制 outputs/{STORE_NAME} 到本工作区的 outputs/ 下。",
                          ToolkitWarning, stacklevel=2)
    ledger.evidence = load_evidence(ws)
    _warn_reviews(ledger)
    if check_store:
        from toolkit.store_sync import reconcile_with_store

        reconcile_with_store(ws, ledger, lambda periods: load_history(ws, periods=periods) or [])
    return ledger


def _read_workbook(source: Path, with_progress: bool) -> tuple[Ledger, bool]:
    """The ledger as its sheets hold it (its history only `with_progress`: a ledger without a store), and whether
    its 进展记录 is the recent view (说明 says so) rather than every row."""
    from python_calamine import CalamineWorkbook

    try:
        with open(source, "rb") as handle:     # by content: a WPS .et is an .xls inside
            book = CalamineWorkbook.from_filelike(handle)
    except Exception as exc:  # noqa: BLE001
        raise ToolkitError(f"台账 {source} 无法读取（{exc}）。可从 outputs/备份/ 中取回上一版。") from exc
    for name in (TASK_SHEET, ASSIGN_SHEET, INDICATOR_SHEET, TARGET_SHEET, PROGRESS_SHEET, SUBMISSION_SHEET,
                 CIRCULAR_SHEET, INFO_SHEET):
        if name not in book.sheet_names:
            raise ToolkitError(f"台账缺少工作表“{name}”。请勿删除或改名台账的工作表；可从 outputs/备份/ 取回上一版。")
    sheets = {name: _records(book.get_sheet_by_name(name).to_python(), name)
              for name in (TASK_SHEET, ASSIGN_SHEET, INDICATOR_SHEET, TARGET_SHEET, SUBMISSION_SHEET,
                           CIRCULAR_SHEET, INFO_SHEET)}
    info = _read_info(sheets[INFO_SHEET])
    tasks, status = _read_tasks(sheets[TASK_SHEET], info.date.year if info.date else date.today().year)
    clerk_columns = read_clerk_columns(sheets[TASK_SHEET])
    assignments = _read_assignments(sheets[ASSIGN_SHEET])
    _units_from_assignments(tasks, assignments)
    ledger = Ledger(
        info=info, tasks=tasks, assignments=assignments,
        indicators=[_read_indicator(r) for r in sheets[INDICATOR_SHEET] if as_text(r.get("指标编号"))],
        targets=[Target(as_text(r["指标"]), as_float(r.get("目标值")) or 0.0, as_text(r.get("单位")))
                 for r in sheets[TARGET_SHEET] if as_text(r.get("指标"))],
        status=status,
        submissions=[_read_submission(r) for r in sheets[SUBMISSION_SHEET] if as_text(r.get("期次"))],
        circulars=[_read_circular(r) for r in sheets[CIRCULAR_SHEET] if as_text(r.get("类型"))],
        status_period=_info_value(sheets[INFO_SHEET], STATUS_PERIOD_KEY),
    )
    _attach_indicators(ledger)
    ledger.store_state = _info_value(sheets[INFO_SHEET], STORE_STATE_KEY)
    ledger.clerk_columns = clerk_columns
    read_score_sheets(book, ledger)
    _read_reviews(book, ledger)
    if with_progress:
        ledger.progress = [_read_progress(r) for r in _records(book.get_sheet_by_name(PROGRESS_SHEET).to_python(),
                                                               PROGRESS_SHEET) if as_text(r.get("期次"))]
    return ledger, _sheet_is_view(sheets[INFO_SHEET])


def _info_value(info_rows: list[dict], key: str) -> str:
    return next((as_text(r.get("内容")) for r in info_rows if as_text(r.get("项目")) == key), "")


OTHER_LEDGER_SUFFIXES = (".xls", ".et", ".ods")


def other_format_ledgers(ws: Workspace) -> list[Path]:
    """台账.xls / .et / .ods beside (or instead of) 台账.xlsx: what WPS or LibreOffice "save as" leaves."""
    return [p for p in (ws.ledger.with_suffix(s) for s in OTHER_LEDGER_SUFFIXES) if p.exists()]


def ledger_source(ws: Workspace) -> Path:
    """The file to read the ledger from: 台账.xlsx, or a newer 台账.xls/.et/.ods the clerk saved (said so)."""
    ws.require()
    others = sorted(other_format_ledgers(ws), key=lambda p: p.stat().st_mtime)
    if ws.ledger.exists():
        newer = [p for p in others if p.stat().st_mtime > ws.ledger.stat().st_mtime]
        for older in (p for p in others if p not in newer):
            warnings.warn(f"发现 {older.name}，但它比 {ws.ledger.name} 旧，已忽略；如其中有需要的修改，请在 "
                          f"{ws.ledger.name} 中重做，或删除 {ws.ledger.name} 后重新运行。", ToolkitWarning, stacklevel=3)
        if not newer:
            return ws.ledger
        others = newer
    elif not others:
        raise ToolkitError(_no_ledger_message(ws))
    chosen = others[-1]
    warnings.warn(f"台账被另存成了 {chosen.name}（WPS/LibreOffice 常这样保存），其中的修改已读取；下次写入台账时"
                  f"写回 {ws.ledger.name}，{chosen.name} 移到 outputs/备份/。今后请保存为 .xlsx 格式。",
                  ToolkitWarning, stacklevel=3)
    return chosen


def _no_ledger_message(ws: Workspace) -> str:
    copies = sorted(ws.backups.glob("台账_*.xlsx")) if ws.backups.is_dir() else []
    if copies or store_path(ws).exists():
        where = f"最近的备份是 {copies[-1]}，" if copies else ""
        return (f"找不到台账 {ws.ledger}，但工作区里还有历史记录（outputs/{STORE_NAME} 或 outputs/备份/）。"
                f"请不要重新运行 parse（那会另起一本新台账）；{where}请把最近的备份复制为 outputs/{LEDGER_FILE_NAME} "
                "后重新运行，然后运行 toolkit check 核对。")
    return f"找不到台账 {ws.ledger}。请先运行：toolkit parse <通知文件>"


def retire_other_format_ledgers(ws: Workspace) -> list[Path]:
    """After 台账.xlsx is written, a 台账.xls/.et/.ods it was read from moves to 备份/ so it is not read again."""
    moved = []
    for path in other_format_ledgers(ws):
        ws.backups.mkdir(parents=True, exist_ok=True)
        target = ws.backups / f"台账_另存_{datetime.now():%Y%m%d-%H%M%S-%f}{path.suffix}"
        os.replace(path, target)
        moved.append(target)
    return moved


def sheet_progress(ws: Workspace) -> list[ProgressRecord]:
    """The rows the ledger's 进展记录 sheet shows (a view of the store), read from the sheet itself."""
    from python_calamine import CalamineWorkbook

    with open(ledger_source(ws), "rb") as handle:
        book = CalamineWorkbook.from_filelike(handle)
    rows = _records(book.get_sheet_by_name(PROGRESS_SHEET).to_python(), PROGRESS_SHEET)
    return [_read_progress(r) for r in rows if as_text(r.get("期次"))]


def _records(rows: list[list], sheet: str) -> list[dict]:
    """Rows as dicts keyed by header text, so a clerk's reordered or added columns do not matter."""
    if not rows:
        return []
    header = [as_text(h) for h in rows[0]]
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if row.count("") + row.count(None) < len(row):        # not an empty row
            record = dict(zip(header, row))
            record[EXCEL_ROW] = number
            records.append(record)
    return records


def _sheet_is_view(info_rows: list[dict]) -> bool:
    return any(as_text(r.get("项目")) == VIEW_NOTE_KEY for r in info_rows)


def _read_info(rows: list[dict]) -> NoticeInfo:
    values = {as_text(r.get("项目")): r.get("内容") for r in rows}
    return NoticeInfo(title=as_text(values.get("通知标题")) or None, doc_no=as_text(values.get("文号")) or None,
                      date=as_date(values.get("成文日期")), file=as_text(values.get("通知文件")),
                      sha256=as_text(values.get("通知 SHA-256")))


def _read_tasks(rows: list[dict], year: int) -> tuple[list[Task], dict[str, TaskStatus]]:
    tasks, status = [], {}
    for i, r in enumerate(rows, start=1):
        task_id = as_text(r.get("序号"))
        if not task_id:
            continue
        seq = as_float(r.get("顺序"))
        deadline_text = as_text(r.get("时限原文")) or None
        tasks.append(Task(
            id=task_id, seq=int(seq) if seq else i, section=as_text(r.get("类别")),
            subsection=as_text(r.get("子类别")) or None, text=as_text(r.get("任务内容")),
            leaders=split_names(as_text(r.get("牵头领导"))),
            lead_rule=_SOURCE_TO_RULE.get(as_text(r.get("主办判定")), "position"),
            deadline=deadline_text, due=_clerk_due(r, year),
            source_digest=as_text(r.get("原文校验码")) or text_digest(as_text(r.get("任务内容"))),
        ))
        status[task_id] = TaskStatus(
            state=as_text(r.get("当前状态")) or "未报送", progress=as_float(r.get("完成进度")),
            schedule=as_float(r.get("序时进度")), warning=as_text(r.get("预警")),
            latest=as_text(r.get("最新进展")), problems=as_text(r.get("存在问题")), plan=as_text(r.get("下步计划")),
            last_period=as_text(r.get("最近报送")), co_feedback=as_text(r.get("协办反馈")),
            flags=[f for f in as_text(r.get("核查提示")).split("\n") if f],
        )
    tasks.sort(key=lambda t: t.seq)
    return tasks, status


def read_clerk_columns(rows: list[dict], known: tuple[str, ...] | list[str] = ()) -> dict[str, dict[str, object]]:
    """Columns the clerk added to 任务台账 (备注, 督查意见 …), by header → task id → value, in sheet order."""
    known_headers = set(known or TASK_HEADERS) | {EXCEL_ROW, ""}
    columns: dict[str, dict[str, object]] = {}
    for r in rows:
        task_id = as_text(r.get("序号"))
        for header, value in r.items():
            if header in known_headers:
                continue
            column = columns.setdefault(header, {})
            if task_id and value not in ("", None):
                column[task_id] = value
    return columns


def with_clerk_columns(headers: list[str], rows: list[list], ledger: Ledger) -> tuple[list[str], list[list]]:
    """The clerk's own columns written back after the known ones, matched by 序号 (wherever that column is)."""
    extra = [h for h in ledger.clerk_columns if h not in headers]
    if not extra:
        return headers, rows
    id_column = headers.index("序号")
    return ([*headers, *extra],
            [[*row, *(ledger.clerk_columns[h].get(as_text(row[id_column]), "") for h in extra)] for row in rows])


def _read_assignments(rows: list[dict]) -> list[Assignment]:
    result = []
    for r in rows:
        task_id, unit = as_text(r.get("任务序号")), as_text(r.get("单位"))
        if not task_id or not unit:
            continue
        role = _clerk_role(r)
        result.append(Assignment(task_id, unit, role, as_text(r.get("来源")) or SOURCE_CLERK))
    return result


def _clerk_due(r: dict, year: int) -> date | None:
    """完成时限 as the clerk typed it: a date cell, 2024-06-30, 2024/6/30, 6月30日, 6月底前 … (原完成时限 when a
    调整 was approved: 完成时限 then shows the approved date)."""
    value = r.get("原完成时限") if as_text(r.get("原完成时限")) else r.get("完成时限")
    due = as_date(value)
    if due is None and as_text(value):
        from toolkit.notice.indicators import find_deadline

        due = find_deadline(as_text(value), year)[1]
        if due is None:
            _warn_cell(r, TASK_SHEET, "完成时限", value, "无法识别为日期，已按年底计算序时进度；请写成 2024-06-30")
    return due


def _clerk_role(r: dict) -> str:
    text = as_text(r.get("角色")).replace(" ", "")
    if text in LEAD_ROLE_WORDS:
        return LEAD
    if text and text not in CO_ROLE_WORDS:
        _warn_cell(r, ASSIGN_SHEET, "角色", text, "应为“主办”或“协办”，已按“协办”处理")
    return CO


def _clerk_number(r: dict, sheet: str, column: str) -> float | None:
    """A number the clerk typed, also as 200个, １,２００ or 6.5%."""
    value = r.get(column)
    number = as_float(value)
    if number is None and as_text(value):
        import unicodedata

        found = re.search(r"\d+(?:\.\d+)?", unicodedata.normalize("NFKC", as_text(value)).replace(",", ""))
        number = float(found.group()) if found else None
        if number is None:
            _warn_cell(r, sheet, column, value, "不是数字，已按空白处理；请只填数字")
    return number


def _warn_cell(r: dict, sheet: str, column: str, value, what: str) -> None:
    warnings.warn(f"台账“{sheet}”表第{r.get(EXCEL_ROW, '?')}行“{column}”填的是“{as_text(value)}”，{what}。",
                  ToolkitWarning, stacklevel=3)


def _units_from_assignments(tasks: list[Task], assignments: list[Assignment]) -> None:
    by_task: dict[str, list[Assignment]] = {}
    for a in assignments:
        by_task.setdefault(a.task_id, []).append(a)
    for task in tasks:
        own = by_task.get(task.id, [])
        task.lead_units = [a.unit for a in own if a.role == LEAD]
        task.co_units = [a.unit for a in own if a.role == CO]


def _read_indicator(r: dict) -> IndicatorRecord:
    return IndicatorRecord(id=as_text(r.get("指标编号")), task_id=as_text(r.get("任务序号")),
                           phrase=as_text(r.get("原文")), target=_clerk_number(r, INDICATOR_SHEET, "目标值"),
                           unit=as_text(r.get("单位")), current=as_float(r.get("当前完成值")))


def _attach_indicators(ledger: Ledger) -> None:
    from toolkit.models import Indicator

    by_task: dict[str, list[Indicator]] = {}
    for rec in ledger.indicators:
        by_task.setdefault(rec.task_id, []).append(Indicator(rec.phrase, rec.target or 0.0, rec.unit))
    for task in ledger.tasks:
        task.indicators = by_task.get(task.id, [])


def _read_progress(r: dict) -> ProgressRecord:
    return ProgressRecord(
        period=as_text(r.get("期次")), unit=as_text(r.get("单位")), task_id=as_text(r.get("任务序号")),
        role=as_text(r.get("角色")), state=as_text(r.get("本期状态")), progress=as_float(r.get("完成进度")),
        text=as_text(r.get("本期进展")), problems=as_text(r.get("存在问题")), plan=as_text(r.get("下步计划")),
        indicator_values=parse_indicator_values(as_text(r.get("指标完成值"))), filler=as_text(r.get("填报人")),
        phone=as_text(r.get("联系电话")), received=as_datetime(r.get("接收时间")), late=as_bool(r.get("迟报")),
        file=as_text(r.get("文件名")), sha256=as_text(r.get("SHA-256")))


def _read_submission(r: dict) -> SubmissionRecord:
    return SubmissionRecord(
        period=as_text(r.get("期次")), unit=as_text(r.get("单位")), expected=as_bool(r.get("应报")),
        reported=as_bool(r.get("是否报送")), received=as_datetime(r.get("报送时间")), late=as_bool(r.get("迟报")),
        problems=int(as_float(r.get("问题数")) or 0), file=as_text(r.get("文件")))


def _read_circular(r: dict) -> CircularRecord:
    return CircularRecord(kind=as_text(r.get("类型")), year=int(as_float(r.get("年度")) or 0),
                          number=int(as_float(r.get("期数")) or 0), period=as_text(r.get("期次")),
                          file=as_text(r.get("文件")), issued=as_date(r.get("印发日期")))


def _read_reviews(book, ledger: Ledger) -> None:
    """销号审核 and 调整审核 as the clerk left them (a ledger written before issue 13 has neither)."""
    from toolkit.models import ClosureApplication, DeadlineRequest

    names = set(book.sheet_names)
    if CLOSURE_SHEET in names:
        ledger.closures = [ClosureApplication(
            as_text(r.get("任务序号")), as_text(r.get("申请单位")), as_text(r.get("申请期别")), as_text(r.get("办结依据")),
            as_text(r.get("佐证材料栏")), as_text(r.get("审核意见")).replace(" ", ""), as_text(r.get("审核说明")),
            as_date(r.get("审核日期")), as_text(r.get("退回通知期别")), r[EXCEL_ROW], as_text(r.get("申请编号")),
            as_bool(r.get("逾期销号")))
            for r in _records(book.get_sheet_by_name(CLOSURE_SHEET).to_python(), CLOSURE_SHEET)
            if as_text(r.get("任务序号")) or as_text(r.get("申请编号"))]
    if ADJUST_SHEET in names:
        ledger.adjustments = [DeadlineRequest(
            as_text(r.get("任务序号")), as_text(r.get("申请单位")), as_text(r.get("申请期别")), as_date(r.get("原完成时限")),
            as_date(r.get("申请完成时限")) or date.max, as_text(r.get("调整理由")), as_bool(r.get("逾期申请")),
            as_text(r.get("审核意见")).replace(" ", ""), as_date(r.get("批准完成时限")), as_text(r.get("审核说明")),
            as_date(r.get("审核日期")), r[EXCEL_ROW], as_text(r.get("申请编号")))
            for r in _records(book.get_sheet_by_name(ADJUST_SHEET).to_python(), ADJUST_SHEET)
            if as_text(r.get("任务序号")) or as_text(r.get("申请编号"))]


def _warn_reviews(ledger: Ledger) -> None:
    from toolkit.lifecycle import review_warnings

    for note in review_warnings(ledger):
        warnings.warn(note, ToolkitWarning, stacklevel=3)


def _write_reviews(book, fmt, ledger: Ledger) -> None:
    from toolkit import lifecycle, sheets

    lifecycle.normalise_decisions(ledger, date.today())
    closures = sheets.write_table(book, fmt, CLOSURE_SHEET, CLOSURE_HEADERS, lifecycle.closure_rows(ledger, task_summary),
                                  caps={"办结依据": 30, "佐证材料": 30, "佐证材料栏": 20, "审核说明": 24},
                                  hidden=("申请编号",))
    _decision_list(closures, CLOSURE_HEADERS.index("审核意见"), len(ledger.closures), lifecycle.CLOSURE_DECISIONS)
    requests = sheets.write_table(book, fmt, ADJUST_SHEET, ADJUST_HEADERS, lifecycle.adjustment_rows(ledger, task_summary),
                                  caps={"调整理由": 30, "审核说明": 24}, hidden=("申请编号",))
    _decision_list(requests, ADJUST_HEADERS.index("审核意见"), len(ledger.adjustments), lifecycle.ADJUST_DECISIONS)


def _decision_list(sheet, column: int, count: int, words: tuple[str, ...]) -> None:
    """A dropdown of the review words on 审核意见 (another word is let through and warned about by the next command)."""
    sheet.data_validation(1, column, max(count, 1) + 200, column, {
        "validate": "list", "source": list(words), "error_type": "information", "input_title": "审核意见",
        "input_message": f"请选择：{'、'.join(words)}。"})


# ------------------------------------------------------------------------------------------ the evidence table

_EVIDENCE_SCHEMA = """CREATE TABLE IF NOT EXISTS evidence (id INTEGER PRIMARY KEY, period TEXT NOT NULL,
    unit TEXT NOT NULL, task_id TEXT NOT NULL, name TEXT NOT NULL, archived TEXT, sha256 TEXT NOT NULL, size INTEGER,
    linked_by TEXT, flag TEXT, UNIQUE (period, unit, name, sha256))"""
_EVIDENCE_COLUMNS = ("period", "unit", "task_id", "name", "archived", "sha256", "size", "linked_by", "flag")


def load_evidence(ws: Workspace) -> list:
    """Every evidence file recorded in the history database (none for a database made before issue 13)."""
    from toolkit.models import EvidenceRecord

    path = store_path(ws)
    if not path.exists():
        return []
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'evidence'").fetchone() is None:
                return []
            rows = conn.execute(f"SELECT {', '.join(_EVIDENCE_COLUMNS)} FROM evidence ORDER BY id").fetchall()
    except sqlite3.Error as exc:
        raise store_error(path, exc) from exc
    return [EvidenceRecord(*row[:6], row[6] or 0, row[7] or "", row[8] or "") for row in rows]


def _insert_evidence(conn: sqlite3.Connection, records: list) -> None:
    """The evidence table is added to an older database on its first write (a schema migration that keeps it)."""
    conn.execute(_EVIDENCE_SCHEMA)
    conn.executemany(f"INSERT OR IGNORE INTO evidence ({', '.join(_EVIDENCE_COLUMNS)}) VALUES "
                     f"({', '.join('?' * len(_EVIDENCE_COLUMNS))})",
                     [tuple(getattr(r, c) for c in _EVIDENCE_COLUMNS) for r in records])


# ------------------------------------------------------------------------------------------ the history store

def history_start(period, config, extra_periods: int = 0) -> date:
    """The `since` for load_ledger when evaluating `period` (and `extra_periods` periods before it).

    progress.evaluate looks back missed_reports_red − 1 periods of the same kind for 未报送 twice in a row; one
    more period is kept as a margin. Earlier rows matter only as each (unit, task)'s latest, which load_ledger
    adds anyway.
    """
    earlier = period
    for _ in range(config.thresholds.missed_reports_red + extra_periods):
        earlier = earlier.previous(config)
    return earlier.start


def load_history(ws: Workspace, since: date | None = None, periods: list[str] | None = None
                 ) -> list[ProgressRecord] | None:
    """The store's rows in the order they were accepted (see load_ledger for `since`), or only those of `periods`;
    None when there is no store. Loaded with the cycle collector paused (toolkit.memory).

    A store written by an earlier version is upgraded first (store.upgrade_store: backed up, then rewritten)."""
    from toolkit.memory import bulk_load

    with bulk_load():
        return _load_history(ws, since, periods)


def _load_history(ws: Workspace, since: date | None, periods: list[str] | None) -> list[ProgressRecord] | None:
    from toolkit.store import day_number, schema_version, select_rows, upgrade_store

    path = store_path(ws)
    if not path.exists():
        return None
    upgrade_store(ws)
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            if not schema_version(conn):
                return None
            rows = select_rows(conn, None if since is None else day_number(since), periods)
    except sqlite3.Error as exc:
        raise store_error(path, exc) from exc
    stored_in = str(path.resolve())
    times: dict[str, datetime] = {}
    return [_record_from_row(row, stored_in, times) for row in rows]


def _record_from_row(row: tuple, stored_in: str = "", times: dict | None = None) -> ProgressRecord:
    """A store row as a record; `times` keeps each 接收时间 parsed once (a file's rows share it)."""
    (_, period, unit, task_id, role, state, progress, text, problems, plan, values, filler, phone, received,
     late, file, sha256) = row
    if received:
        when = times.get(received) if times is not None else None
        if when is None:
            when = datetime.fromisoformat(received)
            if times is not None:
                times[received] = when
    else:
        when = None
    return ProgressRecord(
        period, unit, task_id, role or "", state or "", progress, text or "", problems or "", plan or "",
        json.loads(values) if values else {}, filler or "", phone or "", when, bool(late), file or "", sha256 or "",
        stored_in)


def _period_end_text(period_id: str, cache: dict[str, str | None]) -> str | None:
    """ISO end date of a period id; None for an id that is not a period (kept in every windowed load)."""
    if period_id not in cache:
        from toolkit.periods import period_end_of

        try:
            cache[period_id] = period_end_of(period_id).isoformat()
        except (ToolkitError, ValueError):
            cache[period_id] = None
    return cache[period_id]


def _not_stored(records: list[ProgressRecord], store: Path) -> list[ProgressRecord]:
    """The records that were not read from `store`: those a save inserts."""
    stored_in = str(store.resolve())
    return [r for r in records if not (r._stored_in and r._stored_in == stored_in)]


def _history_rows(records: list[ProgressRecord]) -> list[tuple]:
    """The records as store.insert_rows takes them: FLAT_COLUMNS, end_day, indicator ids."""
    # a period's end day and a file's time of receipt are worked out once for all their rows
    end_days, times = functools.cache(_end_day), functools.cache(lambda moment: moment.isoformat(sep=" "))
    return [(r.period, r.unit, r.task_id, r.role, r.state, None if r.progress is None else float(r.progress), r.text,
             r.problems, r.plan, json.dumps(r.indicator_values, ensure_ascii=False) if r.indicator_values else "",
             r.filler, r.phone, times(r.received) if r.received else None, int(bool(r.late)), r.file, r.sha256,
             end_days(r.period), tuple(r.indicator_values))
            for r in records]


def _end_day(period_id: str) -> int | None:
    """store.day_number of a period's end; None for an id that is not a period."""
    from toolkit.store import day_number

    end = _period_end_text(period_id, {})
    return None if end is None else day_number(date.fromisoformat(end))


def progress_view(records: list[ProgressRecord]) -> list[ProgressRecord]:
    """The 进展记录 sheet: each (unit, task)'s latest report (by period end, then received) and every row of the
    latest period present, in the order they were accepted. Rows whose period id is not a period stay visible."""
    ends: dict[str, str | None] = {}
    latest: dict[tuple[str, str], tuple] = {}
    newest_end = ""
    for index, r in enumerate(records):
        end = _period_end_text(r.period, ends)
        if end is None:
            continue
        newest_end = max(newest_end, end)
        rank = (end, r.received or datetime.min, index)
        key = (r.unit, r.task_id)
        if key not in latest or rank > latest[key]:
            latest[key] = rank
    keep = {rank[2] for rank in latest.values()}
    return [r for index, r in enumerate(records)
            if index in keep or ends[r.period] is None or ends[r.period] == newest_end]


def retire_orphan_store(ws: Workspace) -> Path | None:
    """A store without its ledger (the clerk deleted 台账.xlsx to start again) moves to 备份/ before a new parse."""
    path = store_path(ws)
    if ws.ledger.exists() or other_format_ledgers(ws) or not path.exists():
        return None
    ws.backups.mkdir(parents=True, exist_ok=True)
    target = ws.backups / f"进展记录_{datetime.now():%Y%m%d-%H%M%S-%f}.sqlite"
    os.replace(path, target)
    return target


# ------------------------------------------------------------------------------------------ writing

def save_ledger(ws: Workspace, ledger: Ledger, meanwhile: Callable[[], None] | None = None,
                complete: Callable[[], None] | None = None) -> Path:
    """Add ledger.progress to the store and write the whole ledger, both or neither.

    The rows go into the store inside one transaction and the new ledger, recording the store state it goes with,
    is written to a temporary file; the transaction is committed, the previous ledger backed up and the new one put
    in place atomically. A failure before the commit rolls the store back; a failed replace takes the committed
    rows out again. Only a kill between the commit and the replace leaves the store one write ahead of the ledger,
    which every command reconciles from the store (the source of truth for history, see store_sync).
    `meanwhile` runs once the rows are inserted, while a child may be writing the ledger (toolkit.beside: the ledger
    records the store state the insert is to give, and is written again here if the state came out otherwise);
    what it raises undoes the save like any other failure. `complete` works out what only the ledger's sheets show
    (collect: the tasks' statuses), in whichever process writes it, just before.
    """
    refuse_if_open(ws)
    ws.outputs.mkdir(parents=True, exist_ok=True)
    from toolkit.store import create_schema, marks_of, upgrade_store

    path = store_path(ws)
    upgrade_store(ws)
    tmp = ws.outputs / f".台账.{os.getpid()}.tmp.xlsx"
    writer = None
    try:
        try:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            marks = marks_of(conn) if has_schema(conn) else None
            if marks is None:
                create_schema(conn)
            todo = _not_stored(ledger.progress, path)
            write = functools.partial(_write_ledger_file, ws, tmp, ledger, complete)
            if meanwhile or len(todo) >= BESIDE_ROWS:
                writer = _write_beside(write, ledger, conn, len(todo))
            insert_rows(conn, _history_rows(todo))
            _insert_evidence(conn, ledger.evidence)
            checkpoint("save:inserted")
            state = store_state_text(*counts_of(conn))
        except sqlite3.Error as exc:
            with contextlib.suppress(NameError, sqlite3.Error):
                conn.close()
            raise store_error(path, exc) from exc
        try:
            _write_and_commit(ws, ledger, write, conn, state, writer, meanwhile)
            try:
                _put_in_place(ws, tmp)
            except BaseException:
                take_back(conn, marks)
                raise
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
    finally:
        if writer is not None:
            writer.wait()          # a child still writing `tmp` finishes before it is removed
        tmp.unlink(missing_ok=True)
    checkpoint("save:replaced")
    _after_save(ws)
    return ws.ledger


BESIDE_ROWS = 2000    # history rows worth inserting while a child writes the ledger (a fork costs a few ms)


def _write_and_commit(ws: Workspace, ledger: Ledger, write: Callable[[], str], conn: sqlite3.Connection, state: str,
                      writer, meanwhile: Callable[[], None] | None) -> None:
    """The new ledger written (here, unless `writer` wrote it beside for this store state), then the commit."""
    if meanwhile is not None:
        meanwhile()
    if writer is None or not _written_beside(writer, state):
        ledger.store_state = state
        write()
    checkpoint("save:written")
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise store_error(store_path(ws), exc) from exc
    checkpoint("save:committed")


def _write_beside(write: Callable[[], str], ledger: Ledger, conn: sqlite3.Connection, adding: int):
    """Start writing the ledger in a child (toolkit.beside) while the store takes the rows: its 说明 records the
    state the store will have if every row is added (the state is checked once they are, see _written_beside)."""
    from toolkit import beside

    if not beside.can_fork():
        return None
    rows, last = counts_of(conn)
    ledger.store_state = store_state_text(rows + adding, last + adding)
    return beside.start(write)


def _written_beside(writer, state: str) -> bool:
    """Whether the child wrote the ledger with the store state as it turned out (rows already there are not added
    twice, and ids may skip: then the ledger is written again here). A child that died leaves the work here too."""
    return writer.result_or(None) == state


def _write_ledger_file(ws: Workspace, tmp: Path, ledger: Ledger, complete: Callable[[], None] | None) -> str:
    """The ledger, completed, written to `tmp` (inside _reusing_unchanged_tables); the store state it recorded."""
    if complete is not None:
        complete()
    with _reusing_unchanged_tables(ws):
        write_ledger(tmp, ledger)
    return ledger.store_state


TABLE_RECORD_NAME = ".ledger_tables.json"


def _reusing_unchanged_tables(ws: Workspace):
    """The large sheets that did not change since the ledger was last written are copied from it, not generated
    again (sheets.reusing_bodies): a circular adding one 通报记录 row does not render 进展记录 anew."""
    from toolkit import sheets

    return sheets.reusing_bodies(ws.ledger, ws.outputs / TABLE_RECORD_NAME)


def _after_save(ws: Workspace) -> None:
    from toolkit.housekeeping import prune_backups

    retire_other_format_ledgers(ws)
    prune_backups(ws)


def _put_in_place(ws: Workspace, tmp: Path) -> None:
    """Back up the previous ledger, then replace it with the written temporary file atomically."""
    backup = _backup(ws)
    checkpoint("save:backed-up")
    try:
        os.replace(tmp, ws.ledger)
    except PermissionError as exc:
        raise LedgerLockedError(
            f"无法写入 {ws.ledger}：文件可能正被 Excel/WPS 打开或为只读。请关闭台账后重新运行本命令；"
            f"台账未作任何改动{f'（上一版已备份到 {backup}）' if backup else ''}。") from exc


def save_small_tables(ws: Workspace, ledger: Ledger, sheets: list[str]) -> Path:
    """Save a ledger whose only changes since it was loaded are in the small `sheets` (PATCHABLE_SHEETS: a circular
    rendered, a 催报 logged, scores computed): those sheets and 说明 (its 写入时间) are rewritten inside a copy of
    the ledger, every other part copied as it is (toolkit.xlsxpatch), and the copy backed up and put in place like
    a full save. Falls back to save_ledger whenever that is not safe: the ledger is not byte for byte the one the
    toolkit last wrote (the clerk's edits are written in full with what follows from them), a sheet is not there
    yet or has other headers, the store is not in step …"""
    return _save_small_tables(ws, ledger, {name: PATCHABLE_SHEETS[name](ledger) for name in [*sheets, INFO_SHEET]})


def circular_rows(records: list[CircularRecord]) -> list[list]:
    """The rows of 通报记录."""
    return [[c.kind, c.year, c.number, c.period, c.file, c.issued] for c in records]


def reminder_rows(ledger: Ledger) -> list[list]:
    """The rows of 催报记录."""
    return [[r.when, r.period, r.step, "、".join(r.units), r.number, r.file] for r in ledger.reminders]


def _save_small_tables(ws: Workspace, ledger: Ledger, tables: dict[str, tuple[list[str], list[list]]]) -> Path:
    from toolkit import sheets
    from toolkit.store import parse_store_state, store_counts
    from toolkit.xlsxpatch import replace_tables

    refuse_if_open(ws)
    in_step = (parse_store_state(ledger.store_state) or (-1, -1)) == store_counts(ws)
    # (a 台账.xls/.et/.ods beside the ledger, newer or older, was already read or warned about by load_ledger)
    if not in_step or other_format_ledgers(ws):
        return save_ledger(ws, ledger)     # the store or another file has changes only a full save writes
    if not all(rows for _, rows in tables.values()):
        return save_ledger(ws, ledger)     # a full write leaves an empty 考核 out
    old_sha = file_sha256(ws.ledger)
    if old_sha != sheets.recorded_file_sha(ws.outputs / TABLE_RECORD_NAME):
        return save_ledger(ws, ledger)     # edited by the clerk (a 审核意见 …): what follows from it is written in full
    tmp = ws.outputs / f".台账.{os.getpid()}.tmp.xlsx"
    try:
        if not replace_tables(ws.ledger, tmp, tables, style_sheets=STYLE_SHEETS):
            return save_ledger(ws, ledger)
        checkpoint("save:written")
        _put_in_place(ws, tmp)
    finally:
        tmp.unlink(missing_ok=True)
    checkpoint("save:replaced")
    sheets.record_moved_to(ws.outputs / TABLE_RECORD_NAME, old_sha, ws.ledger)
    _after_save(ws)
    return ws.ledger


STORE_STATE_KEY = "进展记录数据库"


def refuse_if_open(ws: Workspace) -> None:
    """Refuse before writing anything while Excel, WPS or LibreOffice has the ledger open."""
    for lock in (ws.outputs / f"~${ws.ledger.name}", ws.outputs / f".~lock.{ws.ledger.name}#"):
        if lock.exists():
            raise LedgerLockedError(
                f"台账 {ws.ledger.name} 正被 Excel/WPS/LibreOffice 打开（发现锁文件 {lock.name}）。"
                f"请先关闭台账再运行；如已关闭仍提示，请删除该锁文件。")


def _backup(ws: Workspace) -> Path | None:
    if not ws.ledger.exists():
        return None
    ws.backups.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = ws.backups / f"台账_{stamp}.xlsx"
    shutil.copy2(ws.ledger, target)
    return target


@contextlib.contextmanager
def ledger_lock(ws: Workspace):
    """Only one command at a time may change a workspace's ledger."""
    ws.require().outputs.mkdir(parents=True, exist_ok=True)
    lock = ws.outputs / ".toolkit.lock"
    _acquire(lock)
    try:
        from toolkit.housekeeping import remove_stale_temp_files

        remove_stale_temp_files(ws)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _acquire(lock: Path) -> None:
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if _lock_is_stale(lock):
                lock.unlink(missing_ok=True)
                continue
            break
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return
    raise LedgerLockedError(f"另一个 toolkit 命令正在处理此工作区（锁文件 {lock}）。请等它结束后再运行；"
                            f"如确认没有命令在运行，可删除该锁文件。")


def lock_is_stale(lock: Path) -> bool:
    """The lock file's process is gone (a killed run)."""
    return _lock_is_stale(lock)


def _lock_is_stale(lock: Path) -> bool:
    try:
        pid = int(lock.read_text().strip() or "0")
    except (OSError, ValueError):
        return True
    if pid <= 0:
        return True
    return not process_alive(pid)


def ready_to_write() -> None:
    """Import what write_ledger needs (xlsxwriter, the table and overview writers) ahead of time: collect does it
    while a child judges the returns (toolkit.beside), and the child that writes the reports then has it too."""
    import xlsxwriter  # noqa: F401

    from toolkit import overview, sheets  # noqa: F401


def write_ledger(path: Path, ledger: Ledger) -> None:
    from toolkit import sheets

    book = sheets.new_workbook(path)
    fmt = sheets.formats(book)
    book.set_properties({"title": "督查任务台账", "subject": ledger.info.title or "", "comments":
                         f"由督查台账工具箱 {__version__} 生成"})
    _write_overview(book, fmt, ledger)
    _write_task_sheet(book, fmt, ledger)
    sheets.write_table(book, fmt, ASSIGN_SHEET, ASSIGN_HEADERS, _assignment_rows(ledger))
    sheets.write_table(book, fmt, INDICATOR_SHEET, INDICATOR_HEADERS, [
        [r.id, r.task_id, r.phrase, number(r.target), r.unit, number(r.current), r.rate]
        for r in ledger.indicators])
    sheets.write_table(book, fmt, TARGET_SHEET, TARGET_HEADERS,
                       [[t.name, number(t.value), t.unit] for t in ledger.targets])
    progress_sheet = sheets.write_table(book, fmt, PROGRESS_SHEET, PROGRESS_HEADERS, [
        [p.period, p.unit, p.task_id, p.role, p.state, number(p.progress), p.text, p.problems, p.plan,
         indicator_values_text(p.indicator_values), p.filler, p.phone, p.received, p.late, p.file, p.sha256]
        for p in progress_view(ledger.progress)], caps={"本期进展": 40, "存在问题": 30, "下步计划": 30, "SHA-256": 20})
    progress_sheet.write_comment(0, 0, VIEW_NOTE, {"x_scale": 3, "y_scale": 2})
    sheets.write_table(book, fmt, SUBMISSION_SHEET, SUBMISSION_HEADERS, [
        [s.period, s.unit, s.expected, s.reported, s.received, s.late, s.problems, s.file]
        for s in ledger.submissions])
    _write_reviews(book, fmt, ledger)
    sheets.write_table(book, fmt, CIRCULAR_SHEET, CIRCULAR_HEADERS, circular_rows(ledger.circulars))
    write_score_sheets(book, fmt, ledger)
    sheets.write_table(book, fmt, INFO_SHEET, INFO_HEADERS, _info_rows(ledger), widths={"内容": 80})
    book.close()


# ------------------------------------------------------------------------------------------ 考核 and 催报记录

SCORE_SHEET = "考核"
SCORE_LEADING = ["单位", "类别", "主办任务", "得分"]
SCORE_TRAILING = ["记录条数", "计至", "标记"]
REMINDER_SHEET = "催报记录"
REMINDER_HEADERS = ["时间", "期次", "步骤", "单位", "编号", "文件"]


def score_rows(ledger: Ledger) -> tuple[list[str], list[list]]:
    """考核: one row per unit, the points by rule between the total and the trailing columns."""
    rules = list(dict.fromkeys(rule for r in ledger.scores for rule in r.by_rule))
    headers = SCORE_LEADING + rules + SCORE_TRAILING
    rows = [[r.unit, r.category, r.tasks, r.total, *(r.by_rule.get(rule, 0) for rule in rules), r.events, r.until,
             "*" if r.marked else ""] for r in ledger.scores]
    return headers, rows


# small tables written with sheets.write_cell's formats: where a patch finds the style of each kind of value
STYLE_SHEETS = (INFO_SHEET, TARGET_SHEET, CIRCULAR_SHEET, REMINDER_SHEET, SCORE_SHEET, SUBMISSION_SHEET)
# sheet → (its headers, its rows) for save_small_tables
PATCHABLE_SHEETS = {
    CIRCULAR_SHEET: lambda ledger: (CIRCULAR_HEADERS, circular_rows(ledger.circulars)),
    REMINDER_SHEET: lambda ledger: (REMINDER_HEADERS, reminder_rows(ledger)),
    SCORE_SHEET: score_rows,
    INFO_SHEET: lambda ledger: (INFO_HEADERS, _info_rows(ledger)),
}


def write_score_sheets(book, fmt, ledger: Ledger) -> None:
    """考核 (toolkit score), once there are scores to show, and 催报记录 (toolkit status)."""
    from toolkit import sheets

    if ledger.scores:
        headers, rows = score_rows(ledger)
        sheets.write_table(book, fmt, SCORE_SHEET, headers, rows)
    # 催报记录 is there from the start (empty until the first 催报): `toolkit status` then patches it in place
    sheets.write_table(book, fmt, REMINDER_SHEET, REMINDER_HEADERS, reminder_rows(ledger), caps={"单位": 60})


def read_score_sheets(book, ledger: Ledger) -> None:
    """The optional 考核 and 催报记录 sheets (absent in a ledger that never had them)."""
    from toolkit.models import ReminderRecord, ScoreRecord

    if SCORE_SHEET in book.sheet_names:
        for r in _records(book.get_sheet_by_name(SCORE_SHEET).to_python(), SCORE_SHEET):
            if not as_text(r.get("单位")):
                continue
            rules = [h for h in r if h not in SCORE_LEADING + SCORE_TRAILING + [EXCEL_ROW]]
            ledger.scores.append(ScoreRecord(
                unit=as_text(r["单位"]), category=as_text(r.get("类别")), tasks=int(as_float(r.get("主办任务")) or 0),
                total=as_float(r.get("得分")) or 0.0, by_rule={h: as_float(r.get(h)) or 0.0 for h in rules},
                events=int(as_float(r.get("记录条数")) or 0), until=as_date(r.get("计至")),
                marked=as_text(r.get("标记")) == "*"))
    if REMINDER_SHEET in book.sheet_names:
        ledger.reminders = [
            ReminderRecord(when=as_datetime(r.get("时间")), period=as_text(r.get("期次")), step=as_text(r.get("步骤")),
                           units=split_names(as_text(r.get("单位"))), number=as_text(r.get("编号")),
                           file=as_text(r.get("文件")))
            for r in _records(book.get_sheet_by_name(REMINDER_SHEET).to_python(), REMINDER_SHEET)
            if as_text(r.get("期次"))]


def _write_task_sheet(book, fmt, ledger: Ledger) -> None:
    """任务台账: internal columns hidden, 预警 coloured and marked, rows as tall as their text, A3 landscape."""
    from toolkit import sheets

    headers, rows = _internal_last(*with_clerk_columns(TASK_HEADERS, _task_rows(ledger), ledger))
    original = headers.index("原完成时限")
    # 原完成时限 is shown once a 调整 is approved; 时限原文 then folds away so that the page still prints at 8 pt
    unused = ("原完成时限",) if all(row[original] in (None, "") for row in rows) else ("时限原文",)
    sheet = sheets.write_table(book, fmt, TASK_SHEET, headers, rows, widths=TASK_WIDTHS,
                               caps=TASK_WIDTH_CAPS, hidden=TASK_INTERNAL_COLUMNS + unused,
                               fit_rows=TASK_FITTED_COLUMNS)
    _mark_warnings(book, sheet, headers.index("预警"), len(ledger.tasks))
    sheet.set_paper(A3_PAPER)


def _internal_last(headers: list[str], rows: list[list]) -> tuple[list[str], list[list]]:
    """The clerk's own columns stay visible: the hidden internal columns move behind them."""
    order = [i for i, h in enumerate(headers) if h not in TASK_INTERNAL_COLUMNS] + \
            [i for i, h in enumerate(headers) if h in TASK_INTERNAL_COLUMNS]
    return [headers[i] for i in order], [[row[i] for i in order] for row in rows]


def _mark_warnings(book, sheet, column: int, count: int) -> None:
    """Fill 预警 红/黄/绿 by conditional formatting; 红 and 黄 also bold with ● / ▲, so grey print shows them."""
    for word, (fill, font, shown) in WARNING_LOOKS.items():
        look = book.add_format({"bg_color": fill, "font_color": font, "bold": word != "绿", "num_format": shown})
        sheet.conditional_format(1, column, max(count, 1), column, {"type": "cell", "criteria": "==",
                                                                      "value": f'"{word}"', "format": look})


def _task_rows(ledger: Ledger) -> list[list]:
    from toolkit.lifecycle import task_columns

    rows = []
    lifecycle_columns = task_columns(ledger)
    for t in ledger.tasks:
        s = ledger.status.get(t.id) or TaskStatus()
        life = lifecycle_columns[t.id]
        rows.append([
            t.id, t.section, t.text, "、".join(t.leaders), "、".join(t.lead_units), "、".join(t.co_units),
            life["完成时限"], "；".join(i.phrase for i in t.indicators), s.state, number(s.progress), number(s.schedule),
            s.warning, s.latest, s.problems, s.plan, s.last_period, s.co_feedback, "\n".join(s.flags),
            life["原完成时限"], life["佐证材料"], life["销号"], t.subsection or "", t.deadline or "", LEAD_RULE_SOURCE.get(t.lead_rule, ""), t.seq,
            t.source_digest or text_digest(t.text)])
    return rows


def _assignment_rows(ledger: Ledger) -> list[list]:
    summaries = {t.id: task_summary(t.text, 20) for t in ledger.tasks}
    return [[a.task_id, summaries.get(a.task_id, ""), a.unit, a.role, a.source] for a in ledger.assignments]


def _info_rows(ledger: Ledger) -> list[list]:
    info = ledger.info
    return [
        ["通知标题", info.title or ""], ["文号", info.doc_no or ""], ["成文日期", info.date],
        ["通知文件", info.file], ["通知 SHA-256", info.sha256], ["表结构版本", SCHEMA_VERSION],
        ["工具版本", __version__], ["写入时间", datetime.now().replace(microsecond=0)],
        ["可编辑内容", "任务台账：任务内容、完成时限；责任分工：全部（可增删行、改角色，新增行的来源请填“人工”）；"
                  "量化指标：目标值、单位；销号审核、调整审核：审核意见、审核说明、审核日期、批准完成时限。其余各列由工具计算，每次运行命令都会重写；“原文校验码”记录通知原文，用于重新解析通知时区分通知的修改和督查室的修改，请勿改动。"
                  "“主办判定”“顺序”“原文校验码”是程序用列，隐藏在任务台账最右侧，点击列标上方的“+”可展开。"],
        [STATUS_PERIOD_KEY, ledger.status_period],
        ["注意", "运行 toolkit 命令前请关闭本文件。每次写入前的旧版本保存在 outputs/备份/。"],
        [VIEW_NOTE_KEY, VIEW_NOTE],
        *([[STORE_STATE_KEY, ledger.store_state]] if ledger.store_state else []),
    ]


def _write_overview(book, fmt, ledger: Ledger) -> None:
    """The first sheet: counts by state, section, leader and unit, with native Excel charts."""
    from toolkit.overview import write_overview

    write_overview(book, fmt, ledger, OVERVIEW_SHEET)


# ------------------------------------------------------------------------------------------ parse → ledger

def text_digest(text: str) -> str:
    """A short fingerprint of a task's text, white space ignored."""
    import hashlib

    return hashlib.sha256(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()[:16]


def ledger_from_notice(notice, previous: Ledger | None = None) -> tuple[Ledger, list[str]]:
    """A new ledger from a parsed notice. With `previous`, keep the clerk's work for unchanged tasks."""
    for task in notice.tasks:
        task.source_digest = text_digest(task.text)
    assignments = [Assignment(t.id, unit, role, LEAD_RULE_SOURCE.get(t.lead_rule, SOURCE_CLERK))
                   for t in notice.tasks
                   for unit, role in [(u, LEAD) for u in t.lead_units] + [(u, CO) for u in t.co_units]]
    indicators = [IndicatorRecord(f"{t.id}#{n}", t.id, i.phrase, i.value, i.unit)
                  for t in notice.tasks for n, i in enumerate(t.indicators, start=1)]
    ledger = Ledger(info=notice.info, tasks=notice.tasks, assignments=assignments, indicators=indicators,
                    targets=notice.targets)
    notes: list[str] = []
    if previous is not None:
        notes = _carry_over(previous, ledger)
    _units_from_assignments(ledger.tasks, ledger.assignments)
    return ledger, notes


def _carry_over(old: Ledger, new: Ledger) -> list[str]:
    """Keep 任务内容, 责任分工, 完成时限, indicator edits and all history for tasks the notice did not change.

    "Did not change" compares the notice's texts (old fingerprint vs new), so a clerk's own edit of 任务内容
    is kept rather than mistaken for a new task text.
    """
    old_tasks = {t.id: t for t in old.tasks}
    old_assignments, new_assignments = _by_task(old.assignments), _by_task(new.assignments)
    kept, rebuilt = [], []
    assignments = []
    for task in new.tasks:
        before = old_tasks.get(task.id)
        if before is not None and before.source_digest == task.source_digest:
            kept.append(task.id)
            assignments += old_assignments.get(task.id, [])
            task.due = before.due or task.due
            task.text = before.text
        else:
            if before is not None:
                rebuilt.append(task.id)
            assignments += new_assignments.get(task.id, [])
    new.assignments = assignments
    old_indicators = {i.id: i for i in old.indicators}
    for ind in new.indicators:
        previous = old_indicators.get(ind.id)
        if ind.task_id in kept and previous is not None:
            ind.target, ind.unit, ind.current = previous.target, previous.unit, previous.current
    new.status = {k: v for k, v in old.status.items() if k in kept}
    new.progress, new.submissions, new.circulars = old.progress, old.submissions, old.circulars
    new.status_period = old.status_period
    new.clerk_columns = old.clerk_columns
    new.scores, new.reminders = old.scores, old.reminders
    new.closures, new.adjustments, new.evidence = old.closures, old.adjustments, old.evidence
    notes = [f"保留了 {len(kept)} 项文本未变任务的责任分工、完成时限和历史记录。"]
    if rebuilt:
        notes.append(f"以下任务在新通知中的文本有变化，任务内容和责任分工已按新通知重建，请核对：{'、'.join(rebuilt)}。")
    dropped = sorted(set(old_tasks) - {t.id for t in new.tasks})
    if dropped:
        notes.append(f"以下任务在新通知中已不存在，已从台账中移除（旧台账见 outputs/备份/）：{'、'.join(dropped)}。")
    return notes


def _by_task(assignments: list[Assignment]) -> dict[str, list[Assignment]]:
    grouped: dict[str, list[Assignment]] = {}
    for a in assignments:
        grouped.setdefault(a.task_id, []).append(a)
    return grouped
