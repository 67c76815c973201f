"""Percent-formatted cells read from the package's XML agree with openpyxl (issue 16: collect needs no openpyxl)."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from toolkit.collect.numformats import percent_formatted

ROOT = Path(__file__).resolve().parent.parent
FORMATS = {"B2": "0%", "B3": "0.00%", "B4": "General", "B5": '0.0"%"', "B6": "0.0", "B7": None, "B8": "#,##0"}


def _openpyxl_answer(path: Path, sheet: str, refs) -> dict[str, bool]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ref: "%" in (book[sheet][ref].number_format or "") for ref in refs}
    finally:
        book.close()


def test_xlsxwriter_formats_agree_with_openpyxl(tmp_path):
    path = tmp_path / "r.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("其他")
    sheet = book.add_worksheet("任务填报")
    for ref, code in FORMATS.items():
        sheet.write(ref, 0.8, book.add_format({"num_format": code}) if code else None)
    book.close()
    refs = [*FORMATS, "B9"]                       # B9 holds nothing
    assert percent_formatted(path, "任务填报", refs) == _openpyxl_answer(path, "任务填报", refs)
    assert percent_formatted(path, "任务填报", ["B2", "B4"]) == {"B2": True, "B4": False}


def test_openpyxl_saved_file_agrees(tmp_path):
    path = tmp_path / "o.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "任务填报"
    for ref, code in FORMATS.items():
        sheet[ref] = 0.8
        if code:
            sheet[ref].number_format = code
    book.save(path)
    assert percent_formatted(path, "任务填报", list(FORMATS)) == _openpyxl_answer(path, "任务填报", list(FORMATS))


def test_unreadable_or_missing_sheet_gives_none(tmp_path):
    broken = tmp_path / "x.xlsx"
    broken.write_bytes(b"PK not really")
    assert percent_formatted(broken, "任务填报", ["A1"]) is None
    path = tmp_path / "r.xlsx"
    xlsxwriter.Workbook(str(path)).close()
    assert percent_formatted(path, "任务填报", ["A1"]) is None


def test_a_doctype_is_refused(tmp_path):
    path = tmp_path / "r.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("任务填报").write("A1", 0.5)
    book.close()
    tampered = tmp_path / "t.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/styles.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)
            target.writestr(info, data)
    assert percent_formatted(tampered, "任务填报", ["A1"]) is None
