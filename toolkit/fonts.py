"""The CJK font file the circular's chart draws with: found among the system's font files, remembered in a cache."""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import ToolkitWarning
from toolkit.usercache import home_folder

CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Serif SC",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UKai CN", "AR PL UMing CN", "LXGW WenKai",
             "SimHei", "Microsoft YaHei", "SimSun", "DengXian", "PingFang SC", "Heiti SC", "STHeiti")
CHINESE_SAMPLE = "督查任务已完成滞后未启动"   # a font that draws these draws the chart
CJK_FILE_NAME = re.compile(r"cjk|han|hei|song|kai|ming|fang|yahei|simsun|msyh|wqy|wenkai|droid|pingfang|deng",
                           re.IGNORECASE)
FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
REGULAR_STYLES = {"Regular", "Book", "Normal", "Medium", "W3"}
ABSENT = "\U0010FFFD"          # a private-use code point no font draws: how a missing glyph (.notdef) looks
PROBE_PX = 16
CACHE_FILE = "cjk-font.json"


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (a .ttc collection holds several, by index)."""
    path: str
    index: int
    family: str


_cjk_font_cache: list[FontFace | None] = []


def cjk_font() -> FontFace | None:
    """The CJK face the chart uses; None, with a warning naming the cause, when the system has none.

    The face found last time is remembered in the user's cache folder and checked again (it still exists and reads;
    whether it draws Chinese only when the file's size or time changed); when it does not, or nothing was
    remembered, the system's font files are searched once more.
    """
    if _cjk_font_cache:
        return _cjk_font_cache[0]
    found = remembered_face()
    if found is None:
        found, unreadable = search_cjk_face()
        if found is None:
            warnings.warn(missing_font_message(unreadable), ToolkitWarning, stacklevel=2)
        else:
            remember_face(found)
    _cjk_font_cache.append(found)
    return found


# ------------------------------------------------------------------------------------------ reading a font

def open_face(path: str, index: int = 0, size: int = PROBE_PX):
    """The Pillow font of one face, laid out without libraqm (CJK and digits need no shaping).

    FreeTypeFont, not ImageFont.truetype(): that one, failing to read a file, silently loads another file of the
    same name from the system's font folders.
    """
    from PIL import ImageFont
    return ImageFont.FreeTypeFont(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


def face_count(path: str) -> int:
    """How many faces the file holds: a .ttc/.otc collection says so in its header, any other file has one."""
    with open(path, "rb") as file:
        head = file.read(12)
    if head[:4] == b"ttcf" and len(head) == 12:
        return max(1, struct.unpack(">I", head[8:12])[0])
    return 1


def ink(font, text: str) -> bytes:
    from PIL import Image, ImageDraw
    picture = Image.new("L", (PROBE_PX * 2, PROBE_PX * 2))
    ImageDraw.Draw(picture).text((0, 0), text, font=font, fill=255)
    return picture.tobytes()


def draws_chinese(font) -> bool:
    """Every sample character is drawn with its own glyph, not with the font's .notdef (box or blank)."""
    missing = ink(font, ABSENT)
    return all(ink(font, ch) != missing for ch in CHINESE_SAMPLE)


# ------------------------------------------------------------------------------------------ searching

def font_folders() -> list[Path]:
    """The usual font folders of Windows, Linux and macOS that exist here."""
    folders = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts", Path("/usr/share/fonts"),
               Path("/usr/local/share/fonts"), Path("/Library/Fonts"), Path("/System/Library/Fonts")]
    if os.environ.get("LOCALAPPDATA"):
        folders.append(Path(os.environ["LOCALAPPDATA"]) / "Microsoft" / "Windows" / "Fonts")
    home = home_folder()
    if home is not None:
        folders += [home / ".fonts", home / ".local" / "share" / "fonts", home / "Library" / "Fonts"]
    return [folder for folder in folders if folder.is_dir()]


def system_font_files() -> set[str]:
    """Font files fontconfig lists, and those in the usual font folders and their subfolders."""
    files = set(fontconfig_files())
    for folder in font_folders():
        for root, _dirs, names in os.walk(folder):
            files.update(os.path.join(root, name) for name in names if name.lower().endswith(FONT_SUFFIXES))
    return files


def fontconfig_files() -> list[str]:
    if not shutil.which("fc-list"):
        return []
    try:
        listed = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True,
                                encoding="utf-8", errors="replace", timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in listed.splitlines() if line.lower().endswith(FONT_SUFFIXES)]


def search_cjk_face() -> tuple[FontFace | None, dict[str, str]]:
    """The best face drawing Chinese, and the files that could not be read (with why).

    Files named like CJK fonts come first, their faces in the order of CJK_FONTS (regular before bold); only when
    none of them draws Chinese are the other files tried, for a CJK font under an unexpected name.
    """
    files = sorted(system_font_files())
    named = [path for path in files if CJK_FILE_NAME.search(Path(path).name)]
    unreadable: dict[str, str] = {}
    faces = sorted(faces_in(named, unreadable), key=preference)
    found = first_drawing_chinese(faces)
    if found is None:
        tried = set(named)
        others = [path for path in files if path not in tried]
        found = first_drawing_chinese(faces_in(others, unreadable))
    return found, unreadable


def faces_in(paths: list[str], unreadable: dict[str, str]):
    """(face, Pillow font) of every face of the files; an unreadable file is noted and skipped."""
    for path in paths:
        try:
            for index in range(face_count(path)):
                font = open_face(path, index)
                yield FontFace(path, index, font.getname()[0] or ""), font
        except Exception as exc:  # noqa: BLE001 - a broken font file must not stop the circular
            unreadable[path] = str(exc) or type(exc).__name__


def preference(entry) -> tuple:
    face, font = entry
    rank = CJK_FONTS.index(face.family) if face.family in CJK_FONTS else len(CJK_FONTS)
    return rank, font.getname()[1] not in REGULAR_STYLES, face.path, face.index


def first_drawing_chinese(faces) -> FontFace | None:
    return next((face for face, font in faces if draws_chinese(font)), None)


def missing_font_message(unreadable: dict[str, str]) -> str:
    broken = [path for path in unreadable if CJK_FILE_NAME.search(Path(path).name)]
    if broken:
        return (f"找到中文字体文件 {broken[0]}，但无法读取（{unreadable[broken[0]]}），通报中的图表文字会显示为方框。"
                f"请重新安装该字体；Linux 可安装：sudo apt-get install fonts-noto-cjk。")
    folders = "、".join(str(folder) for folder in font_folders()) or "系统字体文件夹"
    return (f"系统中没有找到中文字体文件（已查找系统字体列表和 {folders}），通报中的图表文字会显示为方框。"
            f"Linux 请安装：sudo apt-get install fonts-noto-cjk；Windows 一般自带黑体（SimHei）或微软雅黑，"
            f"可在 C:\\Windows\\Fonts 中查看。")


# ------------------------------------------------------------------------------------------ the cache

def cache_path() -> Path | None:
    """cjk-font.json in the toolkit's user cache folder (toolkit.usercache); None without one."""
    from toolkit.usercache import cache_dir

    folder = cache_dir()
    return folder / CACHE_FILE if folder is not None else None


def remembered_face() -> FontFace | None:
    """The face the cache names, if its file still reads; its glyphs are checked again when the file changed."""
    path = cache_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else None
        face = FontFace(data["path"], int(data["index"]), data["family"])
        font = open_face(face.path, face.index)
        unchanged = data.get("stamp") == file_stamp(face.path)
    except Exception:  # noqa: BLE001 - no cache, an old or damaged one, a font gone: search again
        return None
    if (font.getname()[0] or "") != face.family:
        return None
    if not unchanged:
        if not draws_chinese(font):
            return None
        remember_face(face)
    return face


def file_stamp(path: str) -> list[int]:
    """Size and modification time: the file the glyphs were checked in, unchanged."""
    status = os.stat(path)
    return [status.st_size, status.st_mtime_ns]


def remember_face(face: FontFace) -> None:
    """Write the cache (atomically); a read-only or missing cache folder is no error, the next run searches again."""
    path = cache_path()
    if path is None:
        return
    try:
        record = {"path": face.path, "index": face.index, "family": face.family, "stamp": file_stamp(face.path)}
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass
