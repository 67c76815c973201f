"""Indicators and deadlines: quantitative commitments, headline targets and deadlines in a notice's text.

The notice parser (toolkit/notice/) calls three functions:

- extract_indicators(task body)  -> the task's numeric commitments for the year
- extract_targets(section 一)     -> the headline targets (主要预期目标)
- find_deadline(task body, year)  -> the task's deadline as written and as a date

Indicators are found in two steps: every number followed by a known unit is a
candidate; then named rejection rules drop the numbers that are not commitments
(project sizes, thresholds, baselines, ordinals, names, slogans …).
"""
from __future__ import annotations

import re
import warnings
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from toolkit.errors import ToolkitWarning
from toolkit.models import Indicator, Target

# ---------------------------------------------------------------------------
# Chinese numerals

CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
                  "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CHINESE_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CHINESE_BIG_UNITS = {"万": 10**4, "亿": 10**8}
CHINESE_NUMERAL_CHARS = "".join(CHINESE_DIGITS) + "".join(CHINESE_SMALL_UNITS) + "万"


def chinese_to_int(text: str) -> int:
    """Convert a Chinese numeral to an int: 十五 → 15, 两百 → 200, 一千零五 → 1005, 二〇二四 → 2024."""
    if not text or any(ch not in CHINESE_DIGITS and ch not in CHINESE_SMALL_UNITS
                       and ch not in CHINESE_BIG_UNITS for ch in text):
        raise ValueError(f"不是中文数字：{text!r}")
    if all(ch in CHINESE_DIGITS for ch in text):
        return int("".join(str(CHINESE_DIGITS[ch]) for ch in text))
    return _positional_chinese_to_int(text)


def _positional_chinese_to_int(text: str) -> int:
    total = 0      # everything already multiplied by 万 or 亿
    section = 0    # the part below the current 万
    digit = None   # a digit waiting for its unit
    for ch in text:
        if ch in CHINESE_DIGITS:
            if digit:  # two non-zero digits in a row, e.g. 五五十
                raise ValueError(f"不是规范的中文数字：{text!r}")
            digit = CHINESE_DIGITS[ch]
        elif ch in CHINESE_SMALL_UNITS:
            section += (1 if digit is None else digit) * CHINESE_SMALL_UNITS[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10**4
            section, digit = 0, None
        else:  # 亿 scales everything before it
            total = (total + section + (digit or 0)) * 10**8
            section, digit = 0, None
    return total + section + (digit or 0)


def parse_number(text: str) -> int | float:
    """An Arabic or Chinese number as written; int when it has no fraction."""
    if text[0] in CHINESE_NUMERAL_CHARS:
        return chinese_to_int(text)
    value = float(text)
    return int(value) if value.is_integer() else value


# ---------------------------------------------------------------------------
# Candidates: a number followed by a known unit

# Units that count things; "N个小区…" counts work items and may be followed by a noun.
COUNT_UNITS = ("个", "家", "处", "所", "座", "条", "名", "张", "户", "场次", "场",
               "人次", "万人", "人", "项", "辆", "台", "套")
# Units that measure an amount; an amount followed by a noun is the size of something named.
MEASURE_UNITS = ("个百分点", "%", "％", "亿吨公里", "亿美元", "万美元", "亿元", "万元", "元",
                 "亿件", "万件", "亿度", "万千瓦", "千瓦", "万亩", "亩", "万吨", "吨",
                 "平方公里", "公里", "万平方米", "平方米", "米", "亿")
UNITS = sorted(COUNT_UNITS + MEASURE_UNITS, key=len, reverse=True)

# A Chinese numeral starts with a digit or 十/百/千, never with 万 or 零 (as in 零工驿站)
NUMBER_RE = re.compile(rf"\d+(?:\.\d+)?|[一二两三四五六七八九十百千][{CHINESE_NUMERAL_CHARS}]*")
# Where a clause ends; a phrase never reaches across these
CLAUSE_BREAKS = "，。；：！？,;!?\n（）()"
# Where a list item ends inside a clause
ITEM_BREAKS = CLAUSE_BREAKS + "、"
# Qualifiers that belong to the number: 20%以上, 6%左右, 3%以内
QUALIFIERS = ("以上", "左右", "以内", "以下", "上下")


@dataclass(frozen=True)
class Candidate:
    start: int          # where the number starts
    number_end: int
    unit_end: int       # where the unit ends
    end: int            # after a trailing 以上 / 左右 …
    value: int | float
    unit: str

    @property
    def counts_things(self) -> bool:
        return self.unit in COUNT_UNITS


def find_candidates(text: str) -> list[Candidate]:
    """Every number directly followed by a known unit, in text order."""
    candidates: list[Candidate] = []
    for match in NUMBER_RE.finditer(text):
        unit = _unit_at(text, match.end())
        if unit is None or (candidates and match.start() < candidates[-1].unit_end):
            continue
        try:
            value = parse_number(match.group())
        except ValueError:
            continue
        if value == 0:
            continue
        unit_end = match.end() + len(unit)
        qualifier = next((q for q in QUALIFIERS if text.startswith(q, unit_end)), "")
        end = unit_end + len(qualifier)
        candidates.append(Candidate(match.start(), match.end(), unit_end, end, value, unit))
    return candidates


def _unit_at(text: str, position: int) -> str | None:
    for unit in UNITS:
        if text.startswith(unit, position):
            return unit
    return None


# ---------------------------------------------------------------------------
# Rejection rules: each takes the text and a candidate, and says whether the
# number is not a commitment for the year.

QUOTE_PAIRS = (("“", "”"), ("‘", "’"), ("《", "》"), ("「", "」"), ("『", "』"))
# Fixed political terms whose numbers are part of the name
SET_PHRASES = ("八项规定", "两个确立", "两个维护", "两个毫不动摇", "三个一批", "三个一遍",
               "四下基层", "三公经费", "四风")
# Words before a number that make it a negation or idiom (不漏一户、不落一人), not a target
NEGATIONS = ("不漏", "不落", "不丢", "不让", "无")
EXISTING_STOCK_WORDS = ("依托", "现有", "已有", "已建")


def _before(text: str, cand: Candidate, width: int = 1) -> str:
    return text[max(0, cand.start - width):cand.start]


def _clause_start(text: str, position: int) -> int:
    return max(text.rfind(ch, 0, position) for ch in CLAUSE_BREAKS) + 1


def is_in_quotes(text: str, cand: Candidate) -> bool:
    """“书记区长企业家恳谈日”, “八抓20条”, “1+26”: a number inside quotes is part of a name."""
    for opening, closing in QUOTE_PAIRS:
        if text.rfind(opening, 0, cand.start) > text.rfind(closing, 0, cand.start):
            return True
    return text.count('"', 0, cand.start) % 2 == 1


def is_ordinal(text: str, cand: Candidate) -> bool:
    """第二条, 第五次."""
    return _before(text, cand) == "第"


def is_code_name(text: str, cand: Candidate) -> bool:
    """PM2.5, 1+26: digits glued to Latin letters or a plus sign belong to a code."""
    before = _before(text, cand)
    return before != "" and before.isascii() and (before.isalpha() or before in "+-.")


def is_set_phrase(text: str, cand: Candidate) -> bool:
    """八项规定, 两个确立 …"""
    for phrase in SET_PHRASES:
        for match in re.finditer(re.escape(phrase), text):
            if match.start() <= cand.start < match.end():
                return True
    return False


def is_tier_slogan(text: str, cand: Candidate) -> bool:
    """千亿级, 200亿级, 三个千亿, 两个二百亿级: a size class, not a quantity to deliver."""
    if text.startswith("级", cand.unit_end):
        return True
    follows_count = text[cand.start - 1:cand.start] == "个" and \
        text[cand.start - 2:cand.start - 1] in CHINESE_NUMERAL_CHARS + "0123456789"
    next_number = NUMBER_RE.match(text, cand.unit_end)
    precedes_amount = cand.counts_things and next_number is not None \
        and _unit_at(text, next_number.end()) is not None
    return bool(follows_count or precedes_amount)


def is_threshold(text: str, cand: Candidate) -> bool:
    """营收过2000万元电商零售企业, 过50亿元企业: a threshold in a category's name."""
    return _before(text, cand) == "过" and _before(text, cand, 2) not in ("通过", "超过", "越过")


def is_baseline(text: str, cand: Candidate) -> bool:
    """由3.4亿度提升至11亿度: the starting value is not the target."""
    return _before(text, cand) in ("由", "从")


def is_existing_stock(text: str, cand: Candidate) -> bool:
    """依托全区68家农机合作社: resources that already exist."""
    clause = text[_clause_start(text, cand.start):cand.start]
    return any(word in clause for word in EXISTING_STOCK_WORDS)


def is_negated(text: str, cand: Candidate) -> bool:
    """不漏一户、不落一人."""
    return any(_before(text, cand, len(word)) == word for word in NEGATIONS)


def is_size_of_named_thing(text: str, cand: Candidate) -> bool:
    """投资140亿元新能源动力电池项目, 10万吨高强力钢帘线项目, 全长20公里的…休闲带.

    An amount directly followed by a noun (or 的) describes the thing named after
    it. Counts (13个小区…) are not affected: they count work to be done.
    """
    if cand.counts_things:
        return False
    following = text[cand.end:cand.end + 1]
    return following != "" and following not in ITEM_BREAKS + "”’》）)"


REJECTION_RULES = (
    ("引号内名称", is_in_quotes),
    ("序数", is_ordinal),
    ("代号", is_code_name),
    ("固定提法", is_set_phrase),
    ("规模档次", is_tier_slogan),
    ("门槛", is_threshold),
    ("基数", is_baseline),
    ("现有存量", is_existing_stock),
    ("否定", is_negated),
    ("项目规模", is_size_of_named_thing),
)


def rejection_reason(text: str, cand: Candidate) -> str | None:
    """The name of the first rule that rejects the candidate, or None when it is an indicator."""
    for reason, rule in REJECTION_RULES:
        if rule(text, cand):
            return reason
    return None


# ---------------------------------------------------------------------------
# Indicators

def extract_indicators(text: str) -> list[Indicator]:
    """The quantitative commitments in one task's text, in text order."""
    kept = [c for c in find_candidates(text) if rejection_reason(text, c) is None]
    indicators = []
    previous_end = 0
    for index, cand in enumerate(kept):
        next_start = kept[index + 1].start if index + 1 < len(kept) else len(text)
        start = _phrase_start(text, cand, previous_end)
        end = _phrase_end(text, cand, next_start)
        indicators.append(Indicator(text[start:end], cand.value, cand.unit))
        previous_end = end
    return indicators


CONNECTORS = "和及与并"


def _phrase_start(text: str, cand: Candidate, previous_end: int) -> int:
    clause_start = _clause_start(text, cand.start)
    start = max(clause_start, previous_end)
    skip = ITEM_BREAKS + (CONNECTORS if start == previous_end else "")
    while start < cand.start and (text[start] in skip or text[start].isspace()):
        start += 1
    return start


def _phrase_end(text: str, cand: Candidate, next_start: int) -> int:
    """Up to the unit (and 以上); a count runs on over the things it counts (13个小区供水管网)
    to the end of the clause or the next indicator, whichever comes first."""
    if not cand.counts_things or cand.end >= len(text) or text[cand.end] in ITEM_BREAKS:
        return cand.end
    end = cand.end
    while end < min(len(text), next_start) and text[end] not in CLAUSE_BREAKS:
        end += 1
    while end > cand.end and text[end - 1] in "、" + CONNECTORS:
        end -= 1
    return end


# ---------------------------------------------------------------------------
# Headline targets (section 一)

TARGET_VERBS = ("增长", "下降", "提高", "降低", "达到", "控制在", "稳定在", "突破")
TARGET_SENTENCE_RE = re.compile(r"主要预期目标(?:为|是)[：:]?(?P<body>[^。]*)")


def extract_targets(text: str) -> list[Target]:
    """The headline targets, e.g. GDP增长6.5% → Target("GDP增长", 6.5, "%").

    "城镇和农村居民人均可支配收入分别增长6.5%、7%" gives two targets, one per subject.
    """
    sentence = TARGET_SENTENCE_RE.search(text)
    body = sentence.group("body") if sentence else text
    targets = []
    for clause in re.split(r"[，；,;。]", body):
        targets.extend(_targets_of_clause(clause.strip()))
    return targets


def _targets_of_clause(clause: str) -> list[Target]:
    candidates = [c for c in find_candidates(clause) if rejection_reason(clause, c) is None]
    if not candidates:
        return []
    head = clause[:candidates[0].start]
    verb = next((v for v in TARGET_VERBS if head.endswith(v)), None)
    if verb is None:
        return []
    subject = head[:len(head) - len(verb)].removesuffix("分别")
    names = _split_subjects(subject, len(candidates))
    return [Target(name + verb, c.value, c.unit) for name, c in zip(names, candidates)]


def _split_subjects(subject: str, count: int) -> list[str]:
    """城镇和农村居民人均可支配收入 → 城镇居民人均可支配收入, 农村居民人均可支配收入.

    The heads before 和/、 are parallel words of equal length (城镇, 农村); the rest
    of the last part is shared by all of them.
    """
    if count == 1:
        return [subject]
    parts = re.split(r"[和、与及]", subject)
    if len(parts) == count and parts[0]:
        width = len(parts[0])
        shared = parts[-1][width:]
        return [part + shared for part in parts[:-1]] + [parts[-1]]
    return [f"{subject}（{index}）" for index in range(1, count + 1)]


# ---------------------------------------------------------------------------
# Deadlines

QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
NUM = rf"(?:\d+|[{CHINESE_NUMERAL_CHARS}]+)"


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _explicit_date(match: re.Match, year: int) -> date:
    """9月15日前 → 09-15; 6月底前 and 2024年9月 → the month's last day; 7月前 → 06-30."""
    written_year = match.group("y")
    the_year = int(written_year) if written_year else year
    month = parse_number(match.group("m"))
    day = match.group("d")
    if day:
        return date(the_year, month, parse_number(day))
    groups = match.groupdict()
    if (groups.get("before") or groups.get("before2")) and not groups.get("end"):
        return date(the_year, month, 1) - timedelta(days=1)
    return _end_of_month(the_year, month)


def _quarter(match: re.Match, year: int) -> date:
    month, day = QUARTER_END[parse_number(match.group("q"))]
    return date(year, month, day)


def _year_end_of(match: re.Match, year: int) -> date:
    written_year = match.groupdict().get("y")
    return date(int(written_year) if written_year else year, 12, 31)


DEADLINE_PATTERNS = (
    # 2024年10月底前, 2024年9月 (as in 完成时限：2024年9月), 2024年9月15日前
    (re.compile(rf"(?P<y>\d{{4}})年(?P<m>{NUM})月(?:(?P<d>{NUM})日)?(?P<end>底)?(?P<before>之?前)?"),
     _explicit_date),
    # 6月底前, 9月15日前, 今年6月底 (without a year the month needs 底 or 前)
    (re.compile(rf"(?:今年|本年|当年)?(?<!\d)(?P<y>)(?P<m>{NUM})月"
                rf"(?:(?P<d>{NUM})日(?P<before>之?前)|(?P<end>底)(?:之?前)?|(?P<before2>之?前))"),
     _explicit_date),
    (re.compile(r"(?:第)?(?P<q>[1-4一二三四])季度(?:末|底)?(?:之?前)?"), _quarter),
    (re.compile(r"上半年(?:之?前)?"), lambda m, y: date(y, 6, 30)),
    (re.compile(r"下半年"), lambda m, y: date(y, 12, 31)),
    (re.compile(r"(?P<y>\d{4})年底(?:之?前)?"), _year_end_of),
    # not 三年内: a span of years is not this year's end
    (re.compile(rf"(?<![\d{CHINESE_NUMERAL_CHARS}])(?:年底(?:之?前)?|年末|年内)|全年|今年|本年"), _year_end_of),
)


def find_deadline(text: str, year: int) -> tuple[str | None, date | None]:
    """The task's deadline as written (e.g. "6月底前") and as a date.

    When the text names several deadlines (一季度…、年底前…), the latest one is the
    task's overall deadline and is returned; earlier ones are milestones. Texts
    without a deadline give (None, None); the caller defaults to the year end.
    """
    found = _deadline_matches(text, year)
    if not found:
        return None, None
    written, due = max(found, key=lambda item: item[1])
    return written, due


def _deadline_matches(text: str, year: int) -> list[tuple[str, date]]:
    spans: list[tuple[int, int, date]] = []
    for pattern, resolve in DEADLINE_PATTERNS:
        for match in pattern.finditer(text):
            if any(s <= match.start() and match.end() <= e for s, e, _ in spans):
                continue  # part of a longer deadline already found, e.g. 年底 in 2024年底前
            try:
                spans.append((match.start(), match.end(), resolve(match, year)))
            except ValueError:  # 2月30日 or 13月
                warnings.warn(f"任务时限“{match.group()}”不是有效日期，已忽略；"
                              "请在台账“完成时限”一栏手工填写正确的日期。", ToolkitWarning, stacklevel=3)
    spans.sort()
    return [(text[s:e], due) for s, e, due in spans]
