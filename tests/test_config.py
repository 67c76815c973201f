"""toolkit.config: defaults, the clerk's toolkit.toml, and errors that name the key and the line."""
from __future__ import annotations

import warnings
from datetime import date, time
from pathlib import Path

import pytest

from toolkit.config import Config, HolidayYear, load_config
from toolkit.errors import ConfigError, ToolkitWarning
from toolkit.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent


def workspace_with(tmp_path: Path, toml_text: str | bytes) -> Workspace:
    (tmp_path / "inputs").mkdir(exist_ok=True)
    target = tmp_path / "inputs" / "toolkit.toml"
    if isinstance(toml_text, bytes):
        target.write_bytes(toml_text)
    else:
        target.write_text(toml_text, encoding="utf-8")
    return Workspace.at(tmp_path)


def test_missing_file_gives_defaults(tmp_path):
    config = load_config(Workspace.at(tmp_path))
    assert config == Config()
    assert config.office.district == "兖州区"
    assert config.due.week_weekday == 4 and config.due.week_time == time(17, 0)
    assert config.due.month_day == 25
    assert config.thresholds.red_gap == 20.0 and config.thresholds.ahead_gap == 10.0
    assert config.thresholds.missed_reports_red == 2
    assert config.limits.max_file_mb == 20 and config.limits.max_zip_members == 1000
    assert config.holidays == {}


def test_repository_toml_equals_builtin_defaults():
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no unknown keys either
        config = load_config(Workspace.at(REPO))
    assert config == Config()


def test_repository_toml_writes_every_key():
    text = (REPO / "inputs" / "toolkit.toml").read_text(encoding="utf-8")
    defaults = Config()
    for section in ("office", "due", "thresholds", "circular", "limits", "collect"):
        assert f"[{section}]" in text
        for key in getattr(defaults, section).__dataclass_fields__:
            assert f"\n{key} = " in text, f"{section}.{key} missing from inputs/toolkit.toml"


def test_values_are_read(tmp_path):
    ws = workspace_with(tmp_path, """
[office]
supervision = "某区督查室"
[due]
week_weekday = 2
week_time = "12:00"
month_time = 09:30:00
[thresholds]
red_gap = 15
[circular]
cc = "区委办公室，区人大常委会办公室"
requirements = ["一是……", "二是……"]
""")
    config = load_config(ws)
    assert config.office.supervision == "某区督查室"
    assert config.office.district == "兖州区"           # untouched keys keep their defaults
    assert config.due.week_weekday == 2 and config.due.week_time == time(12, 0)
    assert config.due.month_time == time(9, 30)
    assert config.thresholds.red_gap == 15.0
    assert config.circular.cc == ("区委办公室", "区人大常委会办公室")
    assert config.circular.requirements == ("一是……", "二是……")


def test_wrong_value_names_key_and_line(tmp_path):
    ws = workspace_with(tmp_path, "# 设置\n\n[office]\ndistrict = \"兖州区\"\n\n[due]\nweek_time = \"17:00\"\n"
                                  "week_weekday = \"周四\"\n")
    with pytest.raises(ConfigError) as caught:
        load_config(ws)
    message = caught.value.message
    assert message.startswith("inputs/toolkit.toml 第8行 due.week_weekday")
    assert "1–7" in message and '"周四"' in message


@pytest.mark.parametrize("body, key, line", [
    ("[thresholds]\nred_gap = -5\n", "thresholds.red_gap", 2),
    ("[due]\n\nweek_time = \"25:00\"\n", "due.week_time", 3),
    ("[limits]\nmax_zip_members = 0\n", "limits.max_zip_members", 2),
    ("[circular]\ncc = [1, 2]\n", "circular.cc", 2),
    ("due.month_day = 40\n", "due.month_day", 1),
    ("[holidays.2027]\nholidays = [\"2027-13-01\"]\n", "holidays.2027.holidays", 2),
    ("[holidays.2027]\nholidays = [\"2028-01-01\"]\n", "holidays.2027.holidays", 2),
    ("[due]\nmonth_next = \"是\"\n", "due.month_next", 2),
])
def test_each_kind_of_wrong_value(tmp_path, body, key, line):
    with pytest.raises(ConfigError) as caught:
        load_config(workspace_with(tmp_path, body))
    assert f"第{line}行 {key} " in caught.value.message


def test_syntax_error_gives_line(tmp_path):
    ws = workspace_with(tmp_path, "[office]\ndistrict = \"兖州区\"\nsupervision = 兖州区政府督查室\n")
    with pytest.raises(ConfigError) as caught:
        load_config(ws)
    assert "第3行" in caught.value.message and "双引号" in caught.value.message


def test_non_utf8_file_says_how_to_fix(tmp_path):
    ws = workspace_with(tmp_path, "[office]\ndistrict = \"兖州区\"\n".encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        load_config(ws)
    assert "UTF-8" in caught.value.message


def test_bom_is_accepted(tmp_path):
    ws = workspace_with(tmp_path, "\ufeff[office]\ndistrict = \"某区\"\n".encode("utf-8"))
    assert load_config(ws).office.district == "某区"


def test_unknown_key_warns_with_line(tmp_path):
    ws = workspace_with(tmp_path, "[due]\nweek_weekdy = 3\n")
    with pytest.warns(ToolkitWarning, match="第2行.*due.week_weekdy"):
        config = load_config(ws)
    assert config.due.week_weekday == 4


def test_holidays_table(tmp_path):
    ws = workspace_with(tmp_path, """
[holidays.2027]
holidays = ["2027-01-01", 2027-02-08]
workdays = ["2027-02-06"]
""")
    config = load_config(ws)
    assert config.holidays == {2027: HolidayYear(holidays=frozenset({date(2027, 1, 1), date(2027, 2, 8)}),
                                                 workdays=frozenset({date(2027, 2, 6)}))}


def test_day_both_holiday_and_workday_is_rejected(tmp_path):
    ws = workspace_with(tmp_path, "[holidays.2027]\nholidays = [\"2027-02-06\"]\nworkdays = [\"2027-02-06\"]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(ws)
    assert "第3行 holidays.2027.workdays" in caught.value.message
