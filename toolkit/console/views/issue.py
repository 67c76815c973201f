"""下发: pick the period (due date shown), generate the forms, download them as one .zip, copy the 下发通知."""
from __future__ import annotations

from flask import Blueprint, render_template

from toolkit.console import actions, files
from toolkit.console.views.shared import chosen_period, start_period_job, workspace

bp = Blueprint("issue", __name__)


@bp.get("/issue")
def page():
    period = chosen_period()
    ws = workspace()
    issued = files.files_with(ws.issued_dir(period.id), ".xlsx") if period else []
    notice_text = files.read_text(ws.period_dir(period.id) / "下发通知.txt") if period else ""
    issue_list = ws.period_dir(period.id) / "下发清单.xlsx" if period else None
    return render_template("issue.html", period=period, issued=issued, notice_text=notice_text,
                           issue_list=issue_list if issue_list and issue_list.exists() else None,
                           ledger_exists=ws.ledger.exists())


@bp.post("/issue/run")
def run():
    ws = workspace()
    return start_period_job("issue.page", "下发{period}填报表",
                            lambda period, job: actions.issue_forms(ws, period.id, job.track),
                            lambda outcome: outcome.lines())
