"""工作台: the chosen period and the week's steps as a checklist."""
from __future__ import annotations

from flask import Blueprint, render_template

from toolkit.console import checklist
from toolkit.console.views.shared import chosen_period, workspace

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    period = chosen_period()
    items = checklist.steps(workspace(), period) if period else []
    return render_template("home.html", period=period, items=items, upcoming=checklist.next_step(items),
                           worked=checklist.worked_periods(workspace()))
