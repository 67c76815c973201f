"""The command line speaks Chinese: Click's own texts for the common mistakes, help, a missing -w folder."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from conftest import SEED_NOTICE, run_toolkit
from toolkit.cli import main

# Click's English sentences (any version 8.x) that must never reach the clerk
ENGLISH = re.compile(r"Usage:|Error:|Try '|Missing argument|Missing option|No such (option|command)|Invalid value|"
                     r"is not one of|is not in the range|Show this message|Show the version|Options:|Commands:|"
                     r"does not exist|unexpected extra|requires an argument|Did you mean|\[default|Aborted|"
                     r"OPTIONS|COMMAND|ARGS|integer|float|boolean|range|valid")

MISTAKES = {
    "missing argument": (["parse"], "缺少参数“通知文件”"),
    "missing period": (["collect"], "缺少参数“周期”"),
    "no such option": (["parse", "--bogus", "x.txt"], "没有“--bogus”这个选项"),
    "misspelt option": (["issue", "2024-W12", "--dat", "2024-03-18"], "您要写的是不是"),
    "no such command": (["isue", "2024-W12"], "没有“isue”这个命令"),
    "invalid choice": (["periods", "--kind", "年"], "“年”不是可选的值"),
    "out of range": (["periods", "--year", "1800"], "超出范围"),
    "not a number": (["periods", "--year", "明年"], "不是有效的整数"),
    "option without value": (["collect", "2024-W12", "--from"], "后面需要写一个值"),
    "extra argument": (["status", "2024-W12", "多余"], "多写了参数"),
    "bad port": (["serve", "--port", "七"], "不是有效的整数"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_common_mistakes_are_told_in_chinese(name, tmp_path):
    args, expected = MISTAKES[name]
    result = run_toolkit(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1].startswith("错误：")
    assert not ENGLISH.search(result.stdout + result.stderr), result.stderr


@pytest.mark.parametrize("args", [["--help"], ["parse", "--help"], ["serve", "-h"], ["collect", "-h"], []])
def test_help_has_no_english_click_text(args):
    result = CliRunner().invoke(main, args)
    assert result.output.startswith("用法：")
    assert "显示本帮助并退出" in result.output or not args
    assert not ENGLISH.search(result.output), result.output


def test_main_help_lists_every_command_of_the_cycle():
    output = CliRunner().invoke(main, ["--help"]).output
    listing, commands = output.split("选项：")[0], output.split("命令：")[1]
    for command in ("parse", "issue", "status", "collect", "circular", "serve", "periods", "demo"):
        assert f"toolkit {command}" in listing, command
        assert re.search(rf"^\s+{command}\s+\S", commands, re.M), command


def test_a_workspace_folder_that_does_not_exist_says_so(tmp_path):
    result = run_toolkit(tmp_path / "没有这个目录", "status", "2024-W12")
    assert result.returncode == 2
    assert "工作区文件夹" in result.stderr and "不存在" in result.stderr and "没有这个目录" in result.stderr
    assert "Traceback" not in result.stderr and not ENGLISH.search(result.stderr)


def test_a_file_given_as_workspace_says_so(tmp_path):
    result = run_toolkit(SEED_NOTICE, "status", "2024-W12")
    assert result.returncode == 2 and "不是文件夹" in result.stderr


def test_version_is_printed():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and re.fullmatch(r"督查台账工具箱 \d+\.\d+\.\d+\s*", result.output)


def test_parse_check_writes_nothing(tmp_path):
    result = run_toolkit(tmp_path, "parse", "--check", str(SEED_NOTICE))
    assert result.returncode in (0, 1), result.stderr
    assert "识别任务 76 项" in result.stdout and "序号 | 任务内容 | 牵头领导" in result.stdout
    assert "没有写入任何文件" in result.stdout
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "inputs").exists()
