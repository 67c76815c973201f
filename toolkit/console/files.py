"""The files the console touches: uploads into inputs/, downloads from outputs/ only, and what the pages show."""
from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from toolkit.workspace import DIRECTORY_NAME, Workspace, safe_file_name

NOTICE_SUFFIXES = (".txt", ".docx", ".xlsx", ".doc", ".wps", ".pdf")
PACKAGE_SUFFIXES = (".zip",)
CHUNK = 1 << 16


class Refused(Exception):
    """A request the console will not carry out; the message is Chinese and says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Listed:
    name: str          # relative to the folder listed
    size_kb: float
    modified: datetime


# ------------------------------------------------------------------ paths

def inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def upload_name(filename: str, fallback: str = "未命名文件") -> str:
    """The last part of a browser's file name, made safe (no folder, no drive, no ..)."""
    last = re.split(r"[\\/]", filename or "")[-1]
    return safe_file_name(last, fallback)


def unique_path(folder: Path, name: str) -> Path:
    """folder/name, or name(1), name(2)… so that a resent file never overwrites the first one."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while target.exists():
        target = folder / f"{stem}({n}){suffix}"
        n += 1
    return target


def save_upload(folder: Path, filename: str, stream, limit_mb: float, modified_ms: str | None = None) -> Path:
    """Copy an uploaded stream into folder under a safe, new name; refuse it past limit_mb.

    `modified_ms` is the browser's File.lastModified: the copy keeps the time the unit saved its file, as a file
    copied into the inbox by hand would (collect judges 迟报 by it).
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder, upload_name(filename))
    if not inside(folder, target) or target.parent.resolve() != folder.resolve():
        raise Refused(f"文件名《{filename}》不能用作文件名，未接收。")
    limit = int(limit_mb * 1024 * 1024)
    written = 0
    with open(target, "xb") as out:
        while chunk := stream.read(CHUNK):
            written += len(chunk)
            if written > limit:
                break
            out.write(chunk)
    if written > limit:
        target.unlink(missing_ok=True)
        raise Refused(f"《{target.name}》超过 {limit_mb:g} MB，未接收。请确认是不是发错了文件。")
    keep_modified(target, modified_ms)
    return target


def keep_modified(path: Path, modified_ms: str | None) -> None:
    """Set the file's modification time from milliseconds since 1970 (ignored when absent, odd or in the future)."""
    try:
        seconds = int(modified_ms or "") / 1000
    except ValueError:
        return
    if 0 < seconds <= datetime.now().timestamp() + 60:
        os.utime(path, (seconds, seconds))


def outputs_target(outputs: Path, relative: str) -> Path:
    """A file or folder under outputs/ named by a request: no drive, no .., no hidden part (the office key), no link
    out of outputs/."""
    text = (relative or "").replace("\\", "/")
    parts = PurePosixPath(text).parts
    if not parts or text.startswith("/") or ":" in text or any(p == ".." or p.startswith((".", "~$")) for p in parts):
        raise Refused("只能使用 outputs/ 中的文件和文件夹。")
    target = outputs.joinpath(*parts)
    if not inside(outputs, target) or not target.exists():
        raise Refused(f"找不到 outputs/{text}。")
    return target


def download_path(outputs: Path, relative: str) -> Path:
    target = outputs_target(outputs, relative)
    if not target.is_file():
        raise Refused(f"outputs/{relative} 不是文件。")
    return target


def relative_to_outputs(ws: Workspace, path: Path) -> str:
    return path.resolve().relative_to(ws.outputs.resolve()).as_posix()


# ------------------------------------------------------------------ listings

def listed(folder: Path, paths: list[Path]) -> list[Listed]:
    rows = []
    for p in paths:
        stat = p.stat()
        rows.append(Listed(p.relative_to(folder).as_posix(), round(stat.st_size / 1024, 1),
                           datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0)))
    return rows


def notices(ws: Workspace) -> list[Path]:
    if not ws.inputs.is_dir():
        return []
    return sorted(p for p in ws.inputs.iterdir()
                  if p.is_file() and p.suffix.lower() in NOTICE_SUFFIXES and p.name != DIRECTORY_NAME
                  and not p.name.startswith((".", "~$")))


def files_with(folder: Path, *suffixes: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes
                  and not p.name.startswith((".", "~$")))


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def return_notes(folder: Path) -> list[tuple[str, str]]:
    """(unit, text) of each 退回/<单位>.txt."""
    return [(p.stem, read_text(p)) for p in files_with(folder, ".txt")]


def report_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """The rows of 校验报告.xlsx as the clerk sees them (first sheet, first row the header)."""
    if not path.is_file():
        return [], []
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [["" if v is None else str(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        return [], []
    return rows[0], [r for r in rows[1:] if any(r)]


def zip_folder(folder: Path) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            hidden = any(p.startswith((".", "~$")) for p in path.relative_to(folder).parts)
            if path.is_file() and not path.is_symlink() and not hidden:
                archive.write(path, path.relative_to(folder).as_posix())
    buffer.seek(0)
    return buffer


REVIEW_SHEETS = ("销号审核", "调整审核")
DECISION_COLUMN = "审核意见"


def review_waiting(ledger_path: Path) -> list[tuple[str, int]]:
    """(sheet, rows without a decision) for the ledger's review sheets that have such rows."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(ledger_path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - the ledger page says itself when the ledger cannot be read
        return []
    try:
        waiting = []
        for name in REVIEW_SHEETS:
            if name in book.sheetnames:
                rows = list(book[name].iter_rows(values_only=True))
                header = [str(v or "") for v in rows[0]] if rows else []
                col = header.index(DECISION_COLUMN) if DECISION_COLUMN in header else None
                body = [r for r in rows[1:] if any(v not in (None, "") for v in r)]
                count = sum(1 for r in body if col is None or r[col] in (None, ""))
                if count:
                    waiting.append((name, count))
        return waiting
    finally:
        book.close()


# ------------------------------------------------------------------ previews

def can_draw_pdf() -> bool:
    return shutil.which("pdftoppm") is not None


def pdf_first_page(pdf: Path, cache: Path) -> Path | None:
    """The first page of a PDF as a PNG (poppler's pdftoppm), or None where poppler is missing."""
    exe = shutil.which("pdftoppm")
    if exe is None or not pdf.is_file():
        return None
    cache.mkdir(parents=True, exist_ok=True)
    stem = cache / hashlib.sha256(f"{pdf}|{pdf.stat().st_mtime_ns}".encode()).hexdigest()[:16]
    png = stem.with_suffix(".png")
    if not png.exists():
        subprocess.run([exe, "-png", "-f", "1", "-l", "1", "-r", "70", "-singlefile", str(pdf), str(stem)],
                       capture_output=True, timeout=60)
    return png if png.exists() else None


def docx_paragraphs(path: Path, limit: int = 30) -> list[str]:
    """The first paragraphs of a .docx, for a preview where no PDF could be made."""
    from docx import Document

    texts = [p.text.strip() for p in Document(str(path)).paragraphs]
    return [t for t in texts if t][:limit]


def open_in_desktop(path: Path) -> None:
    """Show a folder or open a file with the desktop's own program (the console runs on the clerk's PC)."""
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # noqa: S606 - a path under the workspace, checked by the caller
    else:
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
