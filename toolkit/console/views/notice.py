"""通知: upload or choose the notice, see the parse --check table and warnings, then build the ledger."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from toolkit.console import actions, files
from toolkit.console.views.shared import chosen_period, workspace

bp = Blueprint("notice", __name__)
NOTICE_LIMIT_MB = 20


def _chosen(name: str | None):
    """The notice named by the request, but only one that is in inputs/ (a name, never a path)."""
    known = files.notices(workspace())
    return next((p for p in known if p.name == name), known[0] if known and not name else None), known


@bp.get("/notice")
def page():
    path, known = _chosen(request.args.get("file"))
    preview = actions.call(lambda: actions.preview_notice(path)) if path else None
    return render_template("notice.html", period=chosen_period(), path=path, known=known, preview=preview,
                           ledger_exists=workspace().ledger.exists(), rule_words=actions.lead_rule_words())


@bp.post("/notice/upload")
def upload():
    upload = request.files.get("notice")
    if upload is None or not upload.filename:
        flash("请先选择通知文件。", "error")
        return redirect(url_for("notice.page"))
    if not upload.filename.lower().endswith(files.NOTICE_SUFFIXES):
        flash(f"《{files.upload_name(upload.filename)}》不是通知文件：请上传 .txt、.docx 或 .xlsx 任务表。", "error")
        return redirect(url_for("notice.page"))
    try:
        saved = files.save_upload(workspace().inputs, upload.filename, upload.stream, NOTICE_LIMIT_MB)
    except files.Refused as exc:
        flash(exc.message, "error")
        return redirect(url_for("notice.page"))
    flash(f"已放入 inputs/{saved.name}", "info")
    return redirect(url_for("notice.page", file=saved.name))


@bp.post("/notice/build")
def build():
    path, known = _chosen(request.form.get("file") or "-")
    if path is None:
        flash("请先选择 inputs/ 中的通知文件。", "error")
        return redirect(url_for("notice.page"))
    force = request.form.get("force") == "1"
    outcome = actions.call(lambda: actions.build_ledger(workspace(), path, force))
    return render_template("notice.html", period=chosen_period(), path=path, known=known, built=outcome,
                           preview=None, ledger_exists=workspace().ledger.exists())
