"""报送情况: who has sent, who is late, who is missing, and the 催报 text."""
from __future__ import annotations

from flask import Blueprint, render_template

from toolkit.console import actions
from toolkit.console.views.shared import chosen_period, workspace

bp = Blueprint("status", __name__)


@bp.get("/status")
def page():
    period = chosen_period()
    result = actions.call(lambda: actions.period_status(workspace(), period.id)) if period else None
    return render_template("status.html", period=period, result=result)
