"""What units really send (issue 12, points 5–9): packages, files still being copied, links, CSV exports,
an empty inbox and a ledger open in Excel. Every workbook is issued by our own command and filled like Excel does.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from test_collect import PERIOD, collect, fill, issued, returns
from test_collect import issued_workspace, unit, ws  # noqa: F401 - pytest fixtures shared with test_collect

from toolkit.errors import LedgerLockedError, ToolkitError

OTHER = "区财政局"


def verdict(outcome, name: str):
    return next(v for v in outcome.verdicts if v.name == name)


def codes_of(outcome, name: str) -> set[str]:
    return {p.code for p in verdict(outcome, name).problems}


class WindowsName(zipfile.ZipInfo):
    """A member name stored as Chinese Windows' built-in zip does: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def gbk_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = WindowsName(name, date_time=(2024, 3, 20, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    with zipfile.ZipFile(path) as archive:            # as stored: not flagged UTF-8, read back as CP437
        assert all(not i.flag_bits & 0x800 for i in archive.infolist())
    return path


# ---------------------------------------------------------------------------------------------- 6. packages

def test_zip_members_are_collected_archived_and_reported_under_package_name(ws, unit):
    workbook = fill(issued(ws, unit), ws.root / "民政局.xlsx").read_bytes()
    other = fill(issued(ws, OTHER), ws.root / "财政局.xlsx").read_bytes()
    gbk_zip(returns(ws) / "报送材料.zip", {"民政局/民政局进展表.xlsx": workbook, "财政局.xlsx": other,
                                        "佐证/现场照片.jpg": b"\xff\xd8\xff\xe0 jpeg"})
    outcome = collect(ws)
    names = {v.name for v in outcome.verdicts}
    assert names == {"报送材料.zip/民政局/民政局进展表.xlsx", "报送材料.zip/财政局.xlsx", "报送材料.zip/佐证/现场照片.jpg"}
    assert verdict(outcome, "报送材料.zip/民政局/民政局进展表.xlsx").records
    assert {unit, OTHER} <= set(outcome.reported_units)
    assert codes_of(outcome, "报送材料.zip/佐证/现场照片.jpg") == {"evidence"}
    archived = {p.name for p in ws.archive(PERIOD).rglob("*") if p.is_file()}
    assert any(n.endswith("_报送材料.zip") for n in archived), "the package itself is archived as received"
    assert any(n.endswith("_民政局进展表.xlsx") for n in archived) and any(n.endswith("_现场照片.jpg") for n in archived)
    assert outcome.exit_code == 0
    from toolkit.collect import period_status

    assert period_status(ws, PERIOD).waiting_files == 0, "an opened package is not waiting"


def test_empty_package_is_said_to_be_empty(ws):
    with zipfile.ZipFile(returns(ws) / "空包.zip", "w") as archive:
        archive.writestr("__MACOSX/._x", b"x")
    outcome = collect(ws)
    assert codes_of(outcome, "空包.zip") == {"unsupported-format"}
    assert "没有可收取的文件" in verdict(outcome, "空包.zip").problems[0].message


def test_zip_path_escape_is_refused_and_nothing_is_written_outside(ws, unit):
    workbook = fill(issued(ws, unit), ws.root / "民政局.xlsx").read_bytes()
    package = returns(ws) / "材料.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("../../逃出.xlsx", workbook)
        archive.writestr("/etc/绝对.xlsx", workbook)
        archive.writestr("民政局.xlsx", workbook)
    outcome = collect(ws)
    assert codes_of(outcome, "材料.zip/../../逃出.xlsx") == {"unsafe-name"}
    assert codes_of(outcome, "材料.zip//etc/绝对.xlsx") == {"unsafe-name"}
    assert verdict(outcome, "材料.zip/民政局.xlsx").records
    assert not list(ws.root.parent.rglob("逃出.xlsx")) and not Path("/etc/绝对.xlsx").exists()


def test_zip_limits_apply_and_units_inside_are_named(ws, unit):
    workbook = fill(issued(ws, unit), ws.root / "民政局.xlsx").read_bytes()
    bomb = returns(ws) / "打包.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("区民政局报表.xlsx", workbook)
        archive.writestr("填充.bin", b"\0" * (40 * 1024 * 1024))
    outcome = collect(ws)
    rejected = verdict(outcome, "打包.zip")
    assert {p.code for p in rejected.problems} == {"too-large"}
    assert rejected.units_inside == [unit]
    assert unit in rejected.problems[0].message
    assert any(unit in line and "压缩包" in line for line in outcome.lines())
    assert outcome.exit_code == 1


def test_nested_package_opened_once_deeper_refused(ws, unit):
    workbook = fill(issued(ws, unit), ws.root / "民政局.xlsx").read_bytes()
    inner = ws.root / "内层.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("民政局.xlsx", workbook)
    deepest = ws.root / "最内层.zip"
    with zipfile.ZipFile(deepest, "w") as archive:
        archive.writestr("x.xlsx", workbook)
    middle = ws.root / "中层.zip"
    with zipfile.ZipFile(middle, "w") as archive:
        archive.write(deepest, "最内层.zip")
    with zipfile.ZipFile(returns(ws) / "外层.zip", "w") as archive:
        archive.write(inner, "内层.zip")
        archive.write(middle, "中层.zip")
    outcome = collect(ws)
    assert verdict(outcome, "外层.zip/内层.zip/民政局.xlsx").records
    assert codes_of(outcome, "外层.zip/中层.zip/最内层.zip") == {"archive-nested"}


@pytest.mark.parametrize("name, magic", [("区民政局材料.rar", b"Rar!\x1a\x07\x01\x00"),
                                         ("区民政局材料.7z", b"7z\xbc\xaf\x27\x1c\x00\x04")])
def test_rar_and_7z_say_so_and_how_to_resend(ws, unit, name, magic):
    # a RAR5 header keeps member names in clear text: the unit inside is named
    (returns(ws) / name).write_bytes(magic + b"\x00" * 20 + "区财政局报表.xlsx".encode() + b"\x00" * 50)
    outcome = collect(ws)
    problem = verdict(outcome, name).problems[0]
    assert problem.code == "unsupported-archive"
    assert ("RAR" in problem.message or "7z" in problem.message) and ".zip" in problem.message
    assert "这不是电子表格文件" not in problem.message
    assert {unit, OTHER} <= set(verdict(outcome, name).units_inside)
    assert (ws.period_dir(PERIOD) / "退回" / f"{unit}.txt").exists()


# ---------------------------------------------------------------------------------------------- 7. still copying

def test_recently_modified_file_is_left_for_the_next_run(ws, unit, monkeypatch):
    monkeypatch.delenv("TOOLKIT_SETTLE_SECONDS")          # the [limits] default: 5 seconds
    target = fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    written = target.stat().st_mtime
    outcome = collect(ws, clock=lambda: written + 2)
    assert codes_of(outcome, "民政局.xlsx") == {"still-copying"}
    assert not verdict(outcome, "民政局.xlsx").rejected and outcome.exit_code == 0
    assert not list((ws.period_dir(PERIOD) / "退回").glob("*.txt")), "no 退回 letter for a file still arriving"
    assert not list(ws.archive(PERIOD).glob("*民政局.xlsx")), "archived only once it has settled"
    assert any("留待下次" in line for line in outcome.lines())
    again = collect(ws, clock=lambda: written + 60)
    assert verdict(again, "民政局.xlsx").records


def test_file_growing_while_read_is_left_for_the_next_run(ws, unit, monkeypatch):
    from toolkit.collect import command

    target = fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    real = command.file_sha256

    def still_arriving(path):
        digest = real(path)
        if path == target:
            with open(path, "ab") as handle:
                handle.write(b"more bytes")
        return digest

    monkeypatch.setattr(command, "file_sha256", still_arriving)
    assert codes_of(collect(ws), "民政局.xlsx") == {"still-copying"}


# ---------------------------------------------------------------------------------------------- 8. links

def test_links_are_reported_never_followed_out_of_the_inbox(ws, unit):
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    os.symlink("/etc/passwd", returns(ws) / "区财政局.xlsx")
    os.symlink(returns(ws) / "民政局.xlsx", returns(ws) / "副本.xlsx")
    os.symlink("环2.xlsx", returns(ws) / "环1.xlsx")
    os.symlink("环1.xlsx", returns(ws) / "环2.xlsx")
    os.symlink("/etc", returns(ws) / "外部文件夹")
    (returns(ws) / "无名.csv").write_text("序号,本期状态\n1,滞后\n", encoding="utf-8")   # an error of no known unit
    outcome = collect(ws)
    assert codes_of(outcome, "区财政局.xlsx") == {"link"}
    assert "以外" in verdict(outcome, "区财政局.xlsx").problems[0].message
    assert codes_of(outcome, "副本.xlsx") == {"link"}
    assert codes_of(outcome, "环1.xlsx") == {"link-loop"} and codes_of(outcome, "环2.xlsx") == {"link-loop"}
    assert codes_of(outcome, "外部文件夹") == {"link"}
    archived = [p.read_bytes() for p in ws.archive(PERIOD).rglob("*") if p.is_file()]
    assert not any(b"root:" in data for data in archived), "/etc/passwd never reaches 归档"
    assert verdict(outcome, "民政局.xlsx").records
    letter = (ws.period_dir(PERIOD) / "退回" / "未识别单位.txt").read_text(encoding="utf-8")
    assert "无名.csv" in letter and "链接" not in letter, "links are the clerk's matter, not in a unit's letter"


# ---------------------------------------------------------------------------------------------- 9. CSV

def test_csv_export_gets_its_own_message(ws, unit):
    (returns(ws) / "民政局.csv").write_text("序号,任务内容,本期状态,完成进度\n1,推进,序时推进,50\n", encoding="utf-8")
    (returns(ws) / "财政局.xlsx").write_bytes("序号\t任务内容\t本期状态\n1\t推进\t滞后\n".encode("gbk"))
    outcome = collect(ws)
    for name in ("民政局.csv", "财政局.xlsx"):
        problem = verdict(outcome, name).problems[0]
        assert problem.code == "csv-export" and "CSV" in problem.message and ".xlsx" in problem.message
    assert outcome.exit_code == 1


# ---------------------------------------------------------------------------------------------- 5. misleading

def test_empty_inbox_says_so_and_where_files_go(ws):
    with pytest.raises(ToolkitError, match="是空的") as caught:
        collect(ws)
    assert str(returns(ws)) in caught.value.message
    assert not (ws.period_dir(PERIOD) / "校验报告.xlsx").exists()


def test_ledger_open_refuses_before_any_report_is_written(ws, unit):
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    (ws.outputs / "~$台账.xlsx").write_bytes(b"owner")
    before = ws.ledger.read_bytes()
    with pytest.raises(LedgerLockedError):
        collect(ws)
    assert not (ws.period_dir(PERIOD) / "校验报告.xlsx").exists()
    assert not (ws.period_dir(PERIOD) / "汇总.xlsx").exists()
    assert ws.ledger.read_bytes() == before


def test_missing_workspace_folder_is_named_not_parse_advice(tmp_path):
    from conftest import run_toolkit

    for command in ("status", "collect", "issue", "circular"):
        result = run_toolkit(tmp_path / "不存在", command, PERIOD)
        assert result.returncode == 2, command
        assert "工作区文件夹" in result.stderr and "不存在" in result.stderr, (command, result.stderr)
        assert "parse" not in result.stderr and "Traceback" not in result.stderr


def test_stale_staging_folder_of_a_killed_run_is_removed(ws, unit):
    stale = ws.outputs / ".解压.999999.abc"
    (stale / "0-0").mkdir(parents=True)
    (stale / "0-0" / "x.xlsx").write_bytes(b"x")
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx")
    collect(ws)
    assert not stale.exists()
    assert not list(ws.outputs.glob(".解压.*")), "this run's own staging folder is gone too"
