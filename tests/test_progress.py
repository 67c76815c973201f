"""toolkit.progress: the 序时 evaluation of DESIGN §6 on ledgers built in memory."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from toolkit.config import Config, Thresholds
from toolkit.models import (CO, LEAD, Assignment, IndicatorRecord, Ledger, NoticeInfo, ProgressRecord,
                            SubmissionRecord, Task)
from toolkit.periods import parse_period, schedule_percent
from toolkit.progress import evaluate, indicator_values

CONFIG = Config()
NOTICE_DATE = date(2024, 1, 12)
MARCH = parse_period("2024-03", CONFIG)
# 序时 at 2024-03-31 for the default window 2024-01-12 … 2024-12-31: 80 of 355 days
MARCH_SCHEDULE = 22.5

GONG_XIN, FA_GAI, TONG_JI = "区工业和信息化局", "区发展和改革局", "区统计局"


def task(task_id: str, due: date | None = None) -> Task:
    return Task(id=task_id, seq=int(task_id), section="聚力制造强区建设", subsection=None,
                text=f"任务{task_id}", due=due)


def report(task_id: str, state: str, progress: float | None, period: str = "2024-03",
           unit: str = GONG_XIN, text: str = "", received: datetime | None = None,
           values: dict[str, float] | None = None) -> ProgressRecord:
    return ProgressRecord(period=period, unit=unit, task_id=task_id, role=LEAD, state=state,
                          progress=progress, text=text or f"{unit}{period}进展", problems="", plan="",
                          indicator_values=values or {}, received=received)


def ledger_of(tasks: list[Task], records: list[ProgressRecord], leads=(GONG_XIN,), cos=(TONG_JI,),
              submissions: list[SubmissionRecord] | None = None) -> Ledger:
    assignments = [Assignment(t.id, unit, LEAD, "粗体") for t in tasks for unit in leads]
    assignments += [Assignment(t.id, unit, CO, "粗体") for t in tasks for unit in cos]
    return Ledger(info=NoticeInfo(date=NOTICE_DATE), tasks=tasks, assignments=assignments,
                  indicators=[], targets=[], progress=records, submissions=submissions or [])


def one(records: list[ProgressRecord], period=MARCH, config=CONFIG, **ledger_options):
    ledger = ledger_of([task("1")], records, **ledger_options)
    return evaluate(ledger, period, config)["1"]


def test_schedule_runs_from_notice_date_to_due():
    ledger = ledger_of([task("1"), task("2", due=date(2024, 6, 30))], [])
    result = evaluate(ledger, MARCH, CONFIG)
    assert result["1"].schedule == MARCH_SCHEDULE
    assert result["2"].schedule == schedule_percent(NOTICE_DATE, date(2024, 6, 30), MARCH.end) == 46.8


def test_window_starts_on_1_january_without_notice_date():
    ledger = ledger_of([task("1")], [])
    ledger.info = NoticeInfo(date=None)
    assert evaluate(ledger, MARCH, CONFIG)["1"].schedule == 24.9   # 91 of 366 days


def test_every_task_gets_a_status():
    ledger = ledger_of([task(str(n)) for n in range(1, 6)], [report("3", "序时推进", 30)])
    result = evaluate(ledger, MARCH, CONFIG)
    assert sorted(result) == ["1", "2", "3", "4", "5"]
    assert result["1"].state == "未报送" and result["3"].state == "序时推进"


@pytest.mark.parametrize("state, progress, expected_state, expected_warning", [
    ("已完成", 100, "已完成", "绿"),
    ("序时推进", 100, "已完成", "绿"),            # progress 100 is done whatever the words
    ("序时推进", 40, "超序时", "绿"),             # 40 ≥ 22.5 + 10
    ("序时推进", 32.4, "序时推进", "绿"),         # just under the 超序时 line
    ("序时推进", 22.5, "序时推进", "绿"),         # exactly on 序时
    ("滞后", 15, "滞后", "黄"),                   # behind by 7.5 < 20
    ("滞后", 2.5, "滞后", "红"),                  # behind by exactly 20
    ("未启动", 0, "未启动", "黄"),                # behind by 22.5 … but see the red case below
    ("未启动", None, "未启动", "黄"),
])
def test_state_and_warning_from_numbers(state, progress, expected_state, expected_warning):
    config = replace(CONFIG, thresholds=Thresholds(red_gap=30.0)) if state == "未启动" else CONFIG
    status = one([report("1", state, progress)], config=config)
    assert (status.state, status.warning) == (expected_state, expected_warning)
    assert status.schedule == MARCH_SCHEDULE


def test_not_started_far_behind_is_red():
    status = one([report("1", "未启动", 0)])          # behind by 22.5 ≥ 20
    assert (status.state, status.warning) == ("未启动", "红")


def test_no_report_is_missing_and_yellow_once():
    status = one([])
    assert (status.state, status.warning, status.progress) == ("未报送", "黄", None)


def test_missing_twice_is_red():
    submissions = [SubmissionRecord("2024-02", GONG_XIN, expected=True, reported=False),
                   SubmissionRecord("2024-03", GONG_XIN, expected=True, reported=False)]
    status = one([], submissions=submissions)
    assert (status.state, status.warning) == ("未报送", "红")


def test_missing_after_a_reported_period_stays_yellow():
    submissions = [SubmissionRecord("2024-02", GONG_XIN, expected=True, reported=True)]
    status = one([report("1", "序时推进", 15, period="2024-02", text="二月进展")], submissions=submissions)
    assert (status.state, status.warning) == ("未报送", "黄")
    # the last known report is still shown to the clerk
    assert (status.latest, status.last_period, status.progress) == ("二月进展", "2024-02", 15.0)


def test_previous_period_without_any_collection_does_not_count():
    # nobody was asked to report in February, so missing March alone is only 黄
    status = one([], submissions=[SubmissionRecord("2024-03", GONG_XIN)])
    assert status.warning == "黄"


def test_missed_reports_red_of_one_makes_any_miss_red():
    config = replace(CONFIG, thresholds=Thresholds(missed_reports_red=1))
    assert one([], config=config).warning == "红"


def test_missing_twice_counts_weekly_collection_within_months():
    # collection is weekly; February had expected weekly returns and none for task 1
    submissions = [SubmissionRecord("2024-W07", GONG_XIN)]
    assert one([], submissions=submissions).warning == "红"
    weekly_report = report("1", "序时推进", 10, period="2024-W07")
    assert one([weekly_report], submissions=submissions).warning == "黄"


def test_weekly_reports_count_for_the_month():
    status = one([report("1", "序时推进", 25, period="2024-W12")])   # week ends 03-24
    assert (status.state, status.last_period) == ("序时推进", "2024-W12")


def test_done_earlier_stays_done():
    status = one([report("1", "已完成", 100, period="2024-01", text="已竣工投产")])
    assert (status.state, status.warning, status.latest) == ("已完成", "绿", "已竣工投产")


def test_reports_after_the_period_do_not_count():
    status = one([report("1", "已完成", 100, period="2024-04")])
    assert status.state == "未报送"


def test_latest_report_wins_by_period_then_received_time():
    records = [
        report("1", "滞后", 10, period="2024-W12", text="第12周"),
        report("1", "序时推进", 30, period="2024-W13", text="第13周早稿", received=datetime(2024, 3, 28, 9)),
        report("1", "序时推进", 26, period="2024-W13", text="第13周改稿", received=datetime(2024, 3, 28, 16)),
        report("1", "序时推进", 50, period="2024-W11", text="更早"),
    ]
    status = one(records)
    assert (status.latest, status.progress, status.state) == ("第13周改稿", 26.0, "序时推进")


def test_overdue_and_unfinished_is_red():
    ledger = ledger_of([task("1", due=date(2024, 2, 29))], [report("1", "序时推进", 90)])
    status = evaluate(ledger, MARCH, CONFIG)["1"]
    assert status.schedule == 100.0
    assert (status.state, status.warning) == ("滞后", "红")


def test_overdue_and_done_is_green():
    ledger = ledger_of([task("1", due=date(2024, 2, 29))], [report("1", "已完成", 100)])
    assert evaluate(ledger, MARCH, CONFIG)["1"].warning == "绿"


def test_two_lead_units_the_lower_progress_decides():
    records = [report("1", "序时推进", 60, unit=GONG_XIN, text="工信进展"),
               report("1", "滞后", 12, unit=FA_GAI, text="发改进展")]
    status = one(records, leads=(GONG_XIN, FA_GAI))
    assert (status.progress, status.state, status.warning) == (12.0, "滞后", "黄")
    assert status.latest == f"{GONG_XIN}：工信进展\n{FA_GAI}：发改进展"


def test_two_leads_one_done_is_not_done():
    records = [report("1", "已完成", 100, unit=GONG_XIN), report("1", "序时推进", 30, unit=FA_GAI)]
    status = one(records, leads=(GONG_XIN, FA_GAI))
    assert (status.state, status.progress) == ("序时推进", 30.0)


def test_one_of_two_leads_reporting_is_enough_to_count_as_reported():
    status = one([report("1", "序时推进", 30, unit=FA_GAI)], leads=(GONG_XIN, FA_GAI))
    assert status.state == "序时推进"


def test_co_unit_report_does_not_decide_but_is_fed_back():
    records = [report("1", "已完成", 100, unit=TONG_JI, text="已完成数据审核")]
    status = one(records)
    assert status.state == "未报送"
    assert status.co_feedback == f"{TONG_JI}：已完成数据审核"


def test_old_co_feedback_names_its_period():
    records = [report("1", "序时推进", 30), report("1", "序时推进", 30, unit=TONG_JI, period="2024-01",
                                                  text="配合开展调度")]
    assert one(records).co_feedback == f"{TONG_JI}：配合开展调度（2024-01）"


def test_on_track_claim_below_schedule_is_flagged_and_numbers_win():
    status = one([report("1", "序时推进", 10)])
    assert status.state == "滞后"
    assert len(status.flags) == 1
    assert "序时推进" in status.flags[0] and "10%" in status.flags[0] and "22.5%" in status.flags[0]


def test_done_claim_below_100_is_flagged():
    status = one([report("1", "已完成", 80)])
    assert status.state == "超序时"
    assert status.flags and "已完成" in status.flags[0] and "80%" in status.flags[0]


def test_behind_claim_while_ahead_is_flagged():
    status = one([report("1", "滞后", 50)])
    assert status.state == "超序时"
    assert status.flags and "滞后" in status.flags[0]


def test_consistent_report_has_no_flag():
    assert one([report("1", "序时推进", 25)]).flags == []


def test_flags_name_the_unit_when_two_leads():
    records = [report("1", "序时推进", 5, unit=GONG_XIN), report("1", "序时推进", 30, unit=FA_GAI)]
    flags = one(records, leads=(GONG_XIN, FA_GAI)).flags
    assert flags == [f"{GONG_XIN}自报“序时推进”，但完成进度5%低于序时进度22.5%，按滞后计，请核实。"]


def test_flag_judges_a_weekly_claim_at_its_own_week():
    # at 2024-03-10 序时 is 16.6; claiming 序时推进 at 20 was true then, though 20 < 22.5 at month end
    status = one([report("1", "序时推进", 20, period="2024-W10")])
    assert status.state == "滞后" and status.flags == []


def test_tasks_without_assignments_use_their_parsed_lead_units():
    parsed = task("1")
    parsed.lead_units = [FA_GAI]
    ledger = Ledger(info=NoticeInfo(date=NOTICE_DATE), tasks=[parsed], assignments=[], indicators=[],
                    targets=[], progress=[report("1", "序时推进", 25, unit=FA_GAI)])
    assert evaluate(ledger, MARCH, CONFIG)["1"].state == "序时推进"


def test_indicator_values_latest_from_lead_up_to_period_end():
    ledger = ledger_of([task("1")], [
        report("1", "序时推进", 20, period="2024-02", values={"1#1": 40, "1#2": 3}),
        report("1", "序时推进", 30, period="2024-W12", values={"1#1": 55}),
        report("1", "序时推进", 60, period="2024-04", values={"1#1": 90}),          # after March
        report("1", "序时推进", 30, unit=TONG_JI, values={"1#1": 999}),              # co-unit
        report("1", "序时推进", 30, values={"9#9": 1}),                              # unknown id
    ])
    ledger.indicators = [IndicatorRecord("1#1", "1", "新建5G基站200个", 200, "个"),
                         IndicatorRecord("1#2", "1", "新增省级平台3个", 3, "个")]
    assert indicator_values(ledger, MARCH) == {"1#1": 55.0, "1#2": 3.0}


# -- the real holders: 责任分工 expanded through the unit directory ----------------------------------------

def directory():
    from toolkit.directory import Directory, Unit
    return Directory([Unit(GONG_XIN, ["区工信局"], "区直部门"), Unit(FA_GAI, [], "区直部门"),
                      Unit(TONG_JI, [], "区直部门"), Unit("甲镇", [], "镇街"), Unit("乙街道", [], "镇街")])


def ledger_with(assignments: list[tuple[str, str]], records: list[ProgressRecord]) -> Ledger:
    """Task 1 held by (unit or collective name, role) rows of 责任分工."""
    return Ledger(info=NoticeInfo(date=NOTICE_DATE), tasks=[task("1")], indicators=[], targets=[],
                  assignments=[Assignment("1", unit, role, "粗体") for unit, role in assignments],
                  progress=records)


def test_collective_lead_is_expanded_and_the_lowest_unit_decides():
    ledger = ledger_with([("各镇街", LEAD)], [report("1", "序时推进", 60, unit="甲镇", text="甲镇进展"),
                                              report("1", "序时推进", 25, unit="乙街道", text="乙街道进展")])
    assert evaluate(ledger, MARCH, CONFIG)["1"].state == "未报送"          # raw names: nobody is 各镇街
    status = evaluate(ledger, MARCH, CONFIG, directory())["1"]
    assert (status.state, status.progress) == ("序时推进", 25.0)
    assert status.latest == "甲镇：甲镇进展\n乙街道：乙街道进展"


def test_one_town_of_a_collective_reporting_counts_as_reported():
    ledger = ledger_with([("各镇街", LEAD)], [report("1", "滞后", 10, unit="乙街道")])
    assert evaluate(ledger, MARCH, CONFIG, directory())["1"].state == "滞后"


def test_alias_in_assignments_matches_reports_under_the_directory_name():
    ledger = ledger_with([("区工信局", LEAD), ("统计局", CO)], [report("1", "序时推进", 30),
                                                             report("1", "序时推进", 30, unit=TONG_JI,
                                                                    text="配合统计")])
    status = evaluate(ledger, MARCH, CONFIG, directory())["1"]
    assert (status.state, status.progress) == ("序时推进", 30.0)
    assert status.co_feedback == ""      # 统计局 is no directory name or alias: it stays as written


def test_co_units_decide_a_task_without_a_lead_and_a_flag_says_so():
    records = [report("1", "序时推进", 40, unit=FA_GAI), report("1", "滞后", 12, unit=TONG_JI)]
    for chosen in (None, directory()):
        status = evaluate(ledger_with([(FA_GAI, CO), (TONG_JI, CO)], records), MARCH, CONFIG, chosen)["1"]
        assert (status.state, status.progress, status.co_feedback) == ("滞后", 12.0, "")
        assert any("没有主办单位" in flag and FA_GAI in flag for flag in status.flags)


def test_a_task_nobody_holds_is_missing_with_a_flag():
    ledger = ledger_with([("相关镇街", CO)], [])
    status = evaluate(ledger, MARCH, CONFIG, directory())["1"]
    assert status.state == "未报送" and any("相关镇街" in flag for flag in status.flags)


def test_a_unit_named_lead_and_covered_as_co_counts_as_lead_only():
    ledger = ledger_with([(GONG_XIN, LEAD), ("甲镇", LEAD), ("各镇街", CO)],
                         [report("1", "序时推进", 30), report("1", "序时推进", 50, unit="甲镇", text="甲镇进展"),
                          report("1", "序时推进", 50, unit="乙街道", text="乙街道配合")])
    status = evaluate(ledger, MARCH, CONFIG, directory())["1"]
    assert status.co_feedback == "乙街道：乙街道配合"
    assert "甲镇：甲镇进展" in status.latest and status.progress == 30.0


def test_same_unit_as_lead_and_co_in_raw_names_is_no_echo():
    ledger = ledger_with([(GONG_XIN, LEAD), (GONG_XIN, CO)], [report("1", "序时推进", 30)])
    assert evaluate(ledger, MARCH, CONFIG)["1"].co_feedback == ""


def test_the_role_stored_on_a_report_is_not_trusted():
    record = report("1", "序时推进", 30, unit=FA_GAI)
    record.role = CO                      # reported as 协办, but 责任分工 now makes it the lead
    ledger = ledger_with([(FA_GAI, LEAD)], [record])
    assert evaluate(ledger, MARCH, CONFIG, directory())["1"].state == "序时推进"


def test_indicator_values_accept_the_expanded_lead_units():
    ledger = ledger_with([("各镇街", LEAD), (TONG_JI, CO)], [
        report("1", "序时推进", 30, unit="甲镇", period="2024-W11", values={"1#1": 20}),
        report("1", "序时推进", 30, unit="乙街道", period="2024-W12", values={"1#1": 35}),
        report("1", "序时推进", 30, unit=TONG_JI, period="2024-W13", values={"1#1": 999})])
    ledger.indicators = [IndicatorRecord("1#1", "1", "新建5G基站200个", 200, "个")]
    assert indicator_values(ledger, MARCH) == {}
    assert indicator_values(ledger, MARCH, directory()) == {"1#1": 35.0}


def test_reported_task_ids_and_ends_within():
    from toolkit.progress import ends_within, reported_task_ids
    ledger = ledger_with([("各镇街", LEAD), (TONG_JI, CO)], [report("1", "序时推进", 30, unit=TONG_JI)])
    assert reported_task_ids(ledger, MARCH, directory()) == set()
    ledger.progress.append(report("1", "序时推进", 30, unit="甲镇", period="2024-W13"))   # ends 03-31
    assert reported_task_ids(ledger, MARCH, directory()) == {"1"}
    assert ends_within("2024-W13", MARCH) and not ends_within("2024-W14", MARCH)
    assert not ends_within("不是期别", MARCH)
