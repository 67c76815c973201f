"""台账: the 总览 numbers, a link to open 台账.xlsx, and the review sheets waiting for a decision."""
from __future__ import annotations

from flask import Blueprint, render_template

from toolkit.console import actions, checklist, files
from toolkit.console.views.shared import chosen_period, workspace
from toolkit.models import STATES

bp = Blueprint("ledger", __name__)


@bp.get("/ledger")
def page():
    ws = workspace()
    result = actions.call(lambda: actions.load_ledger(ws)) if ws.ledger.exists() else None
    summary = checklist.ledger_summary(result.value) if result and result.ok else None
    return render_template("ledger.html", period=chosen_period(), result=result, summary=summary, states=STATES,
                           reviews=files.review_waiting(ws.ledger) if ws.ledger.exists() else [],
                           ledger_path=ws.ledger)

