"""考核评分 (issue 14): every point an event, the score their sum, the rules from toolkit.toml.

The cycle is built by the real commands: parse, issue W12 and W13, workbooks filled the way Excel does, collect.
区民政局 always reports on time; 区统计局 misses W13 and had one row rejected in W12; 区商务局 is late in W12 and
reports 1 % in W13, so its three tasks are 滞后 and red at the end of March (序时 22.5 %).
"""
from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import SEED_NOTICE, run_toolkit
from test_circular_truth import collect, fill_all

from toolkit.workspace import Workspace

ON_TIME, MISSES, LATE = "区民政局", "区统计局", "区商务局"
LATE_TASKS = ("9", "12", "17")          # the tasks 区商务局 leads in the seed notice


def fill_one(ws: Workspace, period_id: str, unit: str, received: datetime, progress: int) -> None:
    others = {p.stem for p in ws.issued_dir(period_id).glob("*.xlsx")} - {unit}
    fill_all(ws, period_id, received, skip=others, progress=progress)


def reject_first_row(ws: Workspace, period_id: str, unit: str) -> None:
    """The unit typed 150 as its first 完成进度: that row is rejected (bad-percent), the others are merged."""
    import openpyxl

    from toolkit import forms

    path = ws.returns(period_id) / f"{unit}.xlsx"
    stamp = path.stat().st_mtime
    book = openpyxl.load_workbook(path)
    sheet = book[forms.TASK_SHEET]
    columns = {c.value: c.column for c in sheet[forms.TASK_HEADER_ROW] if c.value}
    sheet.cell(forms.TASK_FIRST_ROW, columns["完成进度（%）"]).value = 150
    book.save(path)
    os.utime(path, (stamp, stamp))


def parse_and_issue(root: Path, weeks: dict[str, str], before_issue=lambda ws: None) -> Workspace:
    """A workspace with the seed notice parsed by `toolkit parse` and forms issued for {week: its Monday}."""
    (root / "inputs").mkdir()
    shutil.copy(SEED_NOTICE, root / "inputs" / SEED_NOTICE.name)
    run_toolkit(root, "parse", str(root / "inputs" / SEED_NOTICE.name), check=True)
    ws = Workspace.at(root)
    before_issue(ws)
    for period_id, monday in weeks.items():
        assert run_toolkit(root, "issue", period_id, "--date", monday).returncode in (0, 1)
    return ws


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scoring")
    ws = parse_and_issue(root, {"2024-W12": "2024-03-18", "2024-W13": "2024-03-25"})
    fill_all(ws, "2024-W12", datetime(2024, 3, 20, 10), skip=(LATE,))
    fill_one(ws, "2024-W12", LATE, datetime(2024, 3, 22, 10), 60)        # due Thursday 3-21 17:00
    reject_first_row(ws, "2024-W12", MISSES)
    collect(root, "2024-W12")
    fill_all(ws, "2024-W13", datetime(2024, 3, 27, 10), skip=(MISSES, LATE))
    fill_one(ws, "2024-W13", LATE, datetime(2024, 3, 27, 10), 1)
    collect(root, "2024-W13")
    return root


def scored(root: Path, period_id: str = "2024-03") -> tuple[dict, dict, str]:
    """(unit → total, unit → [(rule, period, points, task)], stdout) from the real command and its 考核.xlsx."""
    from python_calamine import CalamineWorkbook

    result = run_toolkit(root, "score", period_id)
    assert result.returncode == 0, result.stdout + result.stderr
    book = CalamineWorkbook.from_path(str(root / "outputs" / period_id / "考核.xlsx"))
    totals_rows = book.get_sheet_by_name("考核得分").to_python()
    header = totals_rows[0]
    totals = {r[header.index("单位")].rstrip("*"): r[header.index("得分")] for r in totals_rows[1:]}
    events: dict[str, list] = {}
    rows = book.get_sheet_by_name("扣加分明细").to_python()
    h = rows[0]
    for r in rows[1:]:
        events.setdefault(r[h.index("单位")], []).append(
            (r[h.index("规则")], r[h.index("期次")], r[h.index("分值")], str(r[h.index("任务序号")])))
    return totals, events, result.stdout


def expected_events(missed=0.5, late=0.1, lagging=1.0, red=2.0, rejected=0.1) -> dict[str, list]:
    base = [("基础分", "2024-03", 100, "")]
    return {
        ON_TIME: base,
        MISSES: base + [("未报送", "2024-W13", -missed, ""), ("校验拒收", "2024-W12", -rejected, "")],
        LATE: base + [("迟报", "2024-W12", -late, "")]
        + [("月末滞后", "2024-03", -lagging, t) for t in LATE_TASKS]
        + [("月末红色预警", "2024-03", -red, t) for t in LATE_TASKS],
    }


def test_each_units_events_are_what_the_default_rules_give(cycle):
    totals, events, stdout = scored(cycle)
    for unit, wanted in expected_events().items():
        assert sorted(events[unit]) == sorted(wanted), unit
    assert totals[ON_TIME] == 100 and totals[MISSES] == pytest.approx(99.4) and totals[LATE] == pytest.approx(90.9)
    for unit, found in events.items():       # the score is the sum of its events, for every unit
        assert totals[unit] == pytest.approx(sum(e[2] for e in found)), unit
    assert "得分最高" in stdout and "得分最低" in stdout and LATE in stdout.split("得分最低")[1]


def test_events_say_where_they_come_from(cycle):
    from python_calamine import CalamineWorkbook

    scored(cycle)
    rows = CalamineWorkbook.from_path(str(cycle / "outputs" / "2024-03" / "考核.xlsx")) \
        .get_sheet_by_name("扣加分明细").to_python()
    h = rows[0]
    sources = {(r[h.index("单位")], r[h.index("规则")]): r[h.index("出处")] for r in rows[1:]}
    rejected = sources[(MISSES, "校验拒收")]
    assert rejected.startswith("2024-W12/校验报告.xlsx 第") and f"{MISSES}.xlsx 第" in rejected and "bad-percent" in rejected
    assert f"{LATE}.xlsx" in sources[(LATE, "迟报")] and "2024-03-22 10:00" in sources[(LATE, "迟报")]
    assert "3月月末评价" in sources[(LATE, "月末滞后")]


def test_the_ledger_keeps_the_running_year_and_marks_units_with_few_tasks(cycle):
    from toolkit.ledger import load_ledger

    totals, _, _ = scored(cycle)
    year = {r.unit: r for r in load_ledger(Workspace.at(cycle)).scores}
    assert year[LATE].total == pytest.approx(totals[LATE])        # only March was collected this year
    assert year[LATE].by_rule["月末红色预警"] == -6 and year[LATE].until == date(2024, 3, 31)
    assert year[MISSES].marked and not year[LATE].marked           # 区统计局 leads one task, 区商务局 three


def test_changing_a_rule_in_toolkit_toml_changes_the_score(cycle, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(cycle, root)
    (root / "inputs" / "toolkit.toml").write_text("[scoring]\nmissed = 3\nred = 1\n\n[scoring.weights]\n\"区直部门\" = 1.0\n",
                                                  encoding="utf-8")
    totals, events, _ = scored(root)
    for unit, wanted in expected_events(missed=3, red=1).items():
        assert sorted(events[unit]) == sorted(wanted), unit
    assert totals[MISSES] == pytest.approx(96.9) and totals[LATE] == pytest.approx(93.9) and totals[ON_TIME] == 100


def test_a_category_weight_scales_additions_and_deductions_not_the_base(cycle, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(cycle, root)
    (root / "inputs" / "toolkit.toml").write_text("[scoring.weights]\n\"区直部门\" = 0.5\n", encoding="utf-8")
    totals, _, _ = scored(root)
    assert totals[LATE] == pytest.approx(100 - 9.1 / 2) and totals[ON_TIME] == 100


def test_a_period_without_collections_is_refused(cycle):
    result = run_toolkit(cycle, "score", "2024-05")
    assert result.returncode == 2 and "无法考核" in result.stderr and "Traceback" not in result.stderr


def test_half_year_and_year_add_up_the_months(cycle):
    totals, _, _ = scored(cycle)
    half, _, _ = scored(cycle, "2024-H1")
    year, _, _ = scored(cycle, "2024")
    assert half == year == totals       # only March was collected: nothing else counts


# ------------------------------------------------------------------------------------------ the rules one by one

def small_ledger(due: date | None = None):
    from toolkit.models import Ledger, NoticeInfo, ProgressRecord, SubmissionRecord, Task

    tasks = [Task(id="1", seq=1, section="一", subsection=None, text="建成项目。", lead_units=["甲局"],
                  co_units=["乙局"], due=due)]
    progress = [ProgressRecord(p, "甲局", "1", "主办", "序时推进", 50, "", "", "", received=datetime(2024, 3, 20))
                for p in ("2024-W12", "2024-W16")]
    submissions = [SubmissionRecord(p, u, True, True, datetime(2024, 3, 20)) for p in ("2024-W12", "2024-W16")
                   for u in ("甲局", "乙局")]
    return Ledger(info=NoticeInfo(date=date(2024, 1, 12)), tasks=tasks, assignments=[], indicators=[], targets=[],
                  progress=progress, submissions=submissions)


def events_of(ledger, period_id: str, **kwargs) -> list[tuple]:
    from toolkit import scoring
    from toolkit.config import Config
    from toolkit.periods import parse_period

    config = Config()
    scores = scoring.unit_scores(ledger, parse_period(period_id, config, reporting=True), config, **kwargs)
    return sorted((e.unit, e.rule, e.points, e.period) for s in scores for e in s.events if e.rule != "基础分")


def test_overdue_costs_lead_and_co_units_once_at_the_first_month_with_data_after_the_deadline():
    ledger = small_ledger(due=date(2024, 3, 20))      # March rests on W12, whose data ends 3-24
    overdue = [("乙局", "逾期未完成", -2.5, "2024-03"), ("甲局", "逾期未完成", -5.0, "2024-03")]
    march = events_of(ledger, "2024-03")
    assert [e for e in march if e[1] == "逾期未完成"] == overdue
    assert not [e for e in events_of(ledger, "2024-04") if e[1] == "逾期未完成"]     # once, not every month
    assert [e for e in events_of(ledger, "2024") if e[1] == "逾期未完成"] == overdue


def test_a_task_closed_on_time_credits_its_holders_and_one_closed_late_does_not():
    from toolkit.scoring import Closure

    ledger = small_ledger(due=date(2024, 4, 30))
    on_time = [Closure("1", "甲局", date(2024, 4, 20), "销号审核第2行（同意）")]
    assert [e for e in events_of(ledger, "2024-04", closures=on_time) if e[1] == "按时销号"] == [
        ("乙局", "按时销号", 0.5, "2024-04"), ("甲局", "按时销号", 1.0, "2024-04")]
    late = [Closure("1", "甲局", date(2024, 5, 6), "销号审核第2行（同意）")]
    assert not [e for e in events_of(ledger, "2024-05", closures=late) if e[1] == "按时销号"]
    # closed before the month end: not overdue either
    assert not [e for e in events_of(small_ledger(date(2024, 3, 20)), "2024-03",
                                     closures=[Closure("1", "甲局", date(2024, 3, 24))]) if e[1] == "逾期未完成"]


def test_rejected_rows_are_capped_per_unit_and_period():
    from toolkit.scoring import RejectedRow

    rows = [RejectedRow("2024-W12", "甲局", "甲局.xlsx", 6 + n, 2 + n, "bad-percent") for n in range(30)]
    found = [e for e in events_of(small_ledger(), "2024-03", rejected=rows) if e[1] == "校验拒收"]
    assert len(found) == 20 and sum(e[2] for e in found) == pytest.approx(-2.0)
    # a period that was not collected costs nothing, however many rows its report might list
    elsewhere = [RejectedRow("2024-W14", "甲局", "甲局.xlsx", 6, 2)]
    assert not [e for e in events_of(small_ledger(), "2024-04", rejected=elsewhere) if e[1] == "校验拒收"]


# ------------------------------------------------------------------------------------------ the settings

def test_scoring_settings_are_checked_like_the_others(tmp_path):
    import warnings

    from toolkit.config import load_config
    from toolkit.errors import ConfigError, ToolkitWarning

    (tmp_path / "inputs").mkdir()
    toml = tmp_path / "inputs" / "toolkit.toml"
    ws = Workspace.at(tmp_path)
    toml.write_text("[scoring]\nbase = 100\nmissed = \"半分\"\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="第3行 scoring.missed 应为 0–1000 的数"):
        load_config(ws)
    toml.write_text("[scoring.weights]\n\"镇街\" = 0.8\n\"乡镇\" = 2\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ToolkitWarning)
        config = load_config(ws)
    assert config.scoring.weight("镇街") == 0.8 and config.scoring.weight("区直部门") == 1.0
    assert any("scoring.weights.乡镇" in str(w.message) and "第3行" in str(w.message) for w in caught)
    # the bundled toolkit.toml states every default the code has
    from toolkit.config import ScoringConfig
    assert load_config(Workspace.at(Path(__file__).resolve().parent.parent)).scoring == ScoringConfig()
