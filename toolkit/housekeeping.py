"""Housekeeping of outputs/: temporary files left by a killed run, and pruning 备份/ to the last N plus one a month."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from toolkit.workspace import Workspace

# .台账.<pid>.tmp.xlsx, .汇总.xlsx.<pid>.tmp, .汇总.xlsx.<pid>.splice (older versions), .<sha12>.<pid>.tmp (归档),
# .<kind>.<pid>.tmp.docx
_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.(?:tmp|tmp\.\w+|splice)$")
_STAGING_NAME = re.compile(r"^\.解压\.(\d+)\.")     # packages unpacked by collect
_BACKUP_NAME = re.compile(r"^台账_(\d{4})(\d{2})(\d{2})-\d{6}-\d+\.xlsx$")


def stale_temp_files(ws: Workspace) -> list[Path]:
    """Temporary files under outputs/ whose writing process is gone."""
    if not ws.outputs.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(ws.outputs):
        for name in files + dirs:
            match = (_TEMP_NAME if name in files else _STAGING_NAME).match(name)
            if match and not process_alive(int(match.group(1))):
                found.append(Path(folder) / name)
        dirs[:] = [d for d in dirs if not _STAGING_NAME.match(d)]
    return sorted(found)


def remove_stale_temp_files(ws: Workspace) -> list[Path]:
    removed = []
    for path in stale_temp_files(ws):
        try:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed.append(path)
        except OSError:
            continue        # left for `toolkit check` to report
    return removed


def backups_to_prune(backups: list[Path], keep_last: int, monthly: bool) -> list[Path]:
    """Of the ledger copies 台账_YYYYMMDD-….xlsx: all but the newest `keep_last` and, with `monthly`, the newest
    copy of each month."""
    dated = sorted((p for p in backups if _BACKUP_NAME.match(p.name)), key=lambda p: p.name)
    keep = set(dated[-keep_last:]) if keep_last > 0 else set()
    if monthly:
        newest_of_month: dict[str, Path] = {}
        for path in dated:
            newest_of_month[path.name[3:9]] = path          # later names overwrite: the newest of the month
        keep |= set(newest_of_month.values())
    return [p for p in dated if p not in keep]


def prune_backups(ws: Workspace) -> list[Path]:
    """Apply the [backups] setting to outputs/备份/; returns the removed copies."""
    from toolkit.config import load_config

    if not ws.backups.is_dir():
        return []
    try:
        settings = load_config(ws).backups
    except Exception:  # noqa: BLE001 - a broken toolkit.toml never blocks a ledger write; nothing is pruned
        return []
    removed = []
    for path in backups_to_prune(list(ws.backups.iterdir()), settings.keep_last, settings.monthly):
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            continue
    return removed


def process_alive(pid: int) -> bool:
    if os.name == "nt":
        # os.kill() would terminate the process on Windows; ask the kernel whether it is still running.
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
