"""Task states follow the real holders of a task: 各乡镇 expanded to the towns, aliases resolved, co-units
deciding a task without a lead unit, and the 任务台账 kept at the newest collected week.

Everything runs on real files: an invented notice (青川县) → parse → 单位名录 → issue → workbooks filled with
openpyxl the way a unit would in Excel → collect → the ledger read back from disk → the circular's context.
"""
from __future__ import annotations

import os
import warnings
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import run_toolkit

from toolkit.errors import ToolkitWarning
from toolkit.models import CO, LEAD, SOURCE_CLERK, Assignment
from toolkit.workspace import Workspace

TOWNS = ("城关镇", "木鱼镇", "乔庄镇")
GONG_XIN, GONG_XIN_ALIAS = "县工业和信息化局", "县工信局"
FA_GAI, FA_GAI_ALIAS = "县发展和改革局", "县发改局"
SHANG_WU = "县商务局"

NOTICE = [
    "青政发〔2024〕5号", "青川县人民政府", "关于分解落实2024年县政府重点工作任务的通知",
    "各乡镇人民政府，县政府各部门：", "现将县政府重点工作任务分解如下，请认真抓好落实。",
    "一、主要目标", "全县地区生产总值增长6%左右。",
    "二、重点任务",
    "1.改造农村公厕150座。（牵头领导：王某某。责任单位：各乡镇）",
    "2.实施技改项目20个。（牵头领导：王某某。责任单位：县工信局、县发改局）",
    "3.举办促消费活动30场。（牵头领导：李某某。牵头单位：县商务局。配合单位：各乡镇）",
    "4.新增限上企业20家。（牵头领导：李某某。责任单位：县发改局、县商务局）",
    "青川县人民政府", "2024年3月1日", "抄送：县委办公室。",
]


# ------------------------------------------------------------------------------------------ the workspace

def make_workspace(root: Path) -> Workspace:
    from toolkit.directory import Unit, collective, write_directory
    from toolkit.ledger import load_ledger, save_ledger
    from toolkit.notice import parse_into_ledger

    (root / "inputs").mkdir(parents=True)
    notice = root / "inputs" / "通知.txt"
    notice.write_text("\n".join(NOTICE), encoding="utf-8")
    ws = Workspace.at(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        parse_into_ledger(ws, notice)
    # the clerk's 单位名录: full names with the notice's short names as aliases, and the district's towns
    units = [Unit(GONG_XIN, [GONG_XIN_ALIAS], "区直部门"), Unit(FA_GAI, [FA_GAI_ALIAS], "区直部门"),
             Unit(SHANG_WU, [], "区直部门")] + [Unit(town, [], "镇街") for town in TOWNS]
    write_directory(ws.directory, units, [collective("各乡镇")])
    # the clerk's 责任分工 edits: task 4 has only co-units; 城关镇 also leads task 3 (and is covered by 各乡镇)
    ledger = load_ledger(ws)
    for a in ledger.assignments:
        if a.task_id == "4":
            a.role, a.source = CO, SOURCE_CLERK
    ledger.assignments.append(Assignment("3", TOWNS[0], LEAD, SOURCE_CLERK))
    save_ledger(ws, ledger)
    return ws


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("holders") / "ws").root


@pytest.fixture
def ws(template, tmp_path) -> Workspace:
    import shutil
    shutil.copytree(template, tmp_path / "ws")
    return Workspace.at(tmp_path / "ws")


def issue(ws: Workspace, week: str, monday: date) -> None:
    from toolkit.forms import issue_forms
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        issue_forms(ws, week, as_of=monday)


def fill(ws: Workspace, week: str, unit: str, rows: dict[str, tuple[str, float, str]],
         indicators: dict[str, float] | None = None, when: datetime | None = None) -> Path:
    """Fill the issued workbook of `unit` like Excel would: task id → (本期状态, 完成进度, 本期进展)."""
    import openpyxl

    source = ws.issued_dir(week) / f"{unit}.xlsx"
    book = openpyxl.load_workbook(source)
    meta = {str(r[0]): str(r[1]) for r in book["_meta"].iter_rows(values_only=True) if r[0]}
    sheet = book["任务填报"]
    first, count = int(meta["task_first_row"]), int(meta["task_count"])
    for row in range(first, first + count):
        state, progress, text = rows[str(sheet.cell(row, 1).value)]
        sheet.cell(row, 8).value, sheet.cell(row, 9).value, sheet.cell(row, 10).value = state, progress, text
    sheet[meta["filler_cell"]] = "张三"
    sheet[meta["phone_cell"]] = "0839-7212345"
    sheet[meta["head_cell"]] = "李华"          # 单位负责人（审核）: a clean return is signed off (issue 13)
    values = book["指标填报"]
    first, count = int(meta["indicator_first_row"]), int(meta["indicator_count"])
    for row in range(first, first + count):
        values.cell(row, 7).value = (indicators or {}).get(str(values.cell(row, 1).value))
    target = ws.returns(week) / f"{unit}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    stamp = (when or datetime(2024, 3, 20, 10)).timestamp()
    os.utime(target, (stamp, stamp))
    return target


def collect(ws: Workspace, week: str):
    from toolkit.collect import collect_period
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        outcome = collect_period(ws, week)
    assert not outcome.problems, [(p.file, p.code, p.message) for p in outcome.problems]
    return outcome


def statuses_on_disk(ws: Workspace):
    from toolkit.ledger import load_ledger
    ledger = load_ledger(ws)
    return ledger, ledger.status


W12, W12_MONDAY = "2024-W12", date(2024, 3, 18)
W11, W11_MONDAY = "2024-W11", date(2024, 3, 11)


def all_report_w12(ws: Workspace) -> None:
    issue(ws, W12, W12_MONDAY)
    progress = {"城关镇": 60, "木鱼镇": 30, "乔庄镇": 45}
    for town, value in progress.items():
        fill(ws, W12, town, {"1": ("序时推进", value, f"{town}已改造公厕"),
                             "3": ("序时推进", value + 5, f"{town}配合促消费")})
    fill(ws, W12, GONG_XIN, {"2": ("序时推进", 40, "技改项目开工8个")}, {"2#1": 8})
    fill(ws, W12, FA_GAI, {"2": ("序时推进", 10, "配合技改项目审批"), "4": ("序时推进", 50, "发改培育限上企业")})
    fill(ws, W12, SHANG_WU, {"3": ("序时推进", 20, "商务局举办活动6场"), "4": ("滞后", 5, "商务局入库1家")})
    collect(ws, W12)


# ------------------------------------------------------------------------------------------ the tests

def test_the_notice_and_directory_give_the_holders_issue_uses(ws):
    from toolkit.directory import load_directory, unit_tasks
    from toolkit.ledger import load_ledger
    from toolkit.progress import task_holders

    ledger, directory = load_ledger(ws), load_directory(ws)
    holders = task_holders(ledger, directory)
    assert holders["1"].leads == TOWNS and holders["1"].cos == ()
    assert (holders["2"].leads, holders["2"].cos) == ((GONG_XIN,), (FA_GAI,))
    assert holders["3"].leads == (SHANG_WU, "城关镇") and holders["3"].cos == ("木鱼镇", "乔庄镇")
    assert holders["4"].co_decide and holders["4"].leads == (FA_GAI, SHANG_WU)
    # the same units as the workbooks issue writes
    by_task = {}
    for unit, held in unit_tasks(ledger, directory).items():
        for task_id, _ in held:
            by_task.setdefault(task_id, set()).add(unit)
    assert {t: set(h.leads + h.cos) for t, h in holders.items()} == by_task


def test_collective_lead_is_decided_by_the_lowest_town(ws):
    all_report_w12(ws)
    ledger, status = statuses_on_disk(ws)
    first = status["1"]
    assert first.state != "未报送"
    assert first.progress == 30.0                       # 木鱼镇, the lowest of 60 / 30 / 45
    assert first.last_period == W12
    assert all(f"{town}：{town}已改造公厕" in first.latest for town in TOWNS)
    assert "各乡镇" not in first.latest


def test_alias_in_the_assignments_still_matches_the_report(ws):
    all_report_w12(ws)
    ledger, status = statuses_on_disk(ws)
    assert [a.unit for a in ledger.assignments if a.task_id == "2"] == [GONG_XIN_ALIAS, FA_GAI_ALIAS]
    second = status["2"]
    assert (second.state, second.progress, second.latest) != ("未报送", None, "")
    assert second.progress == 40.0 and second.latest == "技改项目开工8个"
    assert second.co_feedback == f"{FA_GAI}：配合技改项目审批"      # the co-unit's feedback is kept
    assert next(i for i in ledger.indicators if i.id == "2#1").current == 8.0


def test_a_unit_both_lead_and_co_counts_as_lead_only(ws):
    all_report_w12(ws)
    _, status = statuses_on_disk(ws)
    third = status["3"]
    assert third.progress == 20.0                       # 县商务局 20 below 城关镇 65
    assert "城关镇：城关镇配合促消费" in third.latest
    assert "城关镇" not in third.co_feedback
    assert third.co_feedback == "木鱼镇：木鱼镇配合促消费\n乔庄镇：乔庄镇配合促消费"


def test_a_task_with_only_co_units_takes_its_state_from_them_with_a_flag(ws):
    all_report_w12(ws)
    _, status = statuses_on_disk(ws)
    fourth = status["4"]
    assert fourth.state != "未报送" and fourth.progress == 5.0
    assert fourth.co_feedback == ""
    assert any("没有主办单位" in flag and FA_GAI in flag and SHANG_WU in flag for flag in fourth.flags)


def test_without_returns_the_co_only_task_is_missing_but_still_flagged(ws):
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import load_ledger
    from toolkit.periods import parse_period

    config = load_config(ws)
    status = progress.evaluate(load_ledger(ws), parse_period(W12, config), config, load_directory(ws))
    assert status["4"].state == "未报送" and any("没有主办单位" in f for f in status["4"].flags)
    assert status["1"].state == "未报送" and status["1"].flags == []


def test_raw_names_without_a_directory_miss_the_town_reports(ws):
    """The reason for the fix: evaluated on 责任分工's raw names, 各乡镇 never reports."""
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.ledger import load_ledger
    from toolkit.periods import parse_period

    all_report_w12(ws)
    config = load_config(ws)
    raw = progress.evaluate(load_ledger(ws), parse_period(W12, config), config)
    assert raw["1"].state == "未报送" and raw["2"].state == "未报送"


def test_late_earlier_week_does_not_set_the_ledger_back(ws):
    issue(ws, W11, W11_MONDAY)
    all_report_w12(ws)
    for town in TOWNS:
        fill(ws, W11, town, {"1": ("序时推进", 10, f"{town}第11周"), "3": ("序时推进", 10, "第11周")},
             when=datetime(2024, 3, 25, 9))
    fill(ws, W11, GONG_XIN, {"2": ("序时推进", 15, "第11周技改")}, {"2#1": 3}, when=datetime(2024, 3, 25, 9))
    collect(ws, W11)
    ledger, status = statuses_on_disk(ws)
    assert {r.period for r in ledger.progress} == {W11, W12}        # the late week was merged
    assert (status["1"].progress, status["1"].last_period) == (30.0, W12)
    assert (status["2"].progress, status["2"].latest) == (40.0, "技改项目开工8个")
    assert next(i for i in ledger.indicators if i.id == "2#1").current == 8.0


def test_latest_submitted_period_is_the_newest_of_the_same_kind(ws):
    from toolkit.config import load_config
    from toolkit.ledger import load_ledger
    from toolkit.models import SubmissionRecord
    from toolkit.periods import parse_period
    from toolkit.progress import latest_submitted_period

    config = load_config(ws)
    ledger = load_ledger(ws)
    w11 = parse_period(W11, config)
    assert latest_submitted_period(ledger, w11, config) == w11
    ledger.submissions = [SubmissionRecord(W12, "城关镇"), SubmissionRecord("2024-04", "城关镇"),
                          SubmissionRecord("2024-W10", "城关镇")]
    assert latest_submitted_period(ledger, w11, config).id == W12          # a month does not count for weeks
    assert latest_submitted_period(ledger, parse_period("2024-03", config), config).id == "2024-04"


def test_circular_ranks_the_towns_never_the_collective(ws):
    from docxtpl import DocxTemplate

    from toolkit import circular
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import load_ledger
    from toolkit.periods import parse_period
    from toolkit.workspace import BUNDLED_TEMPLATES

    all_report_w12(ws)
    config = load_config(ws)
    ledger, directory = load_ledger(ws), load_directory(ws)
    period = parse_period(W12, config)
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "月调度.docx"))
    context = circular.build_context(ledger, period, "月调度", config, 1, date(2024, 3, 25), tpl,
                                     chart=False, directory=directory)
    ranked = {row["unit"] for row in context["unit_rows"]}
    assert ranked == set(TOWNS) | {GONG_XIN, FA_GAI, SHANG_WU}
    assert not ranked & {"各乡镇", GONG_XIN_ALIAS, FA_GAI_ALIAS}
    # every task's deciding units reported in W12, so nothing is listed as not updated
    assert context["not_updated"] == []
    assert circular.updated_task_ids(ledger, period, directory) == {"1", "2", "3", "4"}
    # without a directory a collective name is still never ranked
    raw = circular.unit_rows(ledger, context_statuses(ledger, period, config), period)
    assert not {row["unit"] for row in raw} & {"各乡镇", "各镇街"}


def context_statuses(ledger, period, config):
    from toolkit import progress
    return progress.evaluate(ledger, period, config)


@pytest.mark.parametrize("name", ["县各有关单位", "市级其他有关单位", "各区县政府（某某新区、某某管委会）", "相关乡镇（街道）",
                                  "各县（市、区）"])
def test_collective_names_of_other_notices_get_no_form_and_a_reminder(tmp_path, name):
    """A group name read from a notice is kept in 责任分工 but is no unit: no form, no 单位名录 row, a reminder."""
    from toolkit.directory import collective, load_directory
    from toolkit.ledger import load_ledger

    ws = tmp_path / "ws"
    (ws / "inputs").mkdir(parents=True)
    notice = ws / "inputs" / "通知.txt"
    notice.write_text("关于分解落实2024年重点工作任务的通知\n\n一、扩大有效需求\n\n"
                      f"1.年内新建5G基站200个。（牵头领导：王某。责任单位：县工业和信息化局、{name}）\n\n"
                      "2.深化财政体制改革。（牵头领导：李某。责任单位：县财政局）\n", encoding="utf-8")
    assert run_toolkit(ws, "parse", str(notice)).returncode in (0, 1)
    ledger = load_ledger(Workspace.at(ws))
    assert name in [a.unit for a in ledger.assignments if a.task_id == "1"]    # read, never dropped
    assert collective(name) is not None and collective(name).related_only
    assert load_directory(Workspace.at(ws)).find(name) is None
    result = run_toolkit(ws, "issue", "2024-W12", "--date", "2024-03-18")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    forms = {p.stem for p in (ws / "outputs" / "2024-W12" / "下发").glob("*.xlsx")}
    assert forms == {"县工业和信息化局", "县财政局"}
    assert name in result.stdout + result.stderr


def test_holders_and_known_units_from_one_expansion_are_those_of_their_own(ws):
    """collect expands 责任分工 once (directory.unit_tasks) and derives both what units hold and the holders."""
    from toolkit.directory import known_units, load_directory, unit_tasks
    from toolkit.ledger import load_ledger
    from toolkit.progress import task_holders

    ledger, directory = load_ledger(ws), load_directory(ws)
    ledger.assignments.append(Assignment("2", "区不存在局", CO, SOURCE_CLERK))      # a name not in 单位名录
    every_unit = unit_tasks(ledger, directory)
    assert "区不存在局" in every_unit
    known = known_units(every_unit, directory)
    assert list(known) == [unit for unit in every_unit if unit != "区不存在局"]   # the same order, the stray name out
    assert all(known[unit] == every_unit[unit] for unit in known)
    assert task_holders(ledger, directory, every_unit) == task_holders(ledger, directory)
