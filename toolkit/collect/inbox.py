"""The inbox inputs/回收/<PERIOD>/: finding the returned files and archiving each one before it is judged."""
from __future__ import annotations

import hashlib
import os
import shutil
from datetime import datetime
from pathlib import Path

from toolkit.checks import is_ignored

def returned_files(folder: Path) -> list[Path]:
    """Every file under folder (recursively), lock files and hidden files left out, in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not is_ignored(p.relative_to(folder)))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_file(path: Path, sha256: str, archive_dir: Path) -> Path:
    """Copy byte-identical to 归档/<PERIOD>/<sha256[:12]>_<原名>; an existing copy is the same bytes, so kept."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    target = archive_dir / f"{sha256[:12]}_{_fit_name(path.name, 255 - 13)}"
    if not target.exists():
        tmp = archive_dir / f".{sha256[:12]}.{os.getpid()}.tmp"   # short: the final name may be 255 bytes
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    return target


def _fit_name(name: str, limit: int) -> str:
    """Shorten a file name to `limit` UTF-8 bytes, keeping its extension (file systems stop at 255 bytes)."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = name, ""
    tail = f"…{dot}{suffix}" if suffix else "…"
    while len((stem + tail).encode()) > limit:
        stem = stem[:-1]
    return stem + tail


def modified_time(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
