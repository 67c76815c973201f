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
    assert [p.parent.parent.name for p in circulars] == ["2024-03", "2024-03中旬", "2024-W12"]
    ledger = load_ledger(ws)
    assert {p.period for p in ledger.progress} == {"2024-W11", "2024-W12"}
    silent = [s for s in ledger.submissions if s.period == "2024-W12" and not s.reported]
    assert len(silent) == 2, "two units stay silent"
    assert sum(s.late for s in ledger.submissions if s.period == "2024-W12") == 3
    assert "退回" in text and str(ws.ledger) in text
    assert len(ledger.circulars) == 3
