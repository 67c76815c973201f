"""The command line: Chinese help with an example for every command, exit codes, no tracebacks."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SEED_NOTICE, run_toolkit
from toolkit.cli import main

COMMANDS = ["parse", "periods", "issue", "collect", "status", "circular", "score", "serve", "demo"]
README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_chinese_help_with_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "示例" in result.output and f"toolkit {command}" in result.output
    description = result.output.split("\n")[2]          # the line after "Usage: …" and a blank line
    assert re.search(r"[\u4e00-\u9fff]", description), description


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command):
    assert f"toolkit {command}" in README


def test_readme_starts_with_the_two_commands():
    code = README.split("```")[1]
    assert "bash scripts/demo.sh" in code and "bash scripts/test.sh" in code


def test_main_help_shows_the_weekly_cycle():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


def test_usage_error_exits_2(tmp_path):
    result = run_toolkit(tmp_path, "issue")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_command_without_ledger_exits_2_with_a_chinese_message(tmp_path):
    result = run_toolkit(tmp_path, "issue", "2024-W12")
    assert result.returncode == 2
    assert "toolkit parse" in result.stderr and "Traceback" not in result.stderr


def test_bad_period_text_says_which_forms_are_accepted(tmp_path):
    run_toolkit(tmp_path, "parse", str(SEED_NOTICE), check=True)
    result = run_toolkit(tmp_path, "issue", "下周")
    assert result.returncode == 2 and "2024-W12" in result.stderr


def test_notice_path_relative_to_the_workspace(tmp_path):
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "通知.txt").write_bytes(SEED_NOTICE.read_bytes())
    result = run_toolkit(tmp_path, "parse", "inputs/通知.txt")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "outputs" / "台账.xlsx").exists()


def test_debug_shows_the_traceback(tmp_path):
    result = run_toolkit(tmp_path, "--debug", "issue", "2024-W12")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_periods_lists_due_times(tmp_path):
    result = run_toolkit(tmp_path, "periods", "--year", "2024", "--kind", "月")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 12 and lines[0].startswith("2024-01") and "截止 2024-01-25 17:00" in lines[0]


_LEAVING = """
import atexit, sys
atexit.register(lambda: print("拆除解释器", file=sys.stderr))
from toolkit.cli import entry
sys.argv = ["toolkit", *sys.argv[1:]]
entry()
"""


@pytest.mark.parametrize("args, code, one_shot", [
    (["periods", "--year", "2024"], 0, True),          # done
    (["status", "2024-W11"], 2, True),                  # could not run: no ledger
    (["--help"], 0, False),                             # not a command run: Python's own exit
])
def test_a_one_shot_command_leaves_at_once_with_its_code_and_all_its_output(tmp_path, args, code, one_shot):
    """entry() skips the interpreter's teardown (atexit handlers and all) once a one-shot command has flushed what
    it printed; anything else leaves the usual way."""
    import subprocess
    import sys

    from conftest import ROOT

    result = subprocess.run([sys.executable, "-c", _LEAVING, "-w", str(tmp_path), *args], capture_output=True,
                            text=True, cwd=str(ROOT), timeout=120)
    assert result.returncode == code, result.stderr
    assert ("拆除解释器" in result.stderr) != one_shot
    if args[0] == "periods":
        assert result.stdout.rstrip().splitlines()[-1].startswith("2024-12"), result.stdout[-300:]   # all of it
    if code == 2:
        assert result.stderr.startswith("错误：")


def test_a_profiled_command_leaves_the_usual_way_so_the_profile_is_written(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    profile = tmp_path / "periods.prof"
    result = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "toolkit", "-w",
                             str(tmp_path), "periods", "--year", "2024"], capture_output=True, text=True,
                            cwd=str(ROOT), timeout=120)
    assert result.returncode == 0, result.stderr
    assert profile.stat().st_size > 0
