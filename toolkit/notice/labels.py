"""Labels and rules: every word the parser recognises (field labels, column headers, numbering, notes), in one place."""
from __future__ import annotations

import re

CN_DIGITS = "〇零一二三四五六七八九十百"

# ------------------------------------------------------------------------------------------- field labels

LEADER_LABELS = ("牵头领导", "责任领导", "分管领导", "牵头县领导", "牵头区领导", "牵头市领导", "责任县领导",
                 "责任区领导", "分管县领导", "分管区领导", "牵头县级领导", "责任县级领导", "分管县级领导",
                 "县级领导", "区级领导", "市级领导", "联系县领导", "联系区领导")
MIXED_UNIT_LABELS = ("承办单位", "责任单位", "责任部门", "承办部门")
LEAD_UNIT_LABELS = ("牵头单位", "主办单位", "牵头部门", "主办部门", "牵头责任单位", "主责单位", "牵头", "主办")
CO_UNIT_LABELS = ("配合单位", "协办单位", "协同单位", "参与单位", "配合部门", "协办部门", "配合责任单位", "配合", "协办")
DEADLINE_LABELS = ("完成时限", "完成时间", "完成期限", "时间节点", "时限要求")
ALL_LABELS = LEADER_LABELS + MIXED_UNIT_LABELS + LEAD_UNIT_LABELS + CO_UNIT_LABELS + DEADLINE_LABELS
_LABEL = "|".join(sorted(ALL_LABELS, key=len, reverse=True))
LABEL_RE = re.compile(rf"({_LABEL})\s*[：:]")
FIELD_LINE_RE = re.compile(rf"^(?:{_LABEL})\s*[：:]")
OPENING, CLOSING = "（(【[", "）)】]"   # a responsibility tail may be bracketed 【责任单位：…】 as well
TAIL_OPEN_RE = re.compile(rf"[{re.escape(OPENING)}]\s*(?:{_LABEL})\s*[：:]")
# labels written after the task's last sentence without brackets: `…。责任单位：县某局` (a leader or unit label)
_WHO = "|".join(sorted(LEADER_LABELS + MIXED_UNIT_LABELS + LEAD_UNIT_LABELS + CO_UNIT_LABELS, key=len, reverse=True))
INLINE_TAIL_RE = re.compile(rf"[。；;\s]\s*((?:{_WHO})\s*[：:])")

# ------------------------------------------------------------------------------------------- table headers

# (field, header words) — checked in this order, so 任务类别 is a category and not the task text, and
# 牵头责任单位 a lead column and not a mixed one
COLUMN_WORDS = (
    ("number", ("序号", "编号")),
    ("leaders", LEADER_LABELS + ("县领导", "区领导", "市领导", "领导")),
    ("deadline", DEADLINE_LABELS + ("时限", "时间安排")),
    ("leads", tuple(label for label in LEAD_UNIT_LABELS if len(label) > 2)),   # not 牵头 inside 一、王某牵头
    ("cos", tuple(label for label in CO_UNIT_LABELS if len(label) > 2)),
    ("mixed", MIXED_UNIT_LABELS + ("责任主体", "落实单位", "责任分工")),
    ("section", ("类别", "类型", "分类", "领域", "板块")),
    ("text", ("重点任务", "工作任务", "任务内容", "主要任务", "具体任务", "工作内容", "重点工作", "目标与任务",
              "任务目标", "目标任务", "工作目标", "工作事项", "重点事项", "任务")),
)
LONGEST_HEADER = 12


def columns_of(cells: list[str]) -> dict[str, int]:
    """The known columns of one table row read as a header: field -> first column index naming it."""
    columns: dict[str, int] = {}
    for index, field in enumerate(column_fields(cells)):
        if field and field not in columns:
            columns[field] = index
    return columns


def column_fields(cells: list[str]) -> list[str | None]:
    """Each cell's field when read as a header cell (`分 管 县领导` counts as 分管县领导), else None."""
    fields = []
    for cell in cells:
        words = re.sub(r"[（(][^）)]*[）)]", "", re.sub(r"\s+", "", cell))   # 责任单位（排名第一的为牵头单位）
        if not words or len(words) > LONGEST_HEADER:
            fields.append(None)
            continue
        fields.append(next((f for f, labels in COLUMN_WORDS if any(label in words for label in labels)), None))
    return fields


def is_header(cells: list[str]) -> bool:
    columns = columns_of(cells)
    return "text" in columns and len(columns) >= 2


COLUMN_NAMES = {"number": "序号", "leaders": "牵头领导", "deadline": "完成时限", "leads": "牵头单位",
                "cos": "配合单位", "mixed": "责任单位", "section": "类别", "text": "任务内容"}

# ------------------------------------------------------------------------------------------- numbering and structure

SECTION_RE = re.compile(rf"^([{CN_DIGITS}]+)、\s*(\S.*)$")
SUBSECTION_RE = re.compile(rf"^[（(]\s*([{CN_DIGITS}]+)\s*[）)]\s*(\S.*)$", re.S)
TASK_RE = re.compile(r"^([0-9０-９]{1,4})\s*[.．、](?![0-9０-９])\s*(\S.*)$", re.S)
DOC_NO_RE = re.compile(r"[\u4e00-\u9fff]{1,12}[〔［\[(（]\s*(\d{4})\s*[〕］\])）]\s*\d+\s*号")
DATE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
END_MATTER_RE = re.compile(r"^(抄送|印发|主题词|附件|（此件|\(此件|[—―─_－-]{6,})")
NOTE_LINE_RE = re.compile(r"^(?:注|备注|说明)\s*[：:]")
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def ascii_digits(text: str) -> str:
    return text.translate(FULL_WIDTH_DIGITS)


def is_end_matter(text: str) -> bool:
    """The signature, date, 抄送/印发 and the like that close a notice."""
    compact = re.sub(r"\s+", "", text)
    return bool(END_MATTER_RE.match(compact) or DATE_RE.match(compact)
                or re.search(r"(人民政府|办公室|委员会)$", compact) and len(compact) <= 30)


def is_note(text: str) -> bool:
    """`注：…` below a table, or a convention note standing alone."""
    compact = re.sub(r"\s+", "", text)
    return bool(NOTE_LINE_RE.match(compact)) or any(rule.search(compact) for _, rule in CONVENTION_RES)

# A leader named in a heading: 一、王某某县长牵头重点工作 / 二、李某副市长主抓重点工作 / （一）赵某同志分管
_NAME = r"[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,2}?"
_TITLE = r"(?:常务)?副?(?:县|区|市|镇|乡)长|同志|书记|副?主任|副?部长|常委|副?主席|院长|检察长"
_TITLE_BEFORE = r"(?:[县区市]委常委[、，]?)?(?:[县区市]政府)?(?:常务)?副?[县区市]长|[县区市]委(?:副)?书记"
HEADING_LEADER_RE = re.compile(
    rf"^(?:由)?(?P<before>{_TITLE_BEFORE})?(?P<names>{_NAME}(?:[、和]{_NAME})*)(?P<title>{_TITLE})?(?P<verb>牵头|主抓|分管|负责|联系)")
NOT_A_PERSON_END = "局委办府院部室会所站队处科股司行社厅镇乡区县市街村"
NOT_A_PERSON_START = "县区市各全省镇乡本该"

# ------------------------------------------------------------------------------------------- names

NAME_SEPARATORS = "、，,；;/／\n"   # line breaks separate names; spaces are handled by the name rules
NONE_VALUES = {"无", "/", "／", "—", "——", "-", "－", "--", "暂无", "\\"}
LEAD_MARKER_RE = re.compile(r"\s*[（(]\s*(?:牵头|主办)(?:单位)?\s*[）)]?\s*$")   # ） missing: an unclosed bracket
STAR_CHARS = "*＊※★☆"
ROLE_SUFFIX_RE = re.compile(r"(?:(?P<lead>牵头|主办|负责)|(?P<co>配合|协办|参与))$")   # 县人社局牵头
TRAILING_DENG_RE = re.compile(r"(?<=..)等(?:相关|有关|其他)?(?:单位|部门)?$")          # 县文体局等单位
NAME_PUNCTUATION = str.maketrans({"(": "（", ")": "）", ":": "：", ";": "；", ",": "，"})
UNIT_SUFFIX_RE = re.compile(r"(局|委|办|办公室|府|院|部|室|会|中心|所|站|队|处|社|联|行|公司|集团|镇|乡|街道|"
                            r"园区|新区|管委会|单位|部门|大队|支队|分局)$")
# two unit names run together, as a PDF conversion leaves a cell's paragraphs: 县发改局县财政局
# two units joined by 和/及/与 (the 和 inside 县发展和改革局 is not between two unit names)
UNITS_JOINED_RE = re.compile(r"(?<=[局委办院会心所站队府部室])(?:以及|和|及|与)(?=[县区市各相有])")
UNITS_RUN_TOGETHER_RE = re.compile(r"(?<=[局委办院会心所站队])(?=[县区市][\u4e00-\u9fff]{2,}"
                                   r"(?:局|委|办|办公室|院|会|中心|所|站|队)(?:$|[县区市]))")
LONGEST_NAME = 30

# ------------------------------------------------------------------------------------------- convention notes

_LEAD_WORDS = r"(?:工作)?(?:牵头|主办|汇总|主责)(?:单位|部门)?(?:或(?:工作)?(?:牵头|主办|汇总)(?:单位|部门)?)?"
_AFTER_NOTE = r"(?:[，,、]?(?:其他|其余|其它)(?:单位)?为?(?:协办|配合|参与|责任)(?:单位)?)?(?:[，,]?(?:以下|下同|以下同)(?:[。.])?)?"
_IS = r"(?:的|者)?(?:单位)?(?:为|是)?"
CONVENTION_RES = (
    ("first", re.compile(rf"(?:(?:各项任务中|责任单位中)?(?:列|排|排序|排名|排列|名列|位列|排在|列在)?(?:在)?"
                         rf"(?:第一|第1|首)(?:位|个|名)?{_IS}{_LEAD_WORDS}{_AFTER_NOTE})")),
    ("star", re.compile(rf"(?:(?:标|标注|带|加|有|标有|注有)?[“\"‘']?[{STAR_CHARS}]号?[”\"’']?号?{_IS}{_LEAD_WORDS}"
                        rf"{_AFTER_NOTE})")),
    ("bold", re.compile(rf"(?:(?:以|用)?(?:字体)?(?:黑体|加粗|粗体)(?:字)?(?:标注|显示|标示)?{_IS}{_LEAD_WORDS}"
                        rf"{_AFTER_NOTE})")),
)
NOTE_PREFIX_RE = re.compile(r"(?:注|备注|说明)\s*[：:]?\s*$")
LEFTOVER_NOTE_RE = re.compile(r"^(?:以下|下同|以下同)$")

LAYOUTS_TRIED = ("段落式：“一、”标题下以 1. / 1． / 1、 或（一）编号的任务，末尾括注（牵头领导：…；责任单位：…）"
                 "或另起一行写“牵头领导：… 责任单位：… 完成时限：…”",
                 "三级提纲：“一、”“（一）”下的 1. 编号任务",
                 "表格式：Word 表格、Excel 工作表或粘贴到 .txt 的表格（用 Tab 或两个以上空格分列），表头含"
                 "“重点任务/工作任务/任务内容/重点工作”及“牵头领导/分管领导”“牵头单位/责任单位”等列")
