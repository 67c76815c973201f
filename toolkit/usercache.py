"""The toolkit's folder in the user's cache: work that is the same on every run is kept there (the Chinese font
the chart uses, compiled circular templates, the ledgers last read). Deleting it only makes the next run a little
slower."""
from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

CACHE_ENV = "TOOLKIT_CACHE_DIR"     # tests and portable installs point the cache elsewhere


def cache_dir() -> Path | None:
    """$TOOLKIT_CACHE_DIR, else ducha-toolkit in $XDG_CACHE_HOME, %LOCALAPPDATA% or ~/.cache; None without a home."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "ducha-toolkit"
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "ducha-toolkit"
    home = home_folder()
    return home / ".cache" / "ducha-toolkit" if home is not None else None


def home_folder() -> Path | None:
    try:
        return Path.home()
    except (RuntimeError, KeyError):      # a service account without a home folder
        return None


def read_entry(entry: Path | None) -> bytes | None:
    """What an entry of the cache holds; None without a cache, without the entry or when it cannot be read."""
    if entry is None:
        return None
    try:
        return entry.read_bytes()
    except OSError:
        return None


def write_entry(entry: Path | None, data: bytes, keep: int) -> None:
    """Atomic (a half-written entry is never read); the entry's folder then keeps its `keep` newest entries. Any
    OS error leaves the cache as it was."""
    if entry is None:
        return
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.{threading.get_ident()}.tmp")   # the console's jobs are threads
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, entry)
        entries = sorted((p for p in entry.parent.iterdir() if not p.name.startswith(".")),
                         key=lambda p: p.stat().st_mtime)
        for old in entries[:-keep]:
            old.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
