"""The pure checks of collection: format sniffing, zip limits, value normalisation (no ledger needed)."""
from __future__ import annotations

import zipfile

import pytest

from toolkit.checks import (FileRejected, column_index, column_letter, is_ignored, normalise_number,
                            normalise_percent, normalise_state, sniff_format)
from toolkit.models import REPORTABLE_STATES

LIMITS = {"max_file_mb": 20, "max_zip_members": 1000, "max_unzipped_mb": 200, "max_zip_ratio": 100}


def _xlsx(path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    book.save(path)
    return path


def _rejected_code(path) -> str:
    with pytest.raises(FileRejected) as caught:
        sniff_format(path, LIMITS)
    return caught.value.code


def test_format_is_decided_by_first_bytes_not_name(tmp_path):
    real = _xlsx(tmp_path / "a.xlsx")
    renamed = tmp_path / "a.xls"
    renamed.write_bytes(real.read_bytes())
    assert sniff_format(renamed, LIMITS) == "xlsx"
    ole = tmp_path / "b.et"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "Workbook".encode("utf-16-le"))
    assert sniff_format(ole, LIMITS) == "xls"


def test_ods_is_recognised_by_its_mimetype_member(tmp_path):
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    assert sniff_format(path, LIMITS) == "ods"


def test_text_odt_docx_and_encrypted_are_refused(tmp_path):
    text = tmp_path / "t.xlsx"
    text.write_text("本期进展：正常", encoding="utf-8")
    assert _rejected_code(text) == "unsupported-format"
    docx = tmp_path / "d.xlsx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("word/document.xml", "<x/>")
    assert _rejected_code(docx) == "unsupported-format"
    odt = tmp_path / "o.ods"
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    assert _rejected_code(odt) == "unsupported-format"
    encrypted = tmp_path / "e.xlsx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le"))
    assert _rejected_code(encrypted) == "unreadable"


def test_empty_and_truncated_files_are_unreadable(tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert _rejected_code(empty) == "unreadable"
    real = _xlsx(tmp_path / "full.xlsx").read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(real[: len(real) // 2])
    assert _rejected_code(cut) == "unreadable"
    stub = tmp_path / "stub.xlsx"
    stub.write_bytes(b"PK")
    assert _rejected_code(stub) == "unreadable"


def test_zip_bomb_and_size_limits_reject_before_parsing(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    assert _rejected_code(bomb) == "too-large"
    many = tmp_path / "many.xlsx"
    with zipfile.ZipFile(many, "w") as archive:
        archive.writestr("xl/workbook.xml", "<x/>")
        for i in range(1001):
            archive.writestr(f"m{i}", "")
    assert _rejected_code(many) == "too-large"
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    assert _rejected_code_with(big, {**LIMITS, "max_file_mb": 0}) == "too-large"


def _rejected_code_with(path, limits) -> str:
    with pytest.raises(FileRejected) as caught:
        sniff_format(path, limits)
    return caught.value.code


def test_ignored_files():
    from pathlib import Path

    assert is_ignored(Path("~$民政局.xlsx"))
    assert is_ignored(Path(".hidden.xlsx"))
    assert is_ignored(Path("sub/.DS_Store"))
    assert not is_ignored(Path("民政局.xlsx"))


def test_column_letters_as_excel_shows_them():
    assert [column_letter(i) for i in (0, 7, 25, 26, 27)] == ["A", "H", "Z", "AA", "AB"]
    assert column_index("AB") == 27


@pytest.mark.parametrize("typed, expected", [
    ("已完成", "已完成"), ("正常推进", "序时推进"), ("按序时推进", "序时推进"), ("完成", "已完成"),
    ("已办结", "已完成"), (" 滞后 ", "滞后"), ("进展顺利", None), ("", None), ("推进中", None),
])
def test_state_synonyms(typed, expected):
    assert normalise_state(typed, REPORTABLE_STATES) == expected


@pytest.mark.parametrize("typed, percent_cell, expected", [
    (80, False, 80), ("80%", False, 80), ("８０％", False, 80), (0.8, True, 80), ("80", False, 80),
    (101, False, None), (-1, False, None), ("八十", False, None), ("", False, None), (1.0, True, 100),
])
def test_percent_forms(typed, percent_cell, expected):
    assert normalise_percent(typed, percent_cell) == expected


@pytest.mark.parametrize("typed, unit, expected", [
    (200, "个", 200), ("１２００", "", 1200), ("1,234.5", "", 1234.5), ("2,000个", "个", 2000),
    ("-5", "", None), (-5.0, "", None), ("约200", "", None), ("2000万", "个", None),
])
def test_indicator_numbers(typed, unit, expected):
    assert normalise_number(typed, unit) == expected
