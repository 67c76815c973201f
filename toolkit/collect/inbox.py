"""The inbox inputs/回收/<PERIOD>/: finding the returned files (links not followed, files still being copied left
for the next run), opening .zip packages, and archiving every file before it is judged."""
from __future__ import annotations

import errno
import os
import re
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from toolkit.checks import FileRejected, check_zip_limits, is_ignored
from toolkit.faults import checkpoint

# Workbook formats are zips too; a zip holding none of these parts is a package of files.
_WORKBOOK_PARTS = ("[Content_Types].xml", "mimetype", "xl/", "word/", "ppt/", "META-INF/")
MAX_NESTING = 1          # a package inside a package is opened; one inside that is not
SETTLE_ENV = "TOOLKIT_SETTLE_SECONDS"
EVIDENCE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".heic", ".pdf", ".doc", ".docx",
                     ".wps", ".txt", ".ofd", ".mp4", ".ppt", ".pptx")
# sent as evidence but never opened: archived and flagged (evidence-type, issue 13)
EXECUTABLE_SUFFIXES = (".exe", ".com", ".bat", ".cmd", ".scr", ".msi", ".js", ".vbs", ".ps1", ".jar", ".dll", ".lnk",
                       ".apk", ".sh")


@dataclass
class Returned:
    """One file to archive and judge: a file in the inbox, or a member of a package there."""
    path: Path                        # the bytes; a member is extracted to a staging folder first
    name: str                         # as reported: the path relative to the inbox, 包名/成员名 for a member
    modified: datetime
    sha256: str = ""
    package: str = ""                 # the package a member came from ("" for a file dropped in the inbox)
    preset: tuple[str, str] | None = None   # (code, message) found before judging: link, still copying …
    judge: bool = True                # False for a package inside a package: archived, its members judged


@dataclass
class Inbox:
    files: list[Path] = field(default_factory=list)
    links: list[Returned] = field(default_factory=list)


def scan_inbox(folder: Path) -> Inbox:
    """Every file under folder (recursively, links never followed), lock and hidden files left out, stable order;
    each symbolic link is reported, never followed (one pointing out of the inbox would copy a foreign file)."""
    inbox = Inbox()
    if not folder.is_dir():
        return inbox
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(root) / name
            if is_ignored(path.relative_to(folder)):
                continue
            if path.is_symlink():
                inbox.links.append(_link_note(path, folder))
            elif name in files and path.is_file():
                inbox.files.append(path)
    inbox.files.sort()
    inbox.links.sort(key=lambda r: r.name)
    return inbox


def returned_files(folder: Path) -> list[Path]:
    """Every regular file under folder (links not followed), lock files and hidden files left out, stable order."""
    return scan_inbox(folder).files


def _link_note(path: Path, folder: Path) -> Returned:
    """A symbolic link in the inbox, reported with where it points; never followed."""
    shown = os.readlink(path)
    return Returned(path, path.relative_to(folder).as_posix(), _now(), preset=_link_problem(path, folder, shown))


def _link_problem(path: Path, folder: Path, shown: str) -> tuple[str, str]:
    try:
        target = path.resolve(strict=True)
    except (RuntimeError, OSError) as exc:
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
            return "link-loop", (f"这是一个循环链接（指向 {shown}，最终又指回自己），无法读取，未收取。"
                                 "请删除它，把单位报送的文件本身放进回收文件夹。")
        return "link", f"这是一个链接（快捷方式），指向的 {shown} 不存在，未收取。请把单位报送的文件本身放进回收文件夹。"
    inside = folder.resolve()
    if inside in target.parents:
        return "link", (f"这是一个链接，指向回收文件夹内的 {target.relative_to(inside).as_posix()}；"
                        "链接本身不收取，该文件已直接收取。")
    return "link", (f"这是一个链接，指向回收文件夹以外的 {shown}，出于安全不跟随、未收取。"
                    "如确是单位报送的文件，请把文件本身复制进回收文件夹。")


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def settle_seconds(limits) -> float:
    """How recently a file may have changed and still count as still being copied ([limits] settle_seconds)."""
    override = os.environ.get(SETTLE_ENV)
    if override is not None:
        try:
            return float(override)
        except ValueError:
            pass
    return float(getattr(limits, "settle_seconds", 5))


def still_copying_note(path: Path, before: os.stat_result, seconds: float, clock=time.time) -> str | None:
    """Why `path` looks like it is still being copied (changed while hashed, or modified `seconds` ago), or None."""
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        return f"文件大小在读取过程中发生了变化（{before.st_size} → {after.st_size} 字节），可能仍在复制或下载中"
    age = clock() - after.st_mtime
    if 0 <= age < seconds:
        return f"文件在 {age:.0f} 秒前还在改动（不足 {seconds:g} 秒），可能仍在复制或下载中"
    return None


def archive_file(path: Path, sha256: str, archive_dir: Path, name: str | None = None) -> Path:
    """Copy byte-identical to 归档/<PERIOD>/<sha256[:12]>_<原名>; an existing copy is the same bytes, so kept."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    target = archive_dir / f"{sha256[:12]}_{_fit_name(name or path.name, 255 - 13)}"
    if not target.exists():
        tmp = archive_dir / f".{sha256[:12]}.{os.getpid()}.tmp"   # short: the final name may be 255 bytes
        shutil.copyfile(path, tmp)
        checkpoint("archive:copied")
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


def modified_time(path: Path, stat: os.stat_result | None = None) -> datetime:
    """When the file was last changed, to the second (from `stat` when the caller has just taken it)."""
    return datetime.fromtimestamp((stat or path.stat()).st_mtime).replace(microsecond=0)


# ---------------------------------------------------------------- packages (.zip)

def is_package(path: Path) -> bool:
    """A .zip of files (not an .xlsx/.ods, which are zips too)."""
    try:
        with zipfile.ZipFile(path) as archive:        # (not a zip at all: BadZipFile)
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return False
    return bool(names) and not any(n.startswith(_WORKBOOK_PARTS) for n in names)


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its sender saw it: UTF-8 when flagged, else GBK as Chinese Windows writes it, else CP437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def is_unsafe_name(name: str) -> bool:
    """Absolute paths, drive letters and `..` would escape the folder a member is put in."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts


def open_package(path: Path, shown: str, staging: Path, limits, depth: int = 0) -> list[Returned]:
    """The members of package `path` (reported as `shown`/成员名), extracted into `staging`; a package inside is
    opened once more. Raises FileRejected (too-large, unreadable) for the package as a whole."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            check_zip_limits(infos, limits)
            members = []
            for index, info in enumerate(infos):
                member = _member(archive, info, index, shown, staging, depth)
                if member is not None:
                    members.append(member)
    except zipfile.BadZipFile:
        raise FileRejected("unreadable", "压缩包已损坏或不完整，无法打开。请重新打包发送。") from None
    except (EOFError, ValueError, NotImplementedError, RuntimeError):
        raise FileRejected("unreadable", "压缩包已损坏、设置了密码或使用了不支持的压缩方式，无法打开。"
                                         "请不加密码重新打包为 .zip，或直接发送 Excel 表格。") from None
    expanded = []
    for member in members:
        if member.preset is None and is_package(member.path):
            expanded += _open_inner(member, staging, limits, depth)
        else:
            expanded.append(member)
    return expanded


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, index: int, shown: str, staging: Path,
            depth: int) -> Returned | None:
    name = member_name(info)
    label = f"{shown}/{name.replace(chr(92), '/')}"
    modified = datetime(*info.date_time)
    if is_unsafe_name(name):
        return Returned(staging, label, modified, package=shown, preset=(
            "unsafe-name", f"压缩包中的“{name}”带有 .. 或绝对路径，可能试图写到别处，未收取。请只打包填报表本身重新发送。"))
    if is_ignored(Path(name)) or name.split("/")[0] == "__MACOSX":
        return None
    target = staging / f"{depth}-{index}" / _safe_base(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(info) as source, open(target, "wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
    stamp = modified.timestamp()
    os.utime(target, (stamp, stamp))
    member = Returned(target, label, modified, package=shown)
    member.preset = evidence_preset(target)
    return member


def evidence_preset(path: Path) -> tuple[str, str] | None:
    """Photos, PDFs, Word files (and executables, to be flagged) are evidence: archived, linked, never judged."""
    if path.suffix.lower() in EVIDENCE_SUFFIXES + EXECUTABLE_SUFFIXES:
        return ("evidence", "佐证材料，已原样归档，不作校验。")
    return None


def _safe_base(name: str) -> str:
    from toolkit.workspace import safe_file_name

    return _fit_name(safe_file_name(name.replace("\\", "/").rsplit("/", 1)[-1]), 200)


def _open_inner(member: Returned, staging: Path, limits, depth: int) -> list[Returned]:
    if depth >= MAX_NESTING:
        member.preset = ("archive-nested", "压缩包里套了两层以上的压缩包，未打开。请把填报表直接放在一个 .zip 里"
                                           "（或直接发送 Excel 表格）重新发送。")
        return [member]
    try:
        inner = open_package(member.path, member.name, staging / f"in-{depth}-{member.path.parent.name}",
                             limits, depth + 1)
        member.judge = False                 # the inner package is archived; its members are judged
        return [member, *inner]
    except FileRejected as rejected:
        member.preset = (rejected.code, rejected.message)
        return [member]
