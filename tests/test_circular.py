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
from toolkit import circular
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
                               SubmissionRecord("2024-W12", "区商务局", True, False)],
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


def test_headline_counts_and_shares_from_the_statuses():
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "周盘点.docx"))
    context = context_for("周盘点", tpl)
    assert context["headline"] == ("5项任务中，已完成1项、占比20.0%；序时推进1项、占比20.0%；滞后2项、占比40.0%；"
                                   "未报送1项、占比20.0%")
    assert context["counts"]["滞后"] == 2 and context["shares"]["已完成"] == "20.0"


def test_changes_since_the_previous_period():
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "周盘点.docx"))
    context = context_for("周盘点", tpl)
    assert context["newly_completed"] == ["1"]
    assert context["newly_lagging"] == ["3"]           # task 2 was already lagging
    assert context["not_updated"] == ["2", "3", "4", "5"]   # only task 1's lead unit reported in W12
    assert "2024年第11周" in context["changes_intro"]


def test_reporting_units_and_leader_table():
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "周盘点.docx"))
    context = context_for("周盘点", tpl)
    assert (context["expected_units"], context["on_time_units"]) == (3, 1)
    assert context["unreported_text"] == "区商务局" and context["late_text"] == "区统计局"
    rows = {r["leader"]: r for r in context["leader_rows"]}
    assert rows["石可清"] == {"leader": "石可清", "tasks": 3, "done": 1, "on_track": 1, "lagging": 1}
    assert rows["展召爽"]["lagging"] == 1


def test_unit_ranking_and_indicators_for_the_month():
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "月调度.docx"))
    context = context_for("月调度", tpl, period_text="2024-03")
    ranking = [(r["rank"], r["unit"]) for r in context["unit_rows"]]
    assert ranking[:2] == [(1, "区住房城乡建设局"), (1, "区工业和信息化局")]   # both 100 %, no lagging, no problems
    assert ranking[-1][1] in ("区商务局", "区统计局")
    assert context["indicator_rows"] == [{"id": "4#1", "task_id": "4", "phrase": "新建1处高品质住宅项目",
                                          "target": "1", "unit": "处", "current": "0.5", "rate": "50.0%"}]
    assert context["indicators_on_schedule"] == 1      # 50 % ≥ 序时 20.6 %
    assert context["requirements"] == list(Config().circular.requirements)


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
    assert font_of("截至2024年3月25日") == "仿宋_GB2312"
    assert font_of("督查通报") == "方正小标宋简体"
    assert f"{kind}　第3期" in text
    assert doc.inline_shapes and doc.inline_shapes[0].width <= circular.CHART_WIDTH_MM * 36000


@pytest.mark.parametrize("kind", KINDS)
def test_counts_in_text_equal_the_ledger(kind, tmp_path):
    out, _ = rendered(kind, tmp_path)
    text = all_text(Document(str(out)))
    assert "截至2024年3月25日，5项任务中，已完成1项、占比20.0%；" in text
    assert "滞后2项、占比40.0%" in text
    assert "2项任务滞后于序时进度，其中红色预警1项" in text
    assert "本期应报送单位3个，按时报送1个。未报送单位（1个）：区商务局。迟报单位（1个）：区统计局。" in text


@pytest.mark.parametrize("kind", KINDS)
def test_lagging_table_has_one_row_per_lagging_task_red_first(kind, tmp_path):
    out, _ = rendered(kind, tmp_path)
    table = table_with_header(Document(str(out)), "序号", "任务摘要")
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[1] for r in rows] == ["激活汽车家电消费", "持续深化助企攀登"]   # task 3 (红) before task 2
    assert rows[0] == ["1", "激活汽车家电消费", "展召爽", "区商务局", "0.5%", "20.6%", "A&B<C> 审批未完成"]


def test_push_list_of_the_xun_circular_has_problems_and_plans(tmp_path):
    out, _ = rendered("旬推进", tmp_path)
    table = table_with_header(Document(str(out)), "序号", "任务摘要")  # the lagging table comes first
    doc = Document(str(out))
    push = [t for t in doc.tables if t.rows[0].cells[-1].text == "下步计划"][0]
    assert len(push.rows) == 1 + 2 and push.rows[1].cells[-1].text == "4月底前完成审批"
    assert table is not None


def test_ampersand_and_angle_brackets_render(tmp_path):
    """docxtpl pitfall 1: with autoescape a unit named A&B<C> neither breaks the file nor vanishes."""
    out, _ = rendered("月调度", tmp_path)
    doc = Document(str(out))
    text = all_text(doc)
    assert "A&B<C>局" in text and "A&B<C> 审批未完成" in text


def test_no_cjk_font_warns(monkeypatch):
    from matplotlib import font_manager
    monkeypatch.setattr(circular, "_cjk_font_cache", [])
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    with pytest.warns(ToolkitWarning, match="fonts-noto-cjk"):
        assert circular.cjk_font() is None


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
    statuses = progress.evaluate(ledger, parse_period("2024-W12", config), config)
    states = [statuses[t.id].state for t in ledger.tasks]
    total, done, lagging = len(states), states.count("已完成"), states.count("滞后")
    assert total == 76 and lagging > 0
    doc = Document(str(files[0]))
    text = all_text(doc)
    assert f"{total}项任务中，已完成{done}项、占比{done / total * 100:.1f}%" in text
    assert f"滞后{lagging}项、占比{lagging / total * 100:.1f}%" in text
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
