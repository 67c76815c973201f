"""The printed 通报: numbers from the ledger, GB/T 9704 layout kept after rendering, 期数, autoescape, PDF."""
from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from conftest import run_toolkit
from toolkit import charts, circular
from toolkit.config import Config
from toolkit.errors import ToolkitWarning
from toolkit.models import (CircularRecord, IndicatorRecord, Ledger, NoticeInfo, ProgressRecord, SubmissionRecord,
                            Task, TaskStatus)
from toolkit.periods import parse_period
from toolkit.workspace import BUNDLED_TEMPLATES, Workspace

KINDS = ("周盘点", "旬推进", "月调度")


# ------------------------------------------------------------------------------------------ a small ledger

def small_ledger() -> Ledger:
    def task(n, section, leaders, leads, text):
        return Task(id=str(n), seq=n, section=section, subsection=None, text=text, leaders=leaders,
                    lead_units=leads, co_units=["各镇街"])
    tasks = [
        task(1, "聚力制造强区建设，更高能级构建现代产业体系", ["石可清"], ["区工业和信息化局"],
             "围绕打造三个千亿产业集群目标，深入推进新型工业化，年内工业营收创千亿。"),
        task(2, "聚力制造强区建设，更高能级构建现代产业体系", ["石可清"], ["区统计局"], "持续深化助企攀登，培育更多企业。"),
        task(3, "聚力扩大有效需求，更高效能激活发展内生动力", ["展召爽"], ["区商务局"], "激活汽车家电消费，开展汽车下乡活动。"),
        task(4, "聚力扩大有效需求，更高效能激活发展内生动力", ["展召爽", "石可清"], ["区住房城乡建设局"],
             "激活房地产消费，新建1处高品质住宅项目。"),
        task(5, "聚力深化改革开放，更高层次服务融入新发展格局", ["孙恒民"], ["A&B<C>局"], "深化财政体制改革。"),
    ]
    return Ledger(info=NoticeInfo(title="关于分解落实2024年政府工作报告任务目标的通知", date=date(2024, 1, 12)),
                  tasks=tasks, assignments=[],
                  indicators=[IndicatorRecord("4#1", "4", "新建1处高品质住宅项目", 1.0, "处")], targets=[],
                  submissions=[SubmissionRecord("2024-W12", "区工业和信息化局", True, True, datetime(2024, 3, 21)),
                               SubmissionRecord("2024-W12", "区统计局", True, True, datetime(2024, 3, 22), late=True),
                               SubmissionRecord("2024-W12", "区商务局", True, False),
                               SubmissionRecord("2024-W11", "区工业和信息化局", True, True, datetime(2024, 3, 14))],
                  progress=[ProgressRecord("2024-W12", "区工业和信息化局", "1", "主办", "已完成", 100, "", "", "")])


STATUSES = {
    "1": TaskStatus("已完成", 100, 20.6, "绿"),
    "2": TaskStatus("滞后", 10, 20.6, "黄", problems="资金不足"),
    "3": TaskStatus("滞后", 0.5, 20.6, "红", problems="A&B<C> 审批未完成", plan="4月底前完成审批"),
    "4": TaskStatus("序时推进", 25, 20.6, "绿"),
    "5": TaskStatus("未报送"),
}
PREVIOUS = {"1": TaskStatus("序时推进", 15, 15.0, "绿"), "2": TaskStatus("滞后", 5, 15.0, "黄"),
            "3": TaskStatus("序时推进", 15, 15.0, "绿"), "4": TaskStatus("序时推进", 15, 15.0, "绿"),
            "5": TaskStatus("未报送")}


def context_for(kind: str, tpl, ledger=None, period_text="2024-W12"):
    config = Config()
    period = parse_period(period_text, config)
    return circular.build_context(ledger or small_ledger(), period, kind, config, 3, date(2024, 3, 25), tpl,
                                  statuses=STATUSES, previous_statuses=PREVIOUS, indicator_values={"4#1": 0.5})


def rendered(kind: str, tmp_path: Path) -> tuple[Path, dict]:
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / f"{kind}.docx"))
    context = context_for(kind, tpl)
    tpl.render(context, autoescape=True)
    out = tmp_path / f"{kind}.docx"
    tpl.save(str(out))
    return out, context


def all_text(doc) -> str:
    return "".join(t.text or "" for t in doc.element.body.iter(qn("w:t")))


def table_with_header(doc, first: str, second: str):
    return next(t for t in doc.tables if t.rows[0].cells[0].text == first and t.rows[0].cells[1].text == second)


# ------------------------------------------------------------------------------------------ the context

@pytest.mark.parametrize("kind", KINDS)
def test_every_template_variable_is_in_the_context(kind):
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / f"{kind}.docx"))
    missing = tpl.get_undeclared_template_variables(context=context_for(kind, tpl))
    assert missing == set()


def test_headline_counts_and_one_share_from_the_statuses():
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "周盘点.docx"))
    context = context_for("周盘点", tpl)
    c = context["c"]
    assert (c["done"], c["on_schedule"], c["lagging"], c["unreported"], c["on_track"]) == (1, 1, 2, 1, 2)
    assert (c["on_track_parts"], c["on_track_share"], c["red"], c["yellow"]) == ("已完成1项、序时推进1项", "40.0%", 1, 1)


def test_changes_since_the_previous_period():
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "周盘点.docx"))
    context = context_for("周盘点", tpl)
    assert context["newly_completed"] == ["1"]
    assert context["newly_lagging"] == ["3"]           # task 2 was already lagging
    assert context["not_updated"] == ["2", "3", "4", "5"]   # only task 1's lead unit reported in W12
    assert context["has_comparison"] and context["previous_label"] == "第11周"


def test_reporting_units_and_leader_table():
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "周盘点.docx"))
    context = context_for("周盘点", tpl)
    assert (context["expected_units"], context["on_time_units"]) == (3, 1)
    assert context["unreported_text"] == "区商务局" and context["late_text"] == "区统计局"
    rows = {r["leader"]: r for r in context["leader_rows"]}
    assert rows["石可清"] == {"leader": "石可清", "tasks": 3, "done": 1, "ahead": 0, "on_schedule": 1, "on_track": 1,
                           "lagging": 1, "not_started": 0, "unreported": 0, "red": 0, "red_mark": "0"}
    assert rows["展召爽"]["red_mark"] == "●1"
    assert rows["展召爽"]["lagging"] == 1
    assert rows["孙恒民"]["unreported"] == 1
    for row in context["leader_rows"]:   # every state has a column, so each row adds up
        assert row["tasks"] == sum(row[k] for k in ("done", "ahead", "on_schedule", "lagging", "not_started",
                                                    "unreported")), row


def test_unit_ranking_and_indicators_for_the_month():
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "月调度.docx"))
    context = context_for("月调度", tpl, period_text="2024-03")
    ranking = [(r["rank"], r["unit"], r["score"]) for r in context["unit_rows"]]
    # The ranking is the 考核 score of the month (toolkit.scoring, issue 14), no longer a formula of its own, so
    # that a unit ranked in the 月调度 can check every point against 考核.xlsx. Defaults: base 100; 迟报 −0.1 and
    # 未报送 −0.5 per collected period; a led task 滞后 at the month's end −1 and red −2.
    # 区工业和信息化局: done, on time in W11 and W12 → 100; 区住房城乡建设局 (序时推进) and A&B<C>局 (未报送 but not
    # red, and never expected to report) → 100; 区统计局: late in W12, its task 滞后 (yellow) → 100 − 0.1 − 1;
    # 区商务局: did not report W12, its task 滞后 and red → 100 − 0.5 − 1 − 2. Equal scores are told apart by
    # 按序时推进率 (A&B<C>局's only task is 未报送: 0 %), then by the lead over 序时 (区工业和信息化局 done:
    # 100 − 20.6 = +79.4 points; 区住房城乡建设局 25 − 20.6 = +4.4), so nobody shares a rank here.
    assert ranking == [(1, "区工业和信息化局", "100.0"), (2, "区住房城乡建设局", "100.0"), (3, "A&B<C>局", "100.0"),
                       (4, "区统计局", "98.9"), (5, "区商务局", "96.5")]
    assert [r["lead"] for r in context["unit_rows"][:2]] == ["+79.4", "+4.4"]
    assert all(r["single"] and r["shown_unit"].endswith("*") for r in context["unit_rows"])
    assert context["indicator_rows"] == [{"id": "4#1", "task_id": "4", "phrase": "新建1处高品质住宅项目",
                                          "target": "1", "unit": "处", "current": "0.5", "rate": "50.0%",
                                          "schedule": "20.6%", "lead_units": "区住房城乡建设局", "behind": False}]
    assert context["indicators_behind"] == []
    assert context["indicators_on_schedule"] == 1      # 50 % ≥ 序时 20.6 %
    assert [r["number"] + r["text"] for r in context["requirements"]] == [
        f"（{n}）{text}" for n, text in zip("一二三", Config().circular.requirements)]


def test_period_kind_chooses_the_circular():
    config = Config()
    assert circular.kinds_for(parse_period("2024-W12", config), None) == ["周盘点"]
    assert circular.kinds_for(parse_period("2024-03中旬", config), None) == ["旬推进"]
    assert circular.kinds_for(parse_period("2024-03", config), None) == ["月调度"]
    assert circular.kinds_for(parse_period("2024-03", config), ["周盘点", "月调度"]) == ["周盘点", "月调度"]


def test_numbers_per_kind_and_year_and_reused_for_the_same_period():
    config = Config()
    ledger = small_ledger()
    ledger.circulars = [CircularRecord("周盘点", 2024, 1, "2024-W10", "a.docx"),
                        CircularRecord("周盘点", 2024, 2, "2024-W11", "b.docx"),
                        CircularRecord("月调度", 2024, 1, "2024-02", "c.docx"),
                        CircularRecord("周盘点", 2023, 9, "2023-W50", "d.docx")]
    week = parse_period("2024-W12", config)
    first = circular.circular_number(ledger, "周盘点", week)
    assert first.number == 3 and len(ledger.circulars) == 5
    again = circular.circular_number(ledger, "周盘点", week)
    assert again is first and len(ledger.circulars) == 5
    assert circular.circular_number(ledger, "旬推进", week).number == 1


def test_cn_date_has_no_zero_padding():
    assert circular.cn_date(date(2024, 3, 4)) == "2024年3月4日"


# ------------------------------------------------------------------------------------------ the rendered file

@pytest.mark.parametrize("kind", KINDS)
def test_rendered_file_keeps_layout_and_fonts_and_leaves_no_tag(kind, tmp_path):
    out, context = rendered(kind, tmp_path)
    doc = Document(str(out))
    section = doc.sections[0]
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)
    assert (section.top_margin.twips, section.bottom_margin.twips,
            section.left_margin.twips, section.right_margin.twips) == (2098, 1984, 1587, 1474)
    text = all_text(doc)
    assert "{{" not in text and "{%" not in text and "}}" not in text and "%}" not in text

    def font_of(paragraph_text):
        paragraph = next(p for p in doc.paragraphs if p.text.startswith(paragraph_text))
        run = paragraph.runs[0]._element
        return run.find(qn("w:rPr") + "/" + qn("w:rFonts")).get(qn("w:eastAsia"))

    assert font_of(context["title"]) == "方正小标宋简体"
    assert font_of("一、总体情况") == "黑体"
    assert font_of("（一）新完成任务") == "楷体_GB2312"
    assert font_of("依据第12周") == "仿宋_GB2312"
    assert font_of("督查通报") == "方正小标宋简体"
    assert f"{kind}　第3期" in text
    assert doc.inline_shapes and doc.inline_shapes[0].width <= charts.CHART_WIDTH_MM * 36000


@pytest.mark.parametrize("kind", KINDS)
def test_counts_in_text_equal_the_ledger(kind, tmp_path):
    out, _ = rendered(kind, tmp_path)
    paragraphs = body_paragraphs(Document(str(out)))
    assert "依据第12周（3月18日—3月24日）各单位报送情况，数据截至3月24日。" in paragraphs
    assert ("5项任务中，按序时推进2项（已完成1项、序时推进1项），占40.0%；滞后2项，其中红色预警1项；"
            "主办单位未报送1项。") in paragraphs
    if kind == "旬推进":
        assert any(p.startswith("滞后及红色预警任务2项，其中红色预警1项（表中标●，排在前面）。") for p in paragraphs)
    else:
        assert any(p.startswith("滞后于序时进度的任务2项，其中红色预警1项（表中标●，排在前面），黄色预警1项（标▲）。")
                   for p in paragraphs)
    assert ("应报送单位3个，按时报送1个。未报送：区商务局。迟报：区统计局。请以上单位严格落实报送要求，按时报送。"
            in paragraphs)
    assert "占比" not in "".join(paragraphs)


@pytest.mark.parametrize("kind", KINDS)
def test_lagging_table_has_one_row_per_lagging_task_red_first(kind, tmp_path):
    """序号 is the task's own number in the notice (3, 2), not a running number (1, 2)."""
    out, _ = rendered(kind, tmp_path)
    table = table_with_header(Document(str(out)), "序号", "任务摘要")
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[1] for r in rows] == ["激活汽车家电消费", "持续深化助企攀登"]   # task 3 (红) before task 2
    assert [r[0] for r in rows] == ["3", "2"]
    if kind == "旬推进":   # one push list with problems and plans instead of a second lagging table
        assert rows[0] == ["3", "激活汽车家电消费", "区商务局", "0.5%", "20.6%", "●红", "A&B<C> 审批未完成",
                           "4月底前完成审批"]
    else:
        assert rows[0] == ["3", "激活汽车家电消费", "展召爽", "区商务局", "0.5%", "20.6%", "●红", "A&B<C> 审批未完成"]
        assert rows[1][6] == "▲黄"


def test_push_list_of_the_xun_circular_has_problems_and_plans(tmp_path):
    out, _ = rendered("旬推进", tmp_path)
    doc = Document(str(out))
    task_tables = [t for t in doc.tables if len(t.columns) > 1 and t.rows[0].cells[1].text == "任务摘要"]
    assert len(task_tables) == 1   # no duplicate lagging table in the 旬 circular
    push = task_tables[0]
    assert push.rows[0].cells[-1].text == "下步计划"
    assert len(push.rows) == 1 + 2 and push.rows[1].cells[-1].text == "4月底前完成审批"


def body_paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


@pytest.mark.parametrize("kind", KINDS)
def test_changes_name_the_previous_period_without_nested_brackets(kind, tmp_path):
    out, _ = rendered(kind, tmp_path)
    text = all_text(Document(str(out)))
    assert "与上周（第11周）相比，新完成1项，新增滞后1项；本周未更新进展4项。" in text
    assert "（2024年第11周（" not in text and "（第11周（" not in text


@pytest.mark.parametrize("kind", KINDS)
def test_task_lists_are_breakable_and_stay_in_their_paragraph(kind, tmp_path):
    """第2项、第3项 (never 第2、3项: a digit run joined by 、 cannot break) in the paragraph of its （一）."""
    out, _ = rendered(kind, tmp_path)
    doc = Document(str(out))
    paragraphs = body_paragraphs(doc)
    assert "（一）新完成任务1项：第1项 围绕打造三个千亿产业集群目标（区工业和信息化局）。" in paragraphs
    assert "（二）新增滞后任务1项：第3项 激活汽车家电消费（区商务局）。" in paragraphs
    assert ("（三）本期未更新进展任务4项：第2项 持续深化助企攀登（区统计局）、第3项 激活汽车家电消费（区商务局）、"
            "第4项 激活房地产消费（区住房城乡建设局）、第5项 深化财政体制改革（A&B<C>局）。") in paragraphs
    assert "第" not in paragraphs
    assert not re.search(r"\d、\d", all_text(doc))
    first = next(p for p in doc.paragraphs if p.text.startswith("（一）新完成任务"))
    fonts = [r._element.find(qn("w:rPr") + "/" + qn("w:rFonts")).get(qn("w:eastAsia")) for r in first.runs]
    assert fonts[0] == "楷体_GB2312" and fonts[-1] == "仿宋_GB2312"


def test_an_empty_change_list_gets_no_item_and_the_rest_are_renumbered(tmp_path):
    from toolkit.models import ProgressRecord as Record
    ledger = small_ledger()
    ledger.progress = [Record("2024-W12", "区统计局", "2", "主办", "滞后", 10, "新进展", "", "")]
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "周盘点.docx"))
    config = Config()
    statuses = {**STATUSES, "1": TaskStatus("序时推进", 25, 20.6, "绿")}
    context = circular.build_context(ledger, parse_period("2024-W12", config), "周盘点", config, 3,
                                     date(2024, 3, 25), tpl, statuses=statuses, previous_statuses=PREVIOUS,
                                     indicator_values={})
    tpl.render(context, autoescape=True)
    tpl.save(str(tmp_path / "w.docx"))
    paragraphs = body_paragraphs(Document(str(tmp_path / "w.docx")))
    assert not any("新完成任务" in p for p in paragraphs)
    assert any(p.startswith("（一）新增滞后任务1项：第3项") for p in paragraphs)
    assert any(p.startswith("（二）本期未更新进展任务4项：") for p in paragraphs)


@pytest.mark.parametrize("kind", KINDS)
def test_numbers_are_written_without_spaces(kind, tmp_path):
    """GB/T 9704 style: 已完成1项、占比20.0% — spaces around numbers are LibreOffice's business, not the text's."""
    out, context = rendered(kind, tmp_path)
    doc = Document(str(out))
    for paragraph in doc.paragraphs:
        # （the ideographic space of labels such as 图1　… and 周盘点　第3期 is wanted）
        assert not re.search(r"[ \u00a0]\d|\d[ \u00a0]", paragraph.text), paragraph.text
    assert any(p.startswith("5项任务中，按序时推进2项（已完成1项、序时推进1项），占40.0%；") for p in body_paragraphs(doc))


@pytest.mark.parametrize("kind", KINDS)
def test_leader_table_rows_add_up(kind, tmp_path):
    out, _ = rendered(kind, tmp_path)
    table = table_with_header(Document(str(out)), "牵头领导", "任务数")
    header = [c.text for c in table.rows[0].cells]
    assert header == ["牵头领导", "任务数", "已完成", "超序时及\n序时推进", "滞后", "其中\n红色预警", "未启动", "未报送"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[0] for r in rows] == ["石可清", "展召爽", "孙恒民"]
    assert sum(int(r[1]) for r in rows) == 6   # 5 tasks; task 4 counts under both of its leaders
    for row in rows:   # the state columns add up; 其中红色预警 is a part of them
        assert int(row[1]) == sum(int(n) for n in row[2:5] + row[6:]), row
    assert [r[5] for r in rows] == ["0", "●1", "0"]


@pytest.mark.parametrize("kind", KINDS)
def test_colophon_is_the_last_block_anchored_to_the_page_bottom(kind, tmp_path):
    """GB/T 9704 7.4.1: the 版记's last rule sits on the bottom of the 版心 of the last page."""
    out, context = rendered(kind, tmp_path)
    body = Document(str(out)).element.body
    blocks = [child for child in body if child.tag != qn("w:sectPr")]
    table, anchor = blocks[-2], blocks[-1]
    assert table.tag == qn("w:tbl")
    text = "".join(t.text or "" for t in table.iter(qn("w:t")))
    assert text.startswith("抄送：") and text.endswith(f"{context['print_date']}印发")
    position = table.find(qn("w:tblPr") + "/" + qn("w:tblpPr"))
    assert position is not None
    assert (position.get(qn("w:vertAnchor")), position.get(qn("w:tblpYSpec"))) == ("margin", "bottom")
    width_mm = int(table.find(qn("w:tblGrid") + "/" + qn("w:gridCol")).get(qn("w:w"))) / 1440 * 25.4
    assert 145 <= width_mm < 151   # narrower than the 156 mm 版心, or LibreOffice 7.4 keeps it inline
    assert anchor.tag == qn("w:p") and not "".join(t.text or "" for t in anchor.iter(qn("w:t")))
    assert anchor.find(qn("w:r")) is None   # an empty anchor paragraph, so no extra page


def test_ampersand_and_angle_brackets_render(tmp_path):
    """docxtpl pitfall 1: with autoescape a unit named A&B<C> neither breaks the file nor vanishes."""
    out, _ = rendered("月调度", tmp_path)
    doc = Document(str(out))
    text = all_text(doc)
    assert "A&B<C>局" in text and "A&B<C> 审批未完成" in text


def test_missing_libreoffice_warns_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(circular, "find_soffice", lambda: None)
    with pytest.warns(ToolkitWarning, match="libreoffice-writer-nogui"):
        assert circular.convert_to_pdf([tmp_path / "a.docx"], tmp_path) == []


# ------------------------------------------------------------------------------------------ end to end

def add_week_reports(ws: Path, period_id: str, day: int) -> None:
    """Lead-unit reports for every task: every third one far behind, every seventh done."""
    from toolkit.ledger import load_ledger, save_ledger
    workspace = Workspace.at(ws)
    ledger = load_ledger(workspace)
    for task in ledger.tasks:
        progress = 100 if task.seq % 7 == 0 else 2 if task.seq % 3 == 0 else 30
        for unit in task.lead_units[:1]:
            ledger.progress.append(ProgressRecord(period_id, unit, task.id, "主办",
                                                  "已完成" if progress == 100 else "序时推进", progress,
                                                  "推进中", "A&B<C> 资金未到位" if progress == 2 else "", "加快推进",
                                                  received=datetime(2024, 3, day, 9)))
    for unit in sorted({t.lead_units[0] for t in ledger.tasks if t.lead_units}):
        ledger.submissions.append(SubmissionRecord(period_id, unit, True, True, datetime(2024, 3, day, 9)))
    save_ledger(workspace, ledger)


def test_real_notice_week_circular_end_to_end(parsed_workspace):
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import load_ledger
    add_week_reports(parsed_workspace, "2024-W11", 14)
    add_week_reports(parsed_workspace, "2024-W12", 21)
    result = run_toolkit(parsed_workspace, "circular", "2024-W12", "--date", "2024-03-25")
    assert result.returncode == 0, result.stderr
    files = list((parsed_workspace / "outputs" / "2024-W12" / "通报").glob("*.docx"))
    assert len(files) == 1 and "周盘点" in files[0].name

    ws = Workspace.at(parsed_workspace)
    config = load_config(ws)
    ledger = load_ledger(ws)
    statuses = progress.evaluate(ledger, parse_period("2024-W12", config), config, load_directory(ws))
    states = [statuses[t.id].state for t in ledger.tasks]
    total, done, lagging = len(states), states.count("已完成"), states.count("滞后")
    assert total == 76 and lagging > 0
    doc = Document(str(files[0]))
    text = all_text(doc)
    on_track = done + states.count("超序时") + states.count("序时推进")
    assert f"{total}项任务中，按序时推进{on_track}项（已完成{done}项、" in text
    assert f"占{on_track / total * 100:.1f}%；滞后{lagging}项" in text
    table = table_with_header(doc, "序号", "任务摘要")
    assert len(table.rows) - 1 == lagging
    assert "A&B<C> 资金未到位" in text
    assert [(r.kind, r.number, r.period) for r in ledger.circulars] == [("周盘点", 1, "2024-W12")]

    # re-rendering reuses the number; a month gets its own series
    assert run_toolkit(parsed_workspace, "circular", "2024-W12", "--date", "2024-03-26").returncode == 0
    assert run_toolkit(parsed_workspace, "circular", "2024-03", "--date", "2024-03-31").returncode == 0
    ledger = load_ledger(ws)
    assert sorted((r.kind, r.number, r.period) for r in ledger.circulars) == [("周盘点", 1, "2024-W12"),
                                                                              ("月调度", 1, "2024-03")]
    assert next(r for r in ledger.circulars if r.kind == "周盘点").issued == date(2024, 3, 26)


def test_workspace_template_overrides_the_bundled_one(parsed_workspace):
    from docx import Document as NewDocument
    own = parsed_workspace / "templates"
    own.mkdir()
    doc = NewDocument()
    doc.add_paragraph("自定义模板 {{ title }} 第{{ number }}期")
    doc.save(str(own / "周盘点.docx"))
    add_week_reports(parsed_workspace, "2024-W12", 21)
    out = circular.render_circulars(Workspace.at(parsed_workspace), "2024-W12", date(2024, 3, 25), False)
    assert "自定义模板 政府工作报告任务目标周盘点情况通报 第1期" in all_text(Document(str(out[0])))


def test_pdf_is_a4_and_paginated(parsed_workspace, tmp_path):
    if not shutil.which("soffice") or not shutil.which("pdfinfo"):
        pytest.skip("需要 LibreOffice（soffice）和 poppler-utils（pdfinfo）：apt-get install "
                    "libreoffice-writer-nogui poppler-utils fonts-noto-cjk")
    add_week_reports(parsed_workspace, "2024-W12", 21)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ToolkitWarning)   # a failed conversion must not pass silently
        files = circular.render_circulars(Workspace.at(parsed_workspace), "2024-W12", date(2024, 3, 25), True,
                                          kinds=["周盘点", "月调度"])
    pdfs = [f for f in files if f.suffix == ".pdf"]
    assert len(pdfs) == 2
    for pdf in pdfs:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "(A4)" in info
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert 2 <= pages <= 40
        if shutil.which("pdftotext"):
            first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout
            last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"],
                                  capture_output=True, text=True, check=True).stdout
            assert "督查通报" in first and re.search(r"—\s*1\s*—", first)
            assert "印发" in last        # 版记 on the last page
            assert_colophon_at_the_bottom(pdf, pages)
            # page 1 is the leader's summary: the headline and the comparison sentence, not half empty
            assert "按序时推进" in first and ("相比" in first or "基线" in first), first
        if shutil.which("pdfimages"):   # the chart follows the summary at once: on page 1 or 2
            images = subprocess.run(["pdfimages", "-list", "-f", "1", "-l", "2", str(pdf)], capture_output=True,
                                    text=True, check=True).stdout.splitlines()[2:]
            assert [line.split()[2] for line in images].count("image") == 1, f"{pdf.name}: 前两页应有图1"


def assert_colophon_at_the_bottom(pdf: Path, pages: int) -> None:
    """The 印发 line ends on the bottom of the 版心 (35 mm above the paper edge) of the last page."""
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", str(pages), "-l", str(pages), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    page_height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', bbox).group(1))
    bottoms = [float(y) for y, word in re.findall(r'yMax="([\d.]+)">([^<]*)</word>', bbox) if "印发" in word]
    assert bottoms, f"{pdf.name}: 末页没有印发行"
    text_block_bottom = page_height - 35 / 25.4 * 72
    assert text_block_bottom - 12 <= max(bottoms) <= text_block_bottom + 2, (pdf.name, max(bottoms),
                                                                              text_block_bottom)


# ------------------------------------------------------------------------------------------ real holders

def test_unit_ranking_uses_the_holders_in_the_assignments_not_collective_names():
    """责任分工 decides who is ranked: a collective lead (各镇街) is expanded or left out, never ranked itself."""
    from toolkit.directory import Directory, Unit
    from toolkit.models import Assignment

    config = Config()
    period = parse_period("2024-03", config)
    ledger = small_ledger()
    ledger.assignments = [Assignment("1", "各镇街", "主办", "位置推定"), Assignment("2", "统计局", "主办", "人工"),
                          Assignment("3", "区商务局", "主办", "粗体"), Assignment("4", "区住房城乡建设局", "主办", "粗体"),
                          Assignment("5", "A&B<C>局", "协办", "粗体")]
    directory = Directory([Unit("甲镇", category="镇街"), Unit("乙街道", category="镇街"),
                           Unit("区统计局", ["统计局"], "区直部门")])
    raw = {r["unit"] for r in circular.unit_rows(ledger, STATUSES, period)}
    assert raw == {"统计局", "区商务局", "区住房城乡建设局", "A&B<C>局"}      # 各镇街 left out without a directory
    rows = {r["unit"]: r for r in circular.unit_rows(ledger, STATUSES, period, directory)}
    assert set(rows) == {"甲镇", "乙街道", "区统计局", "区商务局", "区住房城乡建设局", "A&B<C>局"}
    assert rows["甲镇"]["on_time_rate"] == "100.0%" and rows["区统计局"]["lagging"] == 1


def test_not_updated_follows_the_assignments_not_the_role_on_the_report():
    from toolkit.models import Assignment

    ledger = small_ledger()
    ledger.progress.append(ProgressRecord("2024-W12", "区统计局", "2", "协办", "滞后", 10, "", "", ""))
    # the report says 协办, but 责任分工 makes 区统计局 the lead of task 2: it counts as an update
    ledger.assignments = [Assignment(t.id, t.lead_units[0], "主办", "粗体") for t in ledger.tasks]
    period = parse_period("2024-W12", Config())
    assert circular.updated_task_ids(ledger, period) == {"1", "2"}
    # and a report by a unit that no longer holds the task does not
    ledger.assignments = [a for a in ledger.assignments if a.task_id != "1"] + [
        Assignment("1", "区统计局", "主办", "人工")]
    assert circular.updated_task_ids(ledger, period) == {"2"}
