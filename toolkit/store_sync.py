"""Whether the ledger and the history database were written together, and reconciling them when they were not.

The ledger's 说明 sheet records the database state it was written with. The database is the source of truth for
history: when it is ahead (a ledger restored from 备份/, or a run killed between the two writes), 报送情况 of the
newer periods is rebuilt from it; when it is behind (replaced, emptied, an older copy), commands refuse and say
what to do, because going on would silently drop history.
"""
from __future__ import annotations

import warnings
from typing import Callable

from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.models import Ledger
from toolkit.workspace import Workspace


def store_mismatch(ws: Workspace, ledger: Ledger) -> tuple[str, list[str]] | None:
    """None when in step (or nothing recorded, or no store); ("ahead", periods) or ("behind", []) otherwise."""
    from toolkit.store import parse_store_state, store_counts, store_rows_after

    recorded = parse_store_state(ledger.store_state)
    actual = store_counts(ws)
    if recorded is None or actual is None or actual == recorded:
        return None
    rows, last = recorded
    kept, newer_periods = store_rows_after(ws, last)
    if kept == rows and newer_periods:
        return "ahead", newer_periods
    return "behind", []


def reconcile_with_store(ws: Workspace, ledger: Ledger, rows_of: Callable[[list[str]], list]) -> None:
    """Called by load_ledger: rebuild 报送情况 from a store that is ahead; refuse when it is behind.
    `rows_of(periods)`: every history row of those periods, from the store."""
    mismatch = store_mismatch(ws, ledger)
    if mismatch is None:
        return
    kind, periods = mismatch
    if kind == "behind":
        raise ToolkitError(store_behind_message(ws, ledger))
    rebuilt = rebuild_submissions(ws, ledger, periods, rows_of)
    warnings.warn(f"台账比进展记录数据库旧（台账可能是从 outputs/备份/ 取回的，或上次写入在中途被中断）。"
                  f"历史以数据库为准，已按数据库补齐 {'、'.join(rebuilt) or '、'.join(periods)} 的报送情况；"
                  "下次写入台账时一并保存。", ToolkitWarning, stacklevel=3)


def store_behind_message(ws: Workspace, ledger: Ledger) -> str:
    from toolkit.store import store_counts, store_path

    rows = (store_counts(ws) or (0, 0))[0]
    return (f"台账写入时进展记录数据库{ledger.store_state}，现在的 {store_path(ws)} 只有 {rows} 行"
            "（数据库被替换、清空，或取回了较旧的一份）。为免丢失历史，命令没有运行。请把与台账同时的数据库放回 "
            "outputs/（outputs/备份/ 中有 进展记录_*.sqlite），或运行 toolkit check：它会按台账“进展记录”表补回近期记录。")


def rebuild_submissions(ws: Workspace, ledger: Ledger, periods: list[str],
                        rows_of: Callable[[list[str]], list]) -> list[str]:
    """报送情况 for `periods` from the history rows of those periods, read whole from the store (a windowed load
    may hold only some of an older period's rows); units with tasks are expected. Returns the periods rebuilt."""
    import copy

    from toolkit.collect.merging import update_submissions
    from toolkit.directory import load_directory, unit_tasks

    expected = list(unit_tasks(ledger, load_directory(ws), known_only=True))
    scratch = copy.copy(ledger)          # the same ledger, only its progress is the rows of `periods`
    scratch.progress = rows_of(periods)
    rebuilt = []
    for period_id in periods:
        reported = {r.unit for r in scratch.progress if r.period == period_id}
        listed = {s.unit for s in ledger.submissions if s.period == period_id and s.reported}
        if reported - listed:
            scratch.submissions = ledger.submissions
            update_submissions(scratch, period_id, expected, [])
            ledger.submissions = scratch.submissions
            rebuilt.append(period_id)
    return rebuilt
