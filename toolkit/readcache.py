"""What reading a file gave, kept in the user's cache folder (toolkit.usercache) under the SHA-256 of the file's
bytes and of the toolkit's code: a command reading a ledger that no command has changed since (collect after issue,
circular after status) takes the result instead of parsing the workbook again (a tenth of a second at province
scale). The warnings the reading raised are raised again. An unreadable, damaged or read-only cache only means the
file is read again; deleting the folder loses nothing.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import warnings
from datetime import date
from pathlib import Path
from typing import Callable, TypeVar

from toolkit.usercache import cache_dir, read_entry, write_entry
from toolkit.workspace import file_sha256

T = TypeVar("T")
KEEP_ENTRIES = 4                   # older entries are removed beyond this many
FOLDER = "reads"


def read_through(path: Path, kind: str, read: Callable[[], T]) -> T:
    """read(), or what it gave for these bytes of `path` before."""
    entry = _entry(path, kind)
    kept = _load(entry)
    if kept is not None:
        value, caught = kept
    else:
        with warnings.catch_warnings(record=True) as recorded:
            warnings.simplefilter("always")
            value = read()
        caught = [(str(w.message), w.category) for w in recorded]
        _store(entry, (value, caught))
    for message, category in caught:
        warnings.warn(message, category, stacklevel=3)
    return value


def _entry(path: Path, kind: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        content = file_sha256(path)
    except OSError:
        return None
    key = f"{kind}|{_code()}|{date.today().year}|{content}"
    return folder / FOLDER / f"{hashlib.sha256(key.encode()).hexdigest()}.pickle"


@functools.lru_cache(maxsize=None)
def _code() -> str:
    """The Python version and every module of the toolkit as installed (size and time of change of each file): a
    changed reader never takes what an older one read."""
    package = Path(__file__).resolve().parent
    stamps = [sys.version]
    for source in sorted(package.rglob("*.py")):
        with contextlib.suppress(OSError):
            stat = source.stat()
            stamps.append(f"{source.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(stamps).encode("utf-8", "surrogatepass")).hexdigest()


def _load(entry: Path | None):
    data = read_entry(entry)
    if data is None:
        return None
    try:
        kept = pickle.loads(data)
    except (EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError, IndexError,
            KeyError):
        return None        # damaged: read again (and replaced)
    with contextlib.suppress(OSError):
        os.utime(entry)    # kept longest by the pruning when used
    return kept


def _store(entry: Path | None, kept: tuple) -> None:
    try:
        data = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    write_entry(entry, data, KEEP_ENTRIES)
