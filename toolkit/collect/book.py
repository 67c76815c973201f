"""Reading a returned workbook: its sheets as plain values, and the identity it carries (`_meta`, properties, names)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.checks import FileRejected, sniff_format

@dataclass
class Book:
    """A returned workbook as plain values: every sheet's rows (row 0 = Excel row 1) and which are hidden."""
    format: str
    sheets: dict[str, list[list]]
    hidden: set[str] = field(default_factory=set)

    def sheet(self, name: str) -> list[list] | None:
        return self.sheets.get(name)


def read_book(path: Path, limits) -> Book:
    """Sniff, check limits, then read every sheet with calamine. Raises FileRejected on any failure."""
    kind = sniff_format(path, limits)
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    from toolkit.forms import LIST_SHEET

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets, hidden = {}, set()
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet or meta.name == LIST_SHEET:
                continue  # chart sheets, macro sheets, and our own dropdown list
            sheets[meta.name] = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            if meta.visible != SheetVisibleEnum.Visible:
                hidden.add(meta.name)
        book.close()
    except Exception as exc:  # noqa: BLE001 - any reader failure is the unit's file, not our bug
        if "password" in type(exc).__name__.lower() or "encrypt" in str(exc).lower():
            raise FileRejected("unreadable", "文件设置了密码，无法读取。请取消密码后重新发送。") from None
        raise FileRejected("unreadable", "文件已损坏或不完整，无法读取，可能传输中断。"
                                         "请用 Excel 或 WPS 打开确认能正常显示后，重新保存发送。") from None
    return Book(kind, sheets, hidden)


def meta_identity(book: Book) -> dict[str, str] | None:
    """The `_meta` sheet as a dict (column A → column B), or None when the sheet is gone."""
    from toolkit.forms import META_SHEET
    from toolkit.checks import text_of

    rows = book.sheet(META_SHEET)
    if rows is None:
        return None
    meta = {}
    for row in rows:
        if len(row) >= 2 and text_of(row[0]):
            meta[text_of(row[0])] = "" if row[1] is None else str(row[1])
    return meta or None


def fallback_identity(path: Path) -> dict[str, str] | None:
    """Custom properties, then defined names (xlsx only): for a file whose `_meta` sheet was lost."""
    from toolkit.forms import DEFINED_NAME_PREFIX, IDENTITY_FIELDS, SIGNATURE_KEY

    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - no fall-back identity is the answer, not a crash
        return None
    try:
        texts: dict[str, str] = {}
        for prop in getattr(book, "custom_doc_props", None) or []:
            if prop.name.startswith(DEFINED_NAME_PREFIX) and prop.value is not None:
                texts[prop.name] = str(prop.value)
        if not texts:
            for name, defined in book.defined_names.items():
                if name.startswith(DEFINED_NAME_PREFIX):
                    value = defined.attr_text or ""
                    if value.startswith("=") and value[1:2] == '"':
                        texts[name] = value[2:-1].replace('""', '"')
    finally:
        book.close()
    identity = {}
    for key in (*IDENTITY_FIELDS, SIGNATURE_KEY):
        base = DEFINED_NAME_PREFIX + key.upper()
        if base not in texts:
            continue
        parts, n = [texts[base]], 2
        while f"{base}_{n}" in texts:
            parts.append(texts[f"{base}_{n}"])
            n += 1
        identity[key] = "".join(parts)
    return identity or None
