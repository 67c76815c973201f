"""`toolkit demo`: the whole cycle on the bundled notice, end to end."""
from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.demo import run_demo
from toolkit.ledger import load_ledger
from toolkit.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.filterwarnings("ignore::toolkit.errors.ToolkitWarning")  # the demo warns about 相关镇街 on purpose
def test_demo_runs_the_whole_cycle(tmp_path):
    printed: list[str] = []
    outcome = run_demo(Workspace.at(ROOT), tmp_path / "演示", echo=printed.append, pdf=False)
    ws = Workspace.at(tmp_path / "演示")
    text = "\n".join(printed + outcome.lines())
    for week in ("2024-W11", "2024-W12"):
        assert len(list(ws.issued_dir(week).glob("*.xlsx"))) >= 50
        assert (ws.period_dir(week) / "校验报告.xlsx").exists()
        assert (ws.period_dir(week) / "汇总.xlsx").exists()
        assert any(ws.archive(week).iterdir())
    circulars = sorted(ws.outputs.glob("*/通报/*.docx"))
    assert [p.parent.parent.name for p in circulars] == ["2024-03", "2024-03中旬", "2024-H1", "2024-W12"]
    ledger = load_ledger(ws)
    assert {p.period for p in ledger.progress} == {"2024-W11", "2024-W12"}
    silent = [s for s in ledger.submissions if s.period == "2024-W12" and not s.reported]
    assert len(silent) == 2, "two units stay silent"
    assert sum(s.late for s in ledger.submissions if s.period == "2024-W12") == 3
    assert "退回" in text and str(ws.ledger) in text
    assert len(ledger.circulars) == 4          # 周盘点, 旬推进, 月调度 and the 上半年 完成情况报告
    # the demo ends with the month's 考核 and the 上半年 report, and says where they are
    score = ws.period_dir("2024-03") / "考核.xlsx"
    [report] = ws.circular_dir("2024-H1").glob("*.docx")
    assert score.exists() and "完成情况报告" in report.name and ledger.scores
    assert f"考核（2024-03）：{score}" in text and f"上半年完成情况报告：{report}" in text and "得分最高" in text
    # issue 13: one 销号 with its evidence in a .zip and one 调整 request, and where the clerk reviews them
    (closure,) = ledger.closures
    assert closure.period == "2024-W12" and [e.task_id for e in ledger.evidence] == [closure.task_id]
    (request,) = ledger.adjustments
    assert request.requested.year == 2025 and request.reason
    assert "“销号审核”“调整审核”表" in text and "模拟销号" in text and "模拟调整" in text


@pytest.mark.filterwarnings("ignore::toolkit.errors.ToolkitWarning")
def test_demo_shows_a_true_revision_an_untouched_return_and_a_stray_file(tmp_path):
    from python_calamine import CalamineWorkbook

    run_demo(Workspace.at(ROOT), tmp_path / "演示", echo=lambda _: None, pdf=False)
    ws = Workspace.at(tmp_path / "演示")
    rows = CalamineWorkbook.from_path(str(ws.period_dir("2024-W12") / "校验报告.xlsx")) \
        .get_sheet_by_name("校验报告").to_python()
    header = rows[0]
    problems = [dict(zip(header, r)) for r in rows[1:]]
    codes = {p["代码"] for p in problems}
    # the 修改版 differs from the first file, so it supersedes it (an identical copy would be a duplicate)
    superseded = [p for p in problems if p["代码"] == "superseded"]
    assert superseded and "duplicate-file" not in codes
    assert "（修改版）" not in superseded[0]["文件"]
    unchanged_units = {p["单位"] for p in problems if p["代码"] == "unchanged"}
    assert len(unchanged_units) == 1
    stray = next(p for p in problems if p["文件"].endswith("-情况说明.xlsx"))
    assert stray["代码"] == "unreadable"
    note = (ws.period_dir("2024-W12") / "退回" / f"{stray['单位']}.txt").read_text(encoding="utf-8")
    assert "已通过校验并采用，无需重新报送" in note and "情况说明.xlsx" in note
    assert "请按说明修改后尽快重新报送" not in note
    ledger = load_ledger(ws)
    submission = next(s for s in ledger.submissions if s.period == "2024-W12" and s.unit == stray["单位"])
    assert submission.reported
