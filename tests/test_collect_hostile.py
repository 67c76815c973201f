"""Hostile and odd files in the returns folder: nothing crashes, nothing hangs, good files still merge."""
from __future__ import annotations

import zipfile
from pathlib import Path

from test_collect import collect, fill, issued, returns
from test_collect import issued_workspace, unit, ws  # noqa: F401 - pytest fixtures shared with test_collect

OTHER_UNIT = "区财政局"


def rewrite_member(source: Path, target: Path, member: str, data: bytes) -> Path:
    """Copy a workbook replacing one zip member, as a crafted file would."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, data if item.filename == member else zin.read(item.filename))
    return target


BILLION_LAUGHS_DTD = b"""<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>"""


def with_entity_bomb(xml: bytes) -> bytes:
    """Declare a billion-laughs entity and use it in the first inline string of a sheet."""
    start = xml.index(b"<worksheet")
    body = xml[start:].replace(b"<t>", b"<t>&lol9;", 1)
    return xml[:start] + BILLION_LAUGHS_DTD + body


def hostile_files(ws, tmp_path) -> dict[str, Path]:
    inbox = returns(ws)
    base = fill(issued(ws, OTHER_UNIT), tmp_path / "base.xlsx")
    files = {
        "bomb": rewrite_member(base, inbox / "实体炸弹.xlsx", "xl/worksheets/sheet1.xml",
                               with_entity_bomb(zipfile.ZipFile(base).read("xl/worksheets/sheet1.xml"))),
        "ole_junk": inbox / "旧格式.xls",
        "one_byte": inbox / "一个字节.xlsx",
        "long_name": inbox / ("很长的文件名" * 40)[:80] / ("区" * 80 + ".xlsx"),
        "broken_part": rewrite_member(base, inbox / "部件损坏.xlsx", "xl/worksheets/sheet4.xml", b"<worksheet"),
        "html": inbox / "网页另存.xls",
    }
    files["ole_junk"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 700)
    files["one_byte"].write_bytes(b"P")
    files["long_name"].parent.mkdir(parents=True, exist_ok=True)
    files["long_name"].write_bytes(base.read_bytes())
    files["html"].write_text("<html><body><table><tr><td>序号</td></tr></table></body></html>", encoding="utf-8")
    (inbox / "一个文件夹.xlsx").mkdir()
    return files


def test_hostile_files_never_stop_a_good_one(ws, unit, tmp_path):
    good = fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    files = hostile_files(ws, tmp_path)
    outcome = collect(ws)
    verdict = next(v for v in outcome.verdicts if v.path.name == good.name)
    assert verdict.records, "the good file is merged"
    assert outcome.exit_code == 1
    rejected = {p.file for p in outcome.problems if p.is_error}
    for name in ("ole_junk", "one_byte", "html"):
        assert files[name].name in rejected, name
    for problem in outcome.problems:
        assert problem.message and problem.code, problem
    archived = list(ws.archive("2024-W12").iterdir())
    assert len(archived) >= 1 + len(files), "every returned file is archived before it is judged"
    assert all(len(p.name.encode()) <= 255 for p in archived)


def test_bomb_and_broken_parts_are_rejected_not_expanded(ws, tmp_path):
    files = hostile_files(ws, tmp_path)
    outcome = collect(ws)
    for name in ("bomb", "broken_part"):
        assert {p.code for p in outcome.problems if p.file == files[name].name} == {"unreadable"}, name
    assert not any(len(r.text) > 10_000 for v in outcome.verdicts for r in v.records)
