"""The history database file outputs/进展记录.sqlite: its path, its schema (and the upgrade of a database written by an
earlier version), storing and selecting rows, its row counts and the state text the ledger records, its integrity,
and what to tell the clerk when it cannot be read or written."""
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
        if schema_version(conn) >= HISTORY_VERSION:
            periods = periods_after(conn, last)
        else:
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


# ------------------------------------------------------------------------------------------ the schema (version 2)
#
# One row of `progress` per accepted report row. What many rows share is stored once and referred to by number:
# `reports` (period, unit, SHA-256 of the file: the key that makes a row unique together with its task),
# `sources` (how the file came: name, 填报人, 联系电话, 接收时间, 迟报) and `pairs` (unit, task). `end_day` (days
# since 1970-01-01 of the period's last day, NULL for an id that is not a period) orders the rows; the index on
# (pair_id, end_day) finds each (unit, task)'s latest row before a date in one look-up, however long the history.
# `progress_indicator` does the same for each (unit, task, indicator). The view `progress_rows` shows every row
# whole, as version 1 stored it.

HISTORY_VERSION = 2
FLAT_COLUMNS = ("period", "unit", "task_id", "role", "state", "progress", "text", "problems", "plan",
                "indicator_values", "filler", "phone", "received", "late", "file", "sha256")
_SCHEMA = (
    """CREATE TABLE reports (id INTEGER PRIMARY KEY, period TEXT NOT NULL, unit TEXT NOT NULL,
       sha256 TEXT NOT NULL, end_day INTEGER, UNIQUE (period, unit, sha256))""",
    """CREATE TABLE sources (id INTEGER PRIMARY KEY, file TEXT NOT NULL, filler TEXT NOT NULL, phone TEXT NOT NULL,
       received TEXT NOT NULL, late INTEGER NOT NULL, UNIQUE (file, filler, phone, received, late))""",
    "CREATE TABLE pairs (id INTEGER PRIMARY KEY, unit TEXT NOT NULL, task_id TEXT NOT NULL, UNIQUE (unit, task_id))",
    """CREATE TABLE progress (id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL REFERENCES reports (id),
       pair_id INTEGER NOT NULL REFERENCES pairs (id), source_id INTEGER NOT NULL REFERENCES sources (id),
       end_day INTEGER, role TEXT, state TEXT, progress REAL, text TEXT, problems TEXT, plan TEXT,
       indicator_values TEXT, UNIQUE (report_id, pair_id))""",
    "CREATE INDEX progress_pair_end ON progress (pair_id, end_day)",
    """CREATE TABLE indicator_keys (id INTEGER PRIMARY KEY, pair_id INTEGER NOT NULL REFERENCES pairs (id),
       indicator TEXT NOT NULL, UNIQUE (pair_id, indicator))""",
    """CREATE TABLE progress_indicator (key_id INTEGER NOT NULL REFERENCES indicator_keys (id), end_day INTEGER NOT NULL,
       progress_id INTEGER NOT NULL REFERENCES progress (id), PRIMARY KEY (key_id, end_day, progress_id)) WITHOUT ROWID""",
    """CREATE VIEW progress_rows AS SELECT p.id AS id, r.period AS period, r.unit AS unit, q.task_id AS task_id,
       p.role AS role, p.state AS state, p.progress AS progress, p.text AS text, p.problems AS problems,
       p.plan AS plan, p.indicator_values AS indicator_values, s.filler AS filler, s.phone AS phone,
       NULLIF(s.received, '') AS received, s.late AS late, s.file AS file, r.sha256 AS sha256,
       p.end_day AS end_day, p.pair_id AS pair_id, p.report_id AS report_id
       FROM progress p JOIN reports r ON r.id = p.report_id JOIN pairs q ON q.id = p.pair_id
       JOIN sources s ON s.id = p.source_id""",
    f"PRAGMA user_version = {HISTORY_VERSION}",
)
_TABLES = ("progress_indicator", "indicator_keys", "progress", "pairs", "sources", "reports")
_NARROW_COLUMNS = ("id", "report_id", "pair_id", "source_id", "role", "state", "progress", "text", "problems", "plan",
                   "indicator_values")
_NARROW = f"SELECT {', '.join(_NARROW_COLUMNS)} FROM progress"


def create_schema(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA:
        conn.execute(statement)


def schema_version(conn: sqlite3.Connection) -> int:
    """0: no history table; 1: the one wide `progress` table of earlier versions; 2: this schema."""
    if not has_schema(conn):
        return 0
    return max(1, conn.execute("PRAGMA user_version").fetchone()[0])


def day_number(day) -> int:
    """Days since 1970-01-01 of a date (what `end_day` holds)."""
    return day.toordinal() - 719163


def select_rows(conn: sqlite3.Connection, since_day: int | None, periods: list[str] | None = None) -> list[tuple]:
    """(id, *FLAT_COLUMNS) of every row, or of the window from `since_day` (see ledger.load_ledger), or of the
    given `periods`, by id.

    The rows are read narrow and completed from the small tables in memory: each period, unit, file name … is
    then one string shared by all its rows."""
    if periods is not None:
        rows = conn.execute(f"{_NARROW} WHERE report_id IN (SELECT id FROM reports WHERE period IN "
                            f"({', '.join('?' * len(periods))})) ORDER BY id", periods).fetchall()
    elif since_day is None:
        rows = conn.execute(f"{_NARROW} ORDER BY id").fetchall()
    else:
        recent = conn.execute(f"{_NARROW} WHERE report_id IN (SELECT id FROM reports WHERE end_day >= ?1 "
                              "OR end_day IS NULL)", (since_day,)).fetchall()
        earlier = conn.execute(f"""
            WITH ends (pair_id, end_day) AS (
                SELECT id, (SELECT MAX(end_day) FROM progress WHERE pair_id = pairs.id AND end_day < ?1) FROM pairs
                UNION
                SELECT pair_id, (SELECT MAX(end_day) FROM progress_indicator
                                 WHERE key_id = indicator_keys.id AND end_day < ?1) FROM indicator_keys)
            SELECT {', '.join('p.' + c for c in _NARROW_COLUMNS)} FROM ends
            JOIN progress p ON p.pair_id = ends.pair_id AND p.end_day = ends.end_day""", (since_day,)).fetchall()
        rows = sorted(recent + earlier)
    reports = {row_id: rest for row_id, *rest in conn.execute("SELECT id, period, unit, sha256 FROM reports")}
    tasks = dict(conn.execute("SELECT id, task_id FROM pairs"))
    sources = {row_id: (filler, phone, received or None, late, file) for row_id, file, filler, phone, received, late
               in conn.execute("SELECT id, file, filler, phone, received, late FROM sources")}
    words: dict[str, str] = {}      # states, and texts a unit sends again week after week, kept once
    share = words.setdefault
    return [(row_id, reports[report][0], reports[report][1], tasks[pair], role and share(role, role),
             state and share(state, state), progress, text and share(text, text), problems and share(problems, problems),
             plan and share(plan, plan), values, *sources[source], reports[report][2])
            for row_id, report, pair, source, role, state, progress, text, problems, plan, values in rows]


def insert_rows(conn: sqlite3.Connection, rows: list[tuple]) -> int:
    """INSERT OR IGNORE rows (*FLAT_COLUMNS, end_day, indicator ids) in list order; the number added.

    `received` is text or None, `late` 0/1, `indicator_values` the JSON text ("" for none)."""
    if not rows:
        return 0
    reports = _ids(conn, "reports", ("period", "unit", "sha256"), {(r[0], r[1], r[15]): (r[16],) for r in rows},
                   ("end_day",))
    sources = _ids(conn, "sources", ("file", "filler", "phone", "received", "late"),
                   {(r[14], r[10], r[11], r[12] or "", r[13]): () for r in rows})
    pairs = _ids(conn, "pairs", ("unit", "task_id"), {(r[1], r[2]): () for r in rows})
    last_before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM progress").fetchone()[0]
    changes_before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO progress (report_id, pair_id, source_id, end_day, role, state, progress, text, "
        "problems, plan, indicator_values) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((reports[r[0], r[1], r[15]], pairs[r[1], r[2]], sources[r[14], r[10], r[11], r[12] or "", r[13]], r[16],
          *r[3:10]) for r in rows))
    added = conn.total_changes - changes_before
    if added and any(r[17] for r in rows):
        new_ids = {(report, pair): row_id for row_id, report, pair in conn.execute(
            "SELECT id, report_id, pair_id FROM progress WHERE id > ?", (last_before,))}
        _index_indicators(conn, [(new_ids.pop((reports[r[0], r[1], r[15]], pairs[r[1], r[2]]), None),
                                  pairs[r[1], r[2]], r[16], r[17]) for r in rows if r[17]])
    return added


def _ids(conn: sqlite3.Connection, table: str, key_columns: tuple[str, ...], wanted: dict[tuple, tuple],
         extra_columns: tuple[str, ...] = ()) -> dict[tuple, int]:
    """key → id in a lookup table, the missing keys inserted (in the order given)."""
    columns = key_columns + extra_columns
    conn.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     (key + extra for key, extra in wanted.items()))
    if len(wanted) > 1000 and len(key_columns) == 2:     # pairs: the whole (bounded) table at once
        return {(a, b): row_id for a, b, row_id in conn.execute(f"SELECT {', '.join(key_columns)}, id FROM {table}")}
    where = " AND ".join(f"{c} = ?" for c in key_columns)
    return {key: conn.execute(f"SELECT id FROM {table} WHERE {where}", key).fetchone()[0] for key in wanted}


def _index_indicators(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """progress_indicator for (progress id or None, pair id, end_day, indicator ids) of rows just stored."""
    rows = [r for r in rows if r[0] is not None and r[2] is not None]
    keys = _ids(conn, "indicator_keys", ("pair_id", "indicator"),
                {(pair, indicator): () for _, pair, _, indicators in rows for indicator in indicators})
    conn.executemany("INSERT OR IGNORE INTO progress_indicator (key_id, end_day, progress_id) VALUES (?, ?, ?)",
                     ((keys[pair, indicator], end, row_id) for row_id, pair, end, indicators in rows
                      for indicator in indicators))


def periods_after(conn: sqlite3.Connection, last: int) -> list[str]:
    return [p for (p,) in conn.execute("SELECT DISTINCT r.period FROM progress p JOIN reports r ON r.id = "
                                       "p.report_id WHERE p.id > ? ORDER BY r.period", (last,))]


def marks_of(conn: sqlite3.Connection) -> dict[str, int]:
    """The last id of every table with ids: what take_back returns to."""
    return {t: conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] for t in _TABLES[1:]}


def take_back(conn: sqlite3.Connection, marks: dict[str, int] | None) -> None:
    """Remove what a save committed (the ledger could not be replaced): every table back to `marks`, or, when the
    save created the tables (`marks` None), the tables themselves."""
    conn.execute("BEGIN IMMEDIATE")
    if marks is None:
        conn.execute("DROP VIEW progress_rows")
        for table in _TABLES:
            conn.execute(f"DROP TABLE {table}")
        conn.execute("PRAGMA user_version = 0")
    else:
        conn.execute("DELETE FROM progress_indicator WHERE progress_id > ?", (marks["progress"],))
        for table, last in marks.items():
            conn.execute(f"DELETE FROM {table} WHERE id > ?", (last,))
    conn.execute("COMMIT")


# ------------------------------------------------------------------------------------------ from version 1

def upgrade_store(ws: Workspace) -> Path | None:
    """A history database written by an earlier version (schema 1) is backed up to outputs/备份/ and rewritten in
    this schema, every row kept with its id (the ledger's recorded state stays true). Returns the backup, or None
    when there was nothing to do."""
    path = store_path(ws)
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            if schema_version(conn) != 1:
                return None
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            if schema_version(conn) != 1:       # another command upgraded it meanwhile
                conn.execute("ROLLBACK")
                return None
            backup = _backup_store(ws, path)    # no other writer while we hold the lock: a consistent copy
            try:
                _migrate_from_1(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            with contextlib.suppress(sqlite3.Error):
                conn.execute("VACUUM")          # give the space of the wide rows back (it may wait for a next time)
    except sqlite3.Error as exc:
        raise store_error(path, exc) from exc
    return backup


def _backup_store(ws: Workspace, path: Path) -> Path:
    import shutil
    from datetime import datetime

    ws.backups.mkdir(parents=True, exist_ok=True)
    target = ws.backups / f"进展记录_升级前_{datetime.now():%Y%m%d-%H%M%S-%f}.sqlite"
    shutil.copy2(path, target)
    return target


def _migrate_from_1(conn: sqlite3.Connection) -> None:
    """Schema 1 (one wide table `progress`, `progress_indicator` beside it) → schema 2, inside the caller's
    transaction. Ids of `progress` are kept; indicator look-ups are rebuilt from each row's values."""
    import json

    for index in ("progress_pair_end", "progress_end", "progress_indicator_pair"):
        conn.execute(f"DROP INDEX IF EXISTS {index}")
    conn.execute("ALTER TABLE progress RENAME TO progress_v1")
    conn.execute("DROP TABLE IF EXISTS progress_indicator")     # derived from the rows: rebuilt below
    create_schema(conn)
    end_day = "CAST(julianday(period_end) - 2440587.5 AS INTEGER)"
    conn.execute(f"INSERT INTO reports (period, unit, sha256, end_day) SELECT period, unit, sha256, {end_day} "
                 "FROM progress_v1 GROUP BY period, unit, sha256 ORDER BY MIN(id)")
    source = ("COALESCE(file, '')", "COALESCE(filler, '')", "COALESCE(phone, '')", "COALESCE(received, '')",
              "COALESCE(late, 0)")
    conn.execute(f"INSERT INTO sources (file, filler, phone, received, late) SELECT {', '.join(source)} "
                 f"FROM progress_v1 GROUP BY {', '.join(source)} ORDER BY MIN(id)")
    conn.execute("INSERT INTO pairs (unit, task_id) SELECT unit, task_id FROM progress_v1 GROUP BY unit, task_id "
                 "ORDER BY MIN(id)")
    conn.execute("""INSERT INTO progress (id, report_id, pair_id, source_id, end_day, role, state, progress, text,
                     problems, plan, indicator_values)
        SELECT o.id, r.id, q.id, s.id, r.end_day, o.role, o.state, o.progress, o.text, o.problems, o.plan,
               o.indicator_values
        FROM progress_v1 o JOIN reports r ON r.period = o.period AND r.unit = o.unit AND r.sha256 = o.sha256
        JOIN pairs q ON q.unit = o.unit AND q.task_id = o.task_id
        JOIN sources s ON s.file = COALESCE(o.file, '') AND s.filler = COALESCE(o.filler, '')
                      AND s.phone = COALESCE(o.phone, '') AND s.received = COALESCE(o.received, '')
                      AND s.late = COALESCE(o.late, 0)
        ORDER BY o.id""")
    moved, before = (conn.execute("SELECT COUNT(*) FROM progress").fetchone()[0],
                     conn.execute("SELECT COUNT(*) FROM progress_v1").fetchone()[0])
    if moved != before:
        raise sqlite3.DatabaseError(f"upgrade kept {moved} of {before} rows")
    rows = conn.execute("SELECT id, pair_id, end_day, indicator_values FROM progress "
                        "WHERE indicator_values != '' AND end_day IS NOT NULL").fetchall()
    _index_indicators(conn, [(row_id, pair, end, tuple(json.loads(values))) for row_id, pair, end, values in rows])
    conn.execute("DROP TABLE progress_v1")
