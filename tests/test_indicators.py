"""Tests of toolkit/notice/indicators.py against the real notice 济兖政发〔2024〕1号 and hand-made text."""
from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from toolkit.errors import ToolkitWarning
from toolkit.notice.indicators import (chinese_to_int, extract_indicators, extract_targets,
                                       find_candidates, find_deadline, rejection_reason)

NOTICE = Path(__file__).resolve().parent.parent / "inputs" / "济兖政发〔2024〕1号.txt"
TASK_LINE = re.compile(r"^(\d+)\.(.*)$")
RESPONSIBILITY_TAIL = re.compile(r"（牵头领导：.*$")


@pytest.fixture(scope="module")
def notice_text() -> str:
    return NOTICE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def task_bodies(notice_text) -> dict[int, str]:
    """Task number → body text without its number and its （牵头领导：…） tail."""
    bodies = {}
    for line in notice_text.splitlines():
        match = TASK_LINE.match(line)
        if match:
            bodies[int(match.group(1))] = RESPONSIBILITY_TAIL.sub("", match.group(2))
    return bodies


def test_the_notice_has_76_tasks(task_bodies):
    assert sorted(task_bodies) == list(range(1, 77))


# ---------------------------------------------------------------------------
# Kept indicators, checked by hand against the notice: (task, phrase, value, unit)

KEPT = [
    (1, "年内工业营收创千亿", 1000, "亿"),
    (1, "年内完成投资80亿元", 80, "亿元"),
    (1, "年内新增营收40亿元", 40, "亿元"),
    (1, "突破400亿元", 400, "亿元"),
    (1, "高性能纸基包装新材料等3个项目加快实施", 3, "个"),
    (2, "年内新增营收过50亿元企业1家", 1, "家"),
    (2, "过亿元10家", 10, "家"),
    (2, "新增“四上”企业150家以上", 150, "家"),
    (5, "年内新增高新技术企业30家", 30, "家"),
    (6, "领军人才5人以上", 5, "人"),
    (8, "新建5G基站200个", 200, "个"),
    (8, "全区数字经济核心产业营收增长20%以上", 20, "%"),
    (9, "开展汽车下乡活动10场以上", 10, "场"),
    (10, "新建1处高品质住宅项目", 1, "处"),
    (11, "打造乔家街、端信里两处特色步行商业街", 2, "处"),
    (12, "力争引进营收过2000万元电商零售企业3家", 3, "家"),
    (12, "网络零售额增长20%以上", 20, "%"),
    (13, "全年完成固定资产投资256亿元以上", 256, "亿元"),
    (13, "用地指标1500亩", 1500, "亩"),
    (14, "其中过百亿元1个", 1, "个"),
    (14, "高规格办好京津冀、长三角、珠三角、闽东南4场推介会", 4, "场"),
    (17, "全年实际利用外资1亿美元", 1, "亿美元"),
    (17, "增长30%以上", 30, "%"),
    (21, "推进总投资396亿元的36个重点产业项目", 36, "个"),
    (22, "新建道路7.4公里", 7.4, "公里"),
    (23, "年货运周转量突破80亿吨公里", 80, "亿吨公里"),
    (23, "快递处理量突破11亿件", 11, "亿件"),
    (28, "改造13个小区供水管网", 13, "个"),
    (35, "确保粮食播种面积稳定在69.6万亩以上", 69.6, "万亩"),
    (36, "良种年产量达到9.6万吨", 9.6, "万吨"),
    (38, "建成12个市级", 12, "个"),
    (38, "7个区级示范片区", 7, "个"),
    (43, "年内非化石能源消费占比提高0.5个百分点", 0.5, "个百分点"),
    (43, "年产绿电能力由3.4亿度提升至11亿度", 11, "亿度"),
    (49, "全年新增城镇就业4000人以上", 4000, "人"),
    (49, "新建3处零工驿站", 3, "处"),
    (49, "利用直播带岗、人才夜市等方式开展线上线下招聘100场次以上", 100, "场次"),
    (50, "新增学位3360个", 3360, "个"),
    (50, "高中录取率稳定在72%以上", 72, "%"),
    (53, "300张家庭养老床位", 300, "张"),
    (53, "完成190户困难老年人家庭适老化改造", 190, "户"),
    (55, "新增参保人员4200人以上", 4200, "人"),
]


@pytest.mark.parametrize("task, phrase, value, unit", KEPT, ids=[case[1] for case in KEPT])
def test_kept_indicator(task_bodies, task, phrase, value, unit):
    assert phrase in task_bodies[task], "the phrase must be copied from the notice as written"
    found = [(i.value, i.unit) for i in extract_indicators(task_bodies[task]) if i.phrase == phrase]
    assert found == [(value, unit)]


# Rejected numbers: (task, words as written, value, unit, reason). The (value, unit) pair must
# not be an indicator of that task.
REJECTED = [
    (1, "宁德时代一期投资140亿元新能源动力电池项目", 140, "亿元", "项目规模"),
    (1, "总投资17.7亿元光伏项目", 17.7, "亿元", "项目规模"),
    (1, "一期10万吨高强力钢帘线项目", 10, "万吨", "项目规模"),
    (1, "新能源产业瞄准千亿级目标", 1000, "亿", "规模档次"),  # 创千亿 is kept: see below
    (1, "健康食品产业瞄准200亿级目标", 200, "亿", "规模档次"),
    (1, "两个二百亿级产业集群", 2, "个", "规模档次"),
    (1, "第二条生产线启动建设", 2, "条", "序数"),
    (2, "年内新增营收过50亿元企业1家", 50, "亿元", "门槛"),
    (12, "力争引进营收过2000万元电商零售企业3家", 2000, "万元", "门槛"),
    (14, "其中过百亿元1个", 100, "亿元", "门槛"),
    (21, "推进总投资396亿元的36个重点产业项目", 396, "亿元", "项目规模"),
    (23, "千亩集中连片现代物流产业基地", 1000, "亩", "项目规模"),
    (26, "全长20公里的都市区生态观光休闲带", 20, "公里", "项目规模"),
    (37, "依托全区68家农机合作社", 68, "家", "现有存量"),
    (43, "年产绿电能力由3.4亿度提升至11亿度", 3.4, "亿度", "基数"),
    (59, "确保不漏一户、不落一人", 1, "户", "否定"),
    (62, "省委省政府“八抓20条”创新措施", 20, "条", "引号内名称"),
    (62, "国务院安委会“十五条硬措施”", 15, "条", "引号内名称"),
    (71, "坚定捍卫“两个确立”", 2, "个", "引号内名称"),
    (75, "严格落实中央八项规定及其实施细则精神", 8, "项", "固定提法"),
]


@pytest.mark.parametrize("task, words, value, unit, reason", REJECTED, ids=[case[1] for case in REJECTED])
def test_rejected_number(task_bodies, task, words, value, unit, reason):
    body = task_bodies[task]
    assert words in body
    indicators = extract_indicators(body)
    if value == 1000 and unit == "亿":
        assert [i.phrase for i in indicators if i.value == 1000] == ["年内工业营收创千亿"]
    else:
        assert (value, unit) not in [(i.value, i.unit) for i in indicators]
    offset = body.index(words)
    reasons = {rejection_reason(body, c) for c in find_candidates(body)
               if offset <= c.start < offset + len(words) and (c.value, c.unit) == (value, unit)}
    assert reasons == {reason}


@pytest.mark.parametrize("text", [
    "围绕打造三个千亿、两个二百亿级产业集群目标",   # tier slogans
    "做好第五次全国经济普查",                       # ordinal
    "确保PM2.5年均浓度、优良率、重污染天数全面完成改善目标",  # a pollutant's name
    "构建“1+26”多网融合服务体系",                    # a name in quotes
    "突破500强招商",                                # a ranking, no unit
    "全面贯彻党的二十大精神",
    "常态化开展“书记区长企业家恳谈日”活动",
    "2024年政府工作的总体要求",                      # a year
    "开展安全生产治本攻坚三年行动",
])
def test_no_indicator_in(text):
    assert extract_indicators(text) == []


# Hand count of indicators per task of the real notice (tasks not listed have none).
EXPECTED_PER_TASK = {
    1: 13, 2: 6, 5: 6, 6: 2, 7: 2, 8: 6, 9: 2, 10: 1, 11: 1, 12: 3, 13: 9, 14: 5, 15: 1,
    17: 6, 18: 1, 21: 9, 22: 5, 23: 2, 27: 2, 28: 4, 29: 2, 35: 1, 36: 6, 38: 2, 39: 1,
    40: 4, 41: 1, 42: 2, 43: 3, 46: 1, 48: 2, 49: 8, 50: 4, 51: 3, 52: 4, 53: 5, 54: 2,
    55: 1, 61: 1,
}
# Numbers that appear in a task but are not its indicators (names, sizes, thresholds …)
REJECTED_VALUES = {
    1: {140, 8, 9, 105, 17.7, 100, 170, 103, 11.2, 12, 2, 1.5, 35, 10.5, 50, 6, 200, 10},
    2: {50}, 8: {5}, 12: {2000}, 14: {100, 50, 10, 500}, 18: {2}, 19: {5}, 21: {396, 195, 1000},
    22: {168}, 23: {20, 5, 1000}, 26: {20}, 31: {1, 26}, 37: {68}, 43: {3.4}, 44: {2.5},
    49: {20}, 59: {1}, 60: {4}, 62: {15, 20, 8, 3}, 71: {2, 20}, 75: {8}, 76: {3},
}


def test_whole_notice(task_bodies):
    per_task = {n: extract_indicators(body) for n, body in task_bodies.items()}
    counts = {n: len(found) for n, found in per_task.items() if found}
    assert counts == EXPECTED_PER_TASK
    assert sum(counts.values()) == 139
    for task, rejected in REJECTED_VALUES.items():
        values = {i.value for i in per_task[task]}
        assert not values & rejected, f"任务{task}"
    for task, found in per_task.items():
        body = task_bodies[task]
        for indicator in found:
            assert indicator.phrase in body
            assert indicator.phrase[0] not in "、，。；：", indicator.phrase
            assert indicator.value > 0
            assert "2024" not in indicator.phrase


def test_indicators_come_in_text_order(task_bodies):
    body = task_bodies[13]
    phrases = [i.phrase for i in extract_indicators(body)]
    assert [body.index(p) for p in phrases] == sorted(body.index(p) for p in phrases)
    assert phrases[:3] == ["突出抓好121个重点产业项目", "144个基础设施、社会民生、乡村振兴项目",
                           "谋划储备234个专项债券项目"]


def test_two_indicators_in_one_list(task_bodies):
    found = extract_indicators(task_bodies[1])
    paper = [(i.phrase, i.value) for i in found if i.value in (40, 400)]
    assert paper == [("年内新增营收40亿元", 40), ("突破400亿元", 400)]


def test_full_width_percent_and_chinese_count():
    found = extract_indicators("全年新建三十处口袋公园，绿化覆盖率提高到45％以上。")
    assert [(i.phrase, i.value, i.unit) for i in found] == [
        ("全年新建三十处口袋公园", 30, "处"), ("绿化覆盖率提高到45％以上", 45, "％")]


# ---------------------------------------------------------------------------
# Headline targets

def test_targets_of_section_one(notice_text):
    section = notice_text[notice_text.index("一、总体要求"):notice_text.index("二、聚力制造强区")]
    targets = [(t.name, t.value, t.unit) for t in extract_targets(section)]
    assert targets == [
        ("GDP增长", 6.5, "%"),
        ("一般公共预算收入增长", 6, "%"),
        ("固定资产投资增长", 10, "%"),
        ("社会消费品零售总额增长", 8, "%"),
        ("城镇居民人均可支配收入增长", 6.5, "%"),
        ("农村居民人均可支配收入增长", 7, "%"),
    ]


def test_targets_ignore_text_without_a_target_sentence():
    assert extract_targets("突出抓好九项重点任务。") == []


# ---------------------------------------------------------------------------
# Deadlines

@pytest.mark.parametrize("text, written, due", [
    ("年内新增高新技术企业30家", "年内", date(2024, 12, 31)),
    ("全年新增城镇就业4000人以上", "全年", date(2024, 12, 31)),
    ("今年实现全覆盖", "今年", date(2024, 12, 31)),
    ("6月底前完成招标", "6月底前", date(2024, 6, 30)),
    ("上半年开工建设", "上半年", date(2024, 6, 30)),
    ("一季度完成规划编制", "一季度", date(2024, 3, 31)),
    ("第一季度完成规划编制", "第一季度", date(2024, 3, 31)),
    ("三季度竣工投产", "三季度", date(2024, 9, 30)),
    ("年底前建成运营", "年底前", date(2024, 12, 31)),
    ("完成时限：2024年9月", "2024年9月", date(2024, 9, 30)),
    ("2024年10月底前完成验收", "2024年10月底前", date(2024, 10, 31)),
    ("9月15日前报送方案", "9月15日前", date(2024, 9, 15)),
    ("今年6月底前完成", "今年6月底前", date(2024, 6, 30)),
    ("十二月底前完成", "十二月底前", date(2024, 12, 31)),
    ("2025年底前全部建成", "2025年底前", date(2025, 12, 31)),
])
def test_deadline(text, written, due):
    assert find_deadline(text, 2024) == (written, due)


@pytest.mark.parametrize("text", [
    "完善联系服务企业机制，切实减轻企业负担",
    "开展安全生产治本攻坚三年行动",          # 三年 is a span, not this year
    "",
])
def test_no_deadline(text):
    assert find_deadline(text, 2024) == (None, None)


def test_impossible_date_is_ignored_with_a_warning():
    with pytest.warns(ToolkitWarning, match="2月30日前"):
        assert find_deadline("2月30日前完成，年底前验收", 2024) == ("年底前", date(2024, 12, 31))


def test_latest_deadline_is_the_tasks_deadline():
    text = "一季度完成规划编制，6月底前开工建设，年底前建成运营"
    assert find_deadline(text, 2024) == ("年底前", date(2024, 12, 31))
    assert find_deadline("9月15日前报送方案，上半年完成招标", 2024) == ("9月15日前", date(2024, 9, 15))


def test_deadline_uses_the_notice_year():
    assert find_deadline("三季度竣工", 2025) == ("三季度", date(2025, 9, 30))


def test_deadlines_of_the_real_notice(task_bodies):
    deadlines = {n: find_deadline(body, 2024) for n, body in task_bodies.items()}
    assert deadlines[49] == ("全年", date(2024, 12, 31))
    assert deadlines[29] == ("年内", date(2024, 12, 31))
    assert deadlines[16] == (None, None)
    assert all(due in (None, date(2024, 12, 31)) for _, due in deadlines.values())


# ---------------------------------------------------------------------------
# Chinese numerals

DIGIT_CHARS = "零一二三四五六七八九"


def write_chinese(n: int) -> str:
    """An independent writer of the standard form: 10 → 一十, 105 → 一百零五, 20300 → 二万零三百."""
    if n == 0:
        return "零"
    high, low = divmod(n, 10_000)
    if not high:
        return _write_below_10000(low)
    text = _write_below_10000(high) + "万"
    if low:
        text += ("零" if low < 1000 else "") + _write_below_10000(low)
    return text


def _write_below_10000(n: int) -> str:
    text, pending_zero = "", False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // power % 10
        if digit:
            if pending_zero:
                text += "零"
            text += DIGIT_CHARS[digit] + unit
            pending_zero = False
        elif text:
            pending_zero = True
    return text


@given(st.integers(min_value=1, max_value=9999))
def test_chinese_round_trip_below_10000(n):
    assert chinese_to_int(write_chinese(n)) == n


@given(st.integers(min_value=1, max_value=99_999_999))
def test_chinese_round_trip_with_wan(n):
    assert chinese_to_int(write_chinese(n)) == n


@given(st.integers(min_value=10, max_value=19))
def test_ten_without_one(n):
    assert chinese_to_int(write_chinese(n).removeprefix("一")) == n


@given(st.integers(min_value=1, max_value=9999))
def test_liang_for_two_before_a_unit(n):
    written = write_chinese(n)
    colloquial = re.sub("二(?=[百千万])", "两", written)
    assert chinese_to_int(colloquial) == n


@given(st.integers(min_value=0, max_value=99999))
def test_digit_by_digit(n):
    written = "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    assert chinese_to_int(written) == n


@pytest.mark.parametrize("bad", ["", "五五十", "十x", "亿元"])
def test_not_a_chinese_numeral(bad):
    with pytest.raises(ValueError):
        chinese_to_int(bad)


@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["家", "个", "处", "人"]))
def test_chinese_count_in_a_sentence(n, unit):
    found = extract_indicators(f"全年新增{write_chinese(n)}{unit}，")
    assert [(i.value, i.unit) for i in found] == [(n, unit)]


@given(st.integers(min_value=1, max_value=10**7), st.sampled_from(["亿元", "%", "公里", "万亩"]))
def test_arabic_amount_in_a_sentence(n, unit):
    found = extract_indicators(f"年内完成投资{n}{unit}以上。")
    assert [(i.phrase, i.value, i.unit) for i in found] == [(f"年内完成投资{n}{unit}以上", n, unit)]


NOTICE_ALPHABET = st.sampled_from(list("0123456789.%，、。；：“”第过由个家亿元万千百十两二三年月日底前季度内全上以级项目投资新增") + ["以上", "年内", "一季度"])


@given(st.lists(NOTICE_ALPHABET, max_size=40).map("".join))
def test_any_text_gives_phrases_copied_from_it(text):
    for indicator in extract_indicators(text):
        assert indicator.phrase in text
        assert str(indicator.unit) in indicator.phrase
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        written, due = find_deadline(text, 2024)
    assert (written is None) == (due is None)
    assert written is None or written in text


def test_targets_and_indicators_with_zuoyou_and_yinei():
    """Other notices write 增长6%左右 / 控制在3%以内: the qualifier belongs to the number."""
    targets = extract_targets("主要预期目标为：地区生产总值增长6%左右，居民消费价格涨幅控制在3%以内，"
                              "固定资产投资增长8%。")
    assert [(t.name, t.value, t.unit) for t in targets] == [
        ("地区生产总值增长", 6, "%"), ("居民消费价格涨幅控制在", 3, "%"), ("固定资产投资增长", 8, "%")]
    [indicator] = extract_indicators("全年社会消费品零售总额增长8%左右。")
    assert (indicator.value, indicator.unit) == (8, "%") and indicator.phrase.endswith("8%左右")
