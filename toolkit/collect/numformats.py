"""Which cells of a returned .xlsx carry a percent number format, read from the package's XML (no openpyxl)."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterable

PERCENT_BUILTIN_IDS = {9, 10}      # 0% and 0.00%, the only built-in formats with a percent sign
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def percent_formatted(path: Path, sheet: str, cells: Iterable[str]) -> dict[str, bool] | None:
    """Cell reference → whether its number format shows a percent sign ("%" in the format code, as openpyxl's
    number_format); None when the package cannot be read, so the caller falls back to the value alone."""
    wanted = {_normal_ref(ref): ref for ref in cells}
    try:
        with zipfile.ZipFile(path) as package:
            percent_styles = _percent_styles(package)
            part = _sheet_part(package, sheet)
            if part is None:
                return None
            styles = _cell_styles(_xml(package, part), set(wanted))
    except Exception:  # noqa: BLE001 - an odd package: fall back to the value alone
        return None
    return {ref: styles.get(key, 0) in percent_styles for key, ref in wanted.items()}


def _normal_ref(ref: str) -> str:
    m = _REF.fullmatch(ref.strip())
    return f"{m[1].upper()}{int(m[2])}" if m else ref.strip().upper()


def _xml(package: zipfile.ZipFile, name: str):
    from xml.etree import ElementTree

    data = package.read(name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:   # no entity tricks in a file from outside
        raise ValueError("DTD in a returned package")
    return ElementTree.fromstring(data)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element, name: str):
    return [child for child in element if _local(child.tag) == name]


def _percent_styles(package: zipfile.ZipFile) -> set[int]:
    """Indexes into cellXfs whose number format has a percent sign."""
    if "xl/styles.xml" not in package.namelist():
        return set()
    root = _xml(package, "xl/styles.xml")
    percent_ids = set(PERCENT_BUILTIN_IDS)
    for numfmts in _children(root, "numFmts"):
        for numfmt in _children(numfmts, "numFmt"):
            number = int(numfmt.get("numFmtId", "-1"))
            if "%" in (numfmt.get("formatCode") or ""):
                percent_ids.add(number)
            else:
                percent_ids.discard(number)
    found = set()
    for xfs in _children(root, "cellXfs"):
        for index, xf in enumerate(_children(xfs, "xf")):
            if int(xf.get("numFmtId", "0")) in percent_ids:
                found.add(index)
    return found


def _sheet_part(package: zipfile.ZipFile, sheet: str) -> str | None:
    """The part (xl/worksheets/…xml) of the sheet named `sheet`, from workbook.xml and its relationships."""
    rels = _xml(package, "xl/_rels/workbook.xml.rels")
    targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels}
    for element in _xml(package, "xl/workbook.xml").iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet:
            rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rel_id, "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}" if target else None
    return None


def _cell_styles(root, wanted: set[str]) -> dict[str, int]:
    """Reference → style index (the `s` attribute) of the wanted cells present in the sheet."""
    styles = {}
    for element in root.iter():
        if _local(element.tag) == "c":
            ref = element.get("r")
            if ref and ref.upper() in wanted:
                styles[ref.upper()] = int(element.get("s", "0"))
    return styles
