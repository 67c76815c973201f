"""回收: drop returned files (and .zip) into the inbox, run the collection, read the report and the 退回 texts."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from toolkit.console import actions, files
from toolkit.console.views.shared import chosen_period, start_period_job, workspace

bp = Blueprint("collect", __name__)
PACKAGE_LIMIT_MB = 200


@bp.get("/collect")
def page():
    period = chosen_period()
    ws = workspace()
    inbox = ws.returns(period.id) if period else None
    listed = files.listed(inbox, actions.returned_files(inbox)) if inbox else []
    header, rows = files.report_table(actions.report_path(ws, period.id)) if period else ([], [])
    notes = files.return_notes(actions.return_dir(ws, period.id)) if period else []
    return render_template("collect.html", period=period, inbox=inbox, listed=listed, header=header, rows=rows,
                           notes=notes, report=actions.report_path(ws, period.id) if period else None,
                           limit_mb=actions.upload_limit_mb(ws))


@bp.post("/collect/upload")
def upload():
    """Each file into inputs/回收/<周期>/ under a safe new name; a file past the limit is refused on its own."""
    period = chosen_period()
    if period is None:
        return redirect(url_for("collect.page"))
    ws = workspace()
    saved, refused = [], []
    limit = actions.upload_limit_mb(ws)
    modified = request.form.getlist("modified")
    for index, upload in enumerate(request.files.getlist("files")):
        if not upload.filename:
            continue
        cap = PACKAGE_LIMIT_MB if upload.filename.lower().endswith(files.PACKAGE_SUFFIXES) else limit
        when = modified[index] if index < len(modified) else None
        try:
            saved.append(files.save_upload(ws.returns(period.id), upload.filename, upload.stream, cap, when).name)
        except files.Refused as exc:
            refused.append(exc.message)
    if request.headers.get("X-Requested-With"):
        return jsonify({"saved": saved, "refused": refused})
    for name in saved:
        flash(f"已放入回收文件夹：{name}", "info")
    for message in refused:
        flash(message, "error")
    if not saved and not refused:
        flash("请先选择文件。", "error")
    return redirect(url_for("collect.page", period=period.id))


@bp.post("/collect/run")
def run():
    ws = workspace()
    return start_period_job("collect.page", "回收{period}",
                            lambda period, job: actions.collect_period(ws, period.id, job.track),
                            lambda outcome: outcome.lines())
