"""Parsing the notice: the real 济兖政发〔2024〕1号 and .docx notices built with python-docx."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import SEED_NOTICE, run_toolkit
from toolkit.errors import ToolkitError
from toolkit.notice import notice_to_json, parse_notice

SEED_LINES = SEED_NOTICE.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def seed():
    return parse_notice(SEED_NOTICE)


def task_line(number: str) -> str:
    return next(line.strip() for line in SEED_LINES if line.strip().startswith(f"{number}."))


def test_real_notice_has_76_tasks_in_order(seed):
    assert [t.id for t in seed.tasks] == [str(i) for i in range(1, 77)]
    assert [t.seq for t in seed.tasks] == list(range(1, 77))
    assert seed.warnings == []


def test_header_fields(seed):
    assert seed.info.doc_no == "济兖政发〔2024〕1号"
    assert seed.info.title == "关于分解落实2024年政府工作报告任务目标的通知"
    assert seed.info.date.isoformat() == "2024-01-12"


def test_sections_including_eleven(seed):
    sections = list(dict.fromkeys(t.section for t in seed.tasks))
    assert len(sections) == 10
    assert sections[0] == "聚力制造强区建设，更高能级构建现代产业体系"
    assert sections[-1] == "加强政府自身建设"
    assert [t.id for t in seed.tasks if t.section == "加强政府自身建设"] == ["71", "72", "73", "74", "75", "76"]


@pytest.mark.parametrize("number", [str(i) for i in range(1, 77)])
def test_every_task_is_exactly_as_written(seed, number):
    """Rebuild each printed line from the parse: number, text, then the tail with the parsed names."""
    task = next(t for t in seed.tasks if t.id == number)
    line = task_line(number)
    assert line.startswith(f"{number}.{task.text}（牵头领导：")
    assert task.text.endswith("。")
    tail = line[len(f"{number}.{task.text}"):]
    leaders_part, units_part = re.match(r"^（牵头领导：(.*?)。承办单位：(.*?)(?:。黑体为主办单位.*)?）$", tail).groups()
    assert task.leaders == leaders_part.split("、")
    written_units = [u[:-1] if u.endswith("等") else u for u in re.split("[、，]", units_part)]
    assert task.lead_units + task.co_units == written_units
    assert task.lead_units == written_units[:1] and task.lead_rule == "position"


def test_decimals_and_years_do_not_start_tasks(seed):
    task1 = seed.tasks[0]
    assert "总投资17.7亿元光伏项目并网发电" in task1.text
    assert not any(t.text.startswith("7亿元") for t in seed.tasks)


def test_signature_and_banji_are_not_part_of_task_76(seed):
    last = seed.tasks[-1]
    assert last.text.endswith("营造风清气正、干事创业的浓厚氛围。")
    assert last.leaders == ["石可清"]
    assert last.lead_units == ["区财政局"] and last.co_units == ["区直各部门", "各镇街"]
    assert "印发" not in last.text and "抄送" not in last.text


def test_note_and_trailing_deng_are_dropped(seed):
    task1 = seed.tasks[0]
    assert task1.co_units == ["区发展和改革局", "区投资促进中心", "工业园区", "颜店新城建设管理服务中心", "各镇街"]
    assert not any("黑体" in u or "下同" in u for t in seed.tasks for u in t.units)


def test_four_collective_names(seed):
    from toolkit.directory import collective

    names = {u for t in seed.tasks for u in t.units if collective(u)}
    assert names == {"各镇街", "相关镇街", "区直各部门", "区直相关部门"}


def test_six_headline_targets(seed):
    assert len(seed.targets) == 6
    assert seed.targets[0].name.startswith("GDP") and seed.targets[0].value == 6.5 and seed.targets[0].unit == "%"


def test_deadlines_default_to_year_end(seed):
    assert all(t.due is not None and t.due.year == 2024 for t in seed.tasks)
    assert seed.tasks[0].deadline == "年内" and seed.tasks[0].due.isoformat() == "2024-12-31"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "gbk"])
def test_other_encodings_give_identical_results(tmp_path, seed, encoding):
    copy = tmp_path / f"notice-{encoding}.txt"
    copy.write_bytes(SEED_NOTICE.read_text(encoding="utf-8").encode(encoding))
    other = parse_notice(copy)
    assert notice_to_json(other) == notice_to_json(seed)


def test_undecodable_text_is_refused_not_guessed(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(bytes(range(128, 256)) * 20)
    with pytest.raises(ToolkitError, match="编码"):
        parse_notice(bad)


@pytest.mark.parametrize("suffix, words", [(".doc", "另存为"), (".wps", "另存为"), (".pdf", ".txt")])
def test_formats_we_cannot_read_say_how_to_convert(tmp_path, suffix, words):
    path = tmp_path / f"通知{suffix}"
    path.write_bytes(b"%PDF-1.4 whatever")
    with pytest.raises(ToolkitError, match=re.escape(words)):
        parse_notice(path)


def test_missing_file(tmp_path):
    with pytest.raises(ToolkitError, match="找不到"):
        parse_notice(tmp_path / "nope.txt")


def test_numbering_problems_and_missing_tail_are_warned(tmp_path):
    notice = tmp_path / "n.txt"
    notice.write_text("\n".join([
        "一、总体要求", "目标：GDP增长6%。",
        "二、重点任务",
        "1.任务一。（牵头领导：张三。承办单位：区发改局）",
        "2.任务二没有责任分工。",
        "2.任务二重复。（牵头领导：李四。承办单位：区财政局，各镇街）",
        "5.任务五。（牵头领导：李四。承办单位：区财政局）",
        "某某区人民政府", "2024年2月1日",
    ]), encoding="utf-8")
    parsed = parse_notice(notice)
    assert [t.id for t in parsed.tasks] == ["1", "2", "2", "5"]
    warnings = "\n".join(parsed.warnings)
    assert "重复：2" in warnings and "缺少：3、4" in warnings and "第2项任务没有找到责任分工" in warnings
    assert parsed.tasks[1].units == [] and parsed.tasks[1].text == "任务二没有责任分工。"
    assert parsed.tasks[3].text == "任务五。"


def test_no_tasks_found_says_what_was_seen(tmp_path):
    notice = tmp_path / "n.txt"
    notice.write_text("会议纪要\n一、会议内容\n大家发言。\n", encoding="utf-8")
    with pytest.raises(ToolkitError, match="没有识别出任务"):
        parse_notice(notice)


# ----------------------------------------------------------------------------------------------- .docx

def build_docx(path: Path, task_runs: list[list[tuple[str, bool]]]) -> Path:
    """A notice whose tasks are given as runs (text, bold), the way Word stores them."""
    import docx

    document = docx.Document()
    for text in ["某政发〔2024〕3号", "关于分解落实2024年重点工作任务的通知", "各镇街，区直各部门：",
                 "一、总体目标", "全区生产总值增长6%。", "二、重点任务"]:
        document.add_paragraph(text)
    for runs in task_runs:
        paragraph = document.add_paragraph()
        for text, bold in runs:
            paragraph.add_run(text).bold = bold
    document.add_paragraph("某区人民政府")
    document.add_paragraph("2024年2月1日")
    document.save(str(path))
    return path


def test_docx_lead_units_are_exactly_the_bold_ones(tmp_path):
    notice = build_docx(tmp_path / "通知.docx", [
        # 1: bold unit first
        [("1.建设道路10公里。（牵头领导：张三。承办单位：", False), ("区交通运输局", True),
         ("、区财政局，各镇街）", False)],
        # 2: the bold unit is not first
        [("2.新建学校2所。（牵头领导：李四、王五。承办单位：区财政局、", False), ("区教育和体育局", True),
         ("，相关镇街）", False)],
        # 3: two bold units, and Word split one name over three runs
        [("3.改造小区5个。（牵头领导：王五。承办单位：", False), ("区住房", True), ("城乡", True),
         ("建设局", True), ("、", False), ("区水务局", True), ("、供电部）", False)],
        # 4: a bold run that also covers the separator and 等
        [("4.开展活动。（牵头领导：张三。承办单位：区商务局、", False), ("区文化和旅游局等，", True),
         ("各镇街）", False)],
    ])
    tasks = {t.id: t for t in parse_notice(notice).tasks}
    assert (tasks["1"].lead_units, tasks["1"].co_units) == (["区交通运输局"], ["区财政局", "各镇街"])
    assert (tasks["2"].lead_units, tasks["2"].co_units) == (["区教育和体育局"], ["区财政局", "相关镇街"])
    assert (tasks["3"].lead_units, tasks["3"].co_units) == (["区住房城乡建设局", "区水务局"], ["供电部"])
    assert (tasks["4"].lead_units, tasks["4"].co_units) == (["区文化和旅游局"], ["区商务局", "各镇街"])
    assert all(t.lead_rule == "bold" for t in tasks.values())
    assert tasks["2"].leaders == ["李四", "王五"]


def test_docx_without_bold_falls_back_to_position(tmp_path):
    notice = build_docx(tmp_path / "通知.docx", [[("1.任务。（牵头领导：张三。承办单位：区发改局、区财政局）", False)]])
    task = parse_notice(notice).tasks[0]
    assert task.lead_units == ["区发改局"] and task.lead_rule == "position"


def test_docx_gives_same_tasks_as_txt(tmp_path, seed):
    """The real notice pasted into Word (no bold) parses to the same JSON as the .txt."""
    import docx

    document = docx.Document()
    for line in SEED_LINES:
        document.add_paragraph(line)
    path = tmp_path / "real.docx"
    document.save(str(path))
    assert notice_to_json(parse_notice(path))["tasks"] == notice_to_json(seed)["tasks"]


# ----------------------------------------------------------------------------------------------- command

def test_parse_json_contract(tmp_path):
    result = run_toolkit(tmp_path, "parse", str(SEED_NOTICE), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"notice", "targets", "tasks"}
    assert data["notice"] == {"title": "关于分解落实2024年政府工作报告任务目标的通知",
                              "doc_no": "济兖政发〔2024〕1号", "date": "2024-01-12"}
    assert len(data["tasks"]) == 76 and len(data["targets"]) == 6
    keys = {"id", "seq", "section", "subsection", "text", "leaders", "lead_units", "co_units", "lead_rule",
            "deadline", "indicators"}
    assert all(set(t) == keys for t in data["tasks"])
    assert not (tmp_path / "outputs").exists(), "--json must not write files"


def test_parse_missing_file_exits_2_without_traceback(tmp_path):
    result = run_toolkit(tmp_path, "parse", str(tmp_path / "没有这个文件.txt"))
    assert result.returncode == 2
    assert "找不到通知文件" in result.stderr and "Traceback" not in result.stderr
