"""The 半年 / 前三季度 / 全年 完成情况报告 (issue 14 §2): report periods, refusal, counts equal to the ledger, A4 PDF."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from conftest import run_toolkit
from test_circular import add_week_reports

from toolkit import circular, progress
from toolkit.basis import circular_basis
from toolkit.config import Config, load_config
from toolkit.directory import load_directory
from toolkit.errors import ToolkitError
from toolkit.ledger import load_ledger
from toolkit.periods import parse_period, period_end_of
from toolkit.workspace import BUNDLED_TEMPLATES, Workspace


@pytest.mark.parametrize("text, period_id, start, end", [
    ("2024-H1", "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
    ("2024年上半年", "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
    ("2024年下半年", "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
    ("2024-Q3", "2024-Q3", date(2024, 1, 1), date(2024, 9, 30)),
    ("2024年前三季度", "2024-Q3", date(2024, 1, 1), date(2024, 9, 30)),
    ("2024年一季度", "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("2024", "2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024年", "2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("２０２４年全年", "2024", date(2024, 1, 1), date(2024, 12, 31)),
])
def test_report_periods_parse(text, period_id, start, end):
    period = parse_period(text, Config(), reporting=True)
    assert (period.id, period.start, period.end) == (period_id, start, end)
    assert period_end_of(period.id) == end
    assert circular.kinds_for(period, None) == ["完成情况报告"]


def test_report_periods_are_never_collection_periods(parsed_workspace):
    with pytest.raises(ToolkitError, match="汇总报告期"):
        parse_period("2024-H1", Config())
    result = run_toolkit(parsed_workspace, "issue", "2024-H1")
    assert result.returncode == 2 and "汇总报告期" in result.stdout + result.stderr


def test_report_without_collections_is_refused(parsed_workspace):
    result = run_toolkit(parsed_workspace, "circular", "2024-H1")
    assert result.returncode == 2 and "不能生成通报" in result.stdout + result.stderr
    assert not (parsed_workspace / "outputs" / "2024-H1").exists()


def test_gap_is_written_in_the_targets_own_terms():
    assert circular.gap_text(19.1, 20, "%") == "低于目标0.9个百分点"
    assert circular.gap_text(120, 200, "个") == "差80个"
    assert circular.gap_text(200, 200, "个") == "已达到目标"
    assert circular.gap_text(8.5, 8, "亿元") == "超出目标0.5亿元"
    assert circular.gap_text(None, 8, "亿元") == "未报送完成值"


def test_half_year_report_counts_equal_the_ledger_and_print_on_a4(parsed_workspace, tmp_path):
    add_week_reports(parsed_workspace, "2024-W11", 14)
    add_week_reports(parsed_workspace, "2024-W12", 21)
    result = run_toolkit(parsed_workspace, "circular", "2024年上半年", "--pdf")
    assert result.returncode == 0, result.stdout + result.stderr
    files = sorted((parsed_workspace / "outputs" / "2024-H1" / "通报").glob("*.docx"))
    assert len(files) == 1 and "上半年" in files[0].name and "完成情况报告" in files[0].name

    ws = Workspace.at(parsed_workspace)
    config = load_config(ws)
    ledger = load_ledger(ws)
    period = parse_period("2024-H1", config, reporting=True)
    basis = circular_basis(ledger, period, config)
    assert [c.id for c in basis.collections] == ["2024-W11", "2024-W12"] and basis.data_end == date(2024, 3, 24)
    statuses = progress.evaluate(ledger, basis.evaluated, config, load_directory(ws))
    states = [statuses[t.id].state for t in ledger.tasks]
    on_track = sum(states.count(s) for s in ("已完成", "超序时", "序时推进"))
    doc = Document(str(files[0]))
    paragraphs = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in doc.element.body.iter(qn("w:p"))]
    text = "\n".join(paragraphs)
    assert "依据第11周（3月11日—3月17日）、第12周（3月18日—3月24日）各单位报送情况，数据截至3月24日。" in text
    assert f"{len(states)}项任务中，按序时推进{on_track}项（" in text
    assert f"滞后{states.count('滞后')}项" in text
    every_task = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号" and "完成时限" in
                      [c.text for c in t.rows[0].cells])
    shown = {row.cells[0].text: row.cells[5].text for row in every_task.rows[1:]}
    assert shown == {t.id: statuses[t.id].state for t in ledger.tasks}
    sections = next(t for t in doc.tables if t.rows[0].cells[0].text == "部分")
    assert sum(int(row.cells[1].text) for row in sections.rows[1:]) == len(ledger.tasks)
    assert sum(int(row.cells[4].text) for row in sections.rows[1:]) == states.count("滞后")
    targets = next(t for t in doc.tables if t.rows[0].cells[0].text == "指标" and len(t.columns) == 2)
    assert len(targets.rows) - 1 == len(ledger.targets)
    assert "{{" not in text and "{%" not in text

    pdf = files[0].with_suffix(".pdf")
    if not shutil.which("pdfinfo"):
        pytest.skip("需要 poppler-utils（pdfinfo）：apt-get install poppler-utils")
    assert pdf.exists(), result.stderr
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info and int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 2


def test_report_template_has_no_undeclared_variable():
    from test_circular import context_for
    tpl = DocxTemplate(str(BUNDLED_TEMPLATES / "完成情况报告.docx"))
    context = context_for("完成情况报告", tpl, period_text="2024-03")
    assert tpl.get_undeclared_template_variables(context=context) == set()
