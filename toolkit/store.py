"""The history database file outputs/进展记录.sqlite: its path, whether it has its table, its row counts and the
state text the ledger records, its integrity, and what to tell the clerk when it cannot be read or written."""
from __future__ import annotations

import contextlib
import errno
import re
import sqlite3
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.workspace import Workspace

STORE_NAME = "进展记录.sqlite"


def store_path(ws: Workspace) -> Path:
    return ws.outputs / STORE_NAME


def has_schema(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'progress'").fetchone() is not None


def store_error(path: Path, exc: Exception) -> ToolkitError:
    """What to tell the clerk when the store could not be read or written: renaming it is advised only when
    `PRAGMA integrity_check` really fails; a full disk, a lock or a read-only folder get their own sentence."""
    text = str(exc).lower()
    if "full" in text:
        from toolkit.oserrors import clerk_error

        return clerk_error(OSError(errno.ENOSPC, "disk full"), path, unchanged="台账和进展记录数据库保持原样。")
    if "locked" in text or "busy" in text:
        return ToolkitError(f"进展记录数据库 {path} 正被其他程序使用（可能另一个 toolkit 命令或数据库工具打开了它）。"
                            "请关闭后重新运行；台账和数据库保持原样。")
    if "readonly" in text or "read-only" in text:
        return ToolkitError(f"进展记录数据库 {path} 是只读的，无法写入。请取消该文件或 outputs 文件夹的只读属性"
                            "（或把工作区复制到可写的位置）后重新运行；台账和数据库保持原样。")
    if store_is_damaged(path):
        return ToolkitError(f"进展记录数据库 {path} 已损坏（完整性检查未通过：{exc}）。请把它改名（例如加上“_损坏”）"
                            "后运行 toolkit check：工具会按台账“进展记录”表重建近期记录，再逐期运行 toolkit collect "
                            "即可从回收文件补回历史；outputs/备份/ 中如有 进展记录_*.sqlite 也可取回。")
    return ToolkitError(f"进展记录数据库 {path} 暂时无法读写（{exc}）。数据库本身完好，请勿删除或改名；"
                        "请确认磁盘可写、没有其他程序打开它后重新运行。")


def store_is_damaged(path: Path) -> bool:
    """True when `PRAGMA integrity_check` reports a problem or cannot even run on the file."""
    if not path.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    except sqlite3.DatabaseError as exc:
        return "locked" not in str(exc).lower()


def counts_of(conn: sqlite3.Connection) -> tuple[int, int]:
    return conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM progress").fetchone()


def store_state_text(rows: int, last: int) -> str:
    return f"共 {rows} 行（编号至 {last}）"


def parse_store_state(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"共 (\d+) 行（编号至 (\d+)）", text.strip())
    return (int(m[1]), int(m[2])) if m else None


def store_rows_after(ws: Workspace, last: int) -> tuple[int, list[str]]:
    """(rows with id ≤ last, periods of the rows after it) in the history store."""
    with contextlib.closing(sqlite3.connect(f"{store_path(ws).as_uri()}?mode=ro", uri=True)) as conn:
        kept = conn.execute("SELECT COUNT(*) FROM progress WHERE id <= ?", (last,)).fetchone()[0]
        periods = [p for (p,) in conn.execute("SELECT DISTINCT period FROM progress WHERE id > ? ORDER BY period",
                                               (last,))]
    return kept, periods


def store_counts(ws: Workspace) -> tuple[int, int] | None:
    """(rows, last id) of the history store; None without a store or its table."""
    path = store_path(ws)
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            return counts_of(conn) if has_schema(conn) else None
    except sqlite3.Error as exc:
        raise store_error(path, exc) from exc
