"""Pure checks for returned workbooks: format sniffing, size limits, value normalisation, the problem record.

Nothing here reads the ledger or writes a file; toolkit/collect/ does that.
"""
from __future__ import annotations

import functools
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

ERROR = "错误"
NOTICE = "提醒"

# Error catalogue (issue 4): code -> level. File-level errors reject the file, row-level ones the row.
LEVELS = {
    "unreadable": ERROR,
    "unsupported-format": ERROR,
    "too-large": ERROR,
    "bad-signature": ERROR,
    "unsigned": NOTICE,
    "wrong-period": ERROR,
    "duplicate-file": NOTICE,
    "superseded": NOTICE,
    "not-assigned": ERROR,
    "missing-row": NOTICE,
    "locked-changed": NOTICE,
    "bad-state": ERROR,
    "bad-percent": ERROR,
    "bad-number": ERROR,
    "missing-text": ERROR,
    "inconsistent": NOTICE,
    "missing-contact": NOTICE,
    "unchanged": NOTICE,
    # issue 12: what units really send
    "csv-export": ERROR,
    "unsupported-archive": ERROR,
    "unsafe-name": ERROR,
    "archive-nested": ERROR,
    "evidence": NOTICE,
    "still-copying": NOTICE,
    "link": NOTICE,
    "link-loop": NOTICE,
    # issue 13: 销号、调整时限、佐证材料、单位审核 (toolkit/lifecycle.py)
    "closure-not-done": ERROR,
    "closure-no-basis": ERROR,
    "not-lead": ERROR,
    "bad-date": ERROR,
    "no-reason": ERROR,
    "overdue-request": NOTICE,
    "missing-approver": NOTICE,       # an error with [lifecycle] approver_required = true
    "no-evidence": NOTICE,            # an error (the application refused) with [lifecycle] evidence_required = true
    "evidence-type": NOTICE,
    "evidence-too-large": NOTICE,
    "evidence-missing": NOTICE,
    "closure-returned": ERROR,
}
CLERK_ONLY_CODES = {"still-copying", "link", "link-loop"}      # in 校验报告, never in a unit's 退回 letter
FILE_LEVEL_ERRORS = {"unreadable", "unsupported-format", "too-large", "bad-signature", "wrong-period", "csv-export",
                     "unsupported-archive", "unsafe-name", "archive-nested"}

SPREADSHEET_FORMATS = ("xlsx", "xls", "ods")


@dataclass
class Problem:
    """One row of 校验报告: where (as Excel shows it), what was there, the code and what to do."""
    file: str
    code: str
    message: str
    unit: str = ""
    sheet: str = ""
    row: int | None = None        # 1-based, as Excel shows it
    column: str = ""              # column letter, e.g. "H"
    field: str = ""               # header text, e.g. 完成进度
    value: str = ""               # the original cell value, as text
    raised: str = ""              # a level set by a setting ([lifecycle]), else the code's level in LEVELS

    @property
    def level(self) -> str:
        return self.raised or LEVELS[self.code]

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def key(self) -> tuple:
        """(file, row, column, code): what tests and de-duplication compare, never the wording."""
        return (self.file, self.row, self.column, self.code)


class FileRejected(Exception):
    """A file-level problem found before or while reading; carries the code and the Chinese message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- files

def is_ignored(path: Path) -> bool:
    """Office lock files (~$x.xlsx), hidden files and folders (.DS_Store, .~lock.x#) are never returns."""
    return any(part.startswith((".", "~$")) for part in path.parts) or path.name.lower() == "thumbs.db"


@functools.lru_cache(maxsize=None)     # the forms writer asks for the same few letters a million times
def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """Excel letters -> 0-based column index (A -> 0)."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RAR_MAGIC = b"Rar!\x1a\x07"
SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def sniff_format(path: Path, limits) -> str:
    """Decide the format from the first bytes ('xlsx' | 'xls' | 'ods'), checking size and zip limits first.

    Raises FileRejected(unreadable | unsupported-format | too-large) before any spreadsheet parser runs.
    """
    size = path.stat().st_size
    max_bytes = int(_limit(limits, "max_file_mb", 20) * 1024 * 1024)
    if size > max_bytes:
        raise FileRejected("too-large", f"文件大小 {size / 1048576:.1f} MB，超过上限 {max_bytes // 1048576} MB。"
                                        "请删除表中的图片、附件等无关内容后重新保存报送。")
    if size == 0:
        raise FileRejected("unreadable", "文件是空的（0 字节），可能传输中断。请重新发送原表。")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGICS):
        return _sniff_zip(path, limits)
    if head == OLE2_MAGIC:
        return _sniff_ole2(path)
    if len(head) < 8 and (OLE2_MAGIC.startswith(head) or any(m.startswith(head[:4]) for m in ZIP_MAGICS)):
        raise FileRejected("unreadable", "文件不完整（只有几个字节），可能传输中断。请重新发送原表。")
    _refuse_other_archives(head)
    if _looks_like_csv(path):
        raise FileRejected("csv-export", "这是 CSV 文本文件（表格被“另存为 CSV”，只剩文字，没有下发表格的身份信息、"
                                         "下拉选项和指标表），无法校验。请直接报送下发的 Excel 表格（.xlsx），不要另存为 CSV。")
    raise FileRejected("unsupported-format", "这不是电子表格文件（可能是文档、图片或网页另存的文件）。"
                                             "请用下发的 Excel 表格填写后，以 .xlsx 格式保存报送。")


def _refuse_other_archives(head: bytes) -> None:
    kind = "RAR" if head.startswith(RAR_MAGIC) else "7z" if head.startswith(SEVEN_ZIP_MAGIC) else None
    if kind:
        raise FileRejected("unsupported-archive", f"这是 {kind} 压缩包，本工具只能打开 .zip 压缩包。请直接发送 Excel "
                                                  "填报表，或在电脑上右键“发送到→压缩(zipped)文件夹”打包成 .zip 后重新发送。")


def _looks_like_csv(path: Path) -> bool:
    """A text file named .csv, or whose first line is comma- or tab-separated with our form's headers."""
    if path.suffix.lower() in (".csv", ".tsv"):
        return True
    with open(path, "rb") as handle:
        head = handle.read(4096)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            first = head.decode(encoding).splitlines()[0] if head.strip() else ""
        except (UnicodeDecodeError, IndexError):
            continue
        return ("," in first or "\t" in first) and "序号" in first
    return False


def _sniff_zip(path: Path, limits) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            check_zip_limits(members, limits)
            names = {m.filename for m in members}
            if "mimetype" in names:
                mime = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mime == ODS_MIME or mime.startswith(ODS_MIME + "-template"):
                    return "ods"
                raise FileRejected("unsupported-format", "这是文字处理或演示文档（OpenDocument），不是电子表格。"
                                                         "请用下发的 Excel 表格填写后报送。")
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "xl/workbook.bin" in names:
                raise FileRejected("unsupported-format", "这是 Excel 二进制工作簿（.xlsb）。"
                                                         "请在 Excel 中“另存为”.xlsx 格式后重新报送。")
            if any(n.startswith(("word/", "ppt/")) for n in names):
                raise FileRejected("unsupported-format", "这是 Word 或 PowerPoint 文档，不是电子表格。"
                                                         "请用下发的 Excel 表格填写后报送。")
            raise FileRejected("unsupported-format", "这是压缩包，不是电子表格。请解压后只报送下发的 Excel 表格。")
    except zipfile.BadZipFile:
        raise FileRejected("unreadable", "文件已损坏或不完整（压缩结构无法读取），可能传输中断。"
                                         "请用 Excel 打开确认后重新发送。") from None
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise FileRejected("unreadable", "文件已损坏或已加密，无法读取。请取消密码、确认能正常打开后重新发送。") from None


# A tiny member with a high ratio is harmless (an empty sheet compresses well); the floor avoids false alarms.
RATIO_FLOOR_BYTES = 256 * 1024


def check_zip_limits(members: list[zipfile.ZipInfo], limits) -> None:
    """Zip-bomb guard on the declared sizes (CPython's reader stops at the declared size)."""
    max_members = _limit(limits, "max_zip_members", 1000)
    max_total = int(_limit(limits, "max_unzipped_mb", 200) * 1024 * 1024)
    max_ratio = _limit(limits, "max_zip_ratio", 100)
    if len(members) > max_members:
        raise FileRejected("too-large", f"文件内部包含 {len(members)} 个部件，超过上限 {max_members}，"
                                        "不像正常的填报表。请用下发的表格重新填写报送。")
    total = sum(m.file_size for m in members)
    if total > max_total:
        raise FileRejected("too-large", f"文件解压后约 {total / 1048576:.0f} MB，超过上限 {max_total // 1048576} MB。"
                                        "请删除无关内容后重新保存报送。")
    for member in members:
        if member.file_size <= RATIO_FLOOR_BYTES:
            continue
        if member.compress_size == 0 or member.file_size / member.compress_size > max_ratio:
            raise FileRejected("too-large", f"文件内部部件 {member.filename} 的压缩比异常（可能是“压缩炸弹”），已拒收。"
                                            "请用下发的表格重新填写报送。")


def _sniff_ole2(path: Path) -> str:
    """OLE2 holds .xls/.et, but also .doc and password-protected .xlsx; tell them apart by stream names."""
    with open(path, "rb") as handle:
        data = handle.read(4 * 1024 * 1024)
    if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
        raise FileRejected("unreadable", "文件设置了打开密码，无法读取。请取消密码（文件→信息→保护工作簿）后重新发送。")
    if _utf16("WordDocument") in data or _utf16("PowerPoint Document") in data:
        raise FileRejected("unsupported-format", "这是 Word 或 PowerPoint 文档，不是电子表格。请用下发的 Excel 表格填写后报送。")
    return "xls"


def _limit(limits, name: str, default: int) -> int:
    if limits is None:
        return default
    if isinstance(limits, dict):
        return limits.get(name, default)
    return getattr(limits, name, default)


# ---------------------------------------------------------------- values

def text_of(value) -> str:
    """A cell value as the clerk would read it back to the unit."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _fold(text: str) -> str:
    """Full-width to half-width, no spaces: ８０％ -> 80%."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


STATE_SYNONYMS = {
    "正常推进": "序时推进", "按序时推进": "序时推进", "按序时进度推进": "序时推进", "达序时": "序时推进",
    "达到序时进度": "序时推进", "达进度": "序时推进", "序时": "序时推进",
    "完成": "已完成", "已办结": "已完成", "办结": "已完成", "全部完成": "已完成",
    "未开始": "未启动", "尚未启动": "未启动",
    "进度滞后": "滞后", "滞后序时": "滞后", "欠进度": "滞后",
}


def normalise_state(value, allowed: tuple[str, ...]) -> str | None:
    """The reported state in the list, a safe synonym mapped onto it, or None."""
    text = _fold(text_of(value)).rstrip("。.")
    if text in allowed:
        return text
    mapped = STATE_SYNONYMS.get(text)
    return mapped if mapped in allowed else None


_NUMBER = re.compile(r"[+]?(\d+(\.\d*)?|\.\d+)")


def parse_number_text(text: str) -> float | None:
    """'1,234.5' / '１２３４' / '1 234' -> float; None when it is not a plain number."""
    folded = _fold(text).replace(",", "").replace("_", "")
    if _NUMBER.fullmatch(folded):
        return float(folded)
    return None


def normalise_percent(value, percent_formatted: bool = False) -> float | None:
    """完成进度 as 0–100, or None when it is not a number in range.

    Accepts 80, "80", "80%", "８０％", and 0.8 when the cell carries a percent format (Excel stores 80% as 0.8).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value) * 100 if percent_formatted else float(value)
    else:
        text = _fold(text_of(value))
        if not text:
            return None
        number = parse_number_text(text.rstrip("%"))
        if number is None:
            return None
    number = round(number, 6)
    return number if 0 <= number <= 100 else None


def normalise_number(value, unit: str = "") -> float | None:
    """An indicator value ≥ 0; full-width digits, thousands separators and the indicator's own unit are fine."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 0 else None
    text = _fold(text_of(value))
    if unit and text.endswith(_fold(unit)):
        text = text[: -len(_fold(unit))]
    number = parse_number_text(text)
    return number


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
