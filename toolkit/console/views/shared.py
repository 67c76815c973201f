"""What every page shares: the workspace, the chosen period, downloads from outputs/, opening folders, job progress."""
from __future__ import annotations

from datetime import date

from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, request, send_file, url_for)

from toolkit.console import actions, files
from toolkit.console.jobs import Busy
from toolkit.errors import ToolkitError
from toolkit.workspace import Workspace

bp = Blueprint("shared", __name__)
PERIOD_COOKIE = "toolkit_period"
STEPS = [("home.index", "工作台"), ("notice.page", "通知"), ("issue.page", "下发"), ("collect.page", "回收"),
         ("status.page", "报送情况"), ("circular.page", "通报"), ("ledger.page", "台账")]


def workspace() -> Workspace:
    return current_app.config["WORKSPACE"]


def jobs():
    return current_app.config["JOBS"]


def chosen_period():
    """The period named by the request (or remembered, or this week); a bad text is told and replaced."""
    if "period" in g:
        return g.period
    ws = workspace()
    text = (request.values.get("period") or "").strip() or request.cookies.get(PERIOD_COOKIE, "")
    g.period = None
    for candidate in (text, None):
        try:
            g.period = actions.period(ws, candidate or actions.current_period_id(ws, date.today()))
            break
        except ToolkitError as exc:
            flash(f"周期“{text}”无法识别：{exc.message}", "error")
    return g.period


def remember_period(response):
    period = g.get("period")
    if period is not None and request.cookies.get(PERIOD_COOKIE) != period.id:
        response.set_cookie(PERIOD_COOKIE, period.id, httponly=True, samesite="Strict", path="/")
    return response


def page_globals() -> dict:
    return {"steps": STEPS, "workspace_root": str(workspace().root), "outputs_path": outputs_path,
            "job": shown_job()}


def outputs_path(path) -> str:
    """A file's path relative to outputs/, for download links."""
    return files.relative_to_outputs(workspace(), path)


def local_url(value: str | None) -> str:
    """Where to go back to: a path of this console only, never another site."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return url_for("home.index")


def start_period_job(endpoint: str, title: str, work, describe):
    """Start long work on the chosen period in the background and go to its page, which polls the progress.

    `work(period, job)` runs in another thread: it gets the period, never the request."""
    period = chosen_period()
    if period is None:
        return redirect(url_for(endpoint))
    page = url_for(endpoint, period=period.id)
    try:
        job = jobs().start(title.format(period=period.display), page, lambda job: work(period, job), describe)
    except Busy as exc:
        flash(str(exc), "error")
        return redirect(page)
    return redirect(f"{page}&job={job.id}")


def shown_job():
    """The job named by ?job= (running: the page polls it; finished: the page shows its outcome)."""
    return jobs().get(request.args.get("job"))


@bp.after_app_request
def _remember(response):
    return remember_period(response)


def _in_outputs(relative: str, kind: str = ""):
    """The file or folder of outputs/ a request names, or a 404 saying why."""
    try:
        target = files.outputs_target(workspace().outputs, relative)
    except files.Refused as exc:
        abort(404, description=exc.message)
    if (kind == "file" and not target.is_file()) or (kind == "folder" and not target.is_dir()):
        abort(404, description=f"outputs/{relative} 不是{'文件' if kind == 'file' else '文件夹'}。")
    return target


@bp.get("/files/download")
def download():
    path = _in_outputs(request.args.get("path", ""), "file")
    return send_file(path, as_attachment=True, download_name=path.name)


@bp.get("/files/zip")
def download_zip():
    """A folder under outputs/ (e.g. the issued forms) as one .zip."""
    folder = _in_outputs(request.args.get("path", ""), "folder")
    name = "_".join(folder.relative_to(workspace().outputs).parts) + ".zip"
    return send_file(files.zip_folder(folder), as_attachment=True, download_name=name, mimetype="application/zip")


@bp.post("/files/open")
def open_path():
    """Show a folder or open a file of outputs/ on the clerk's desktop."""
    target = _in_outputs(request.form.get("path", ""))
    current_app.config["OPEN_IN_DESKTOP"](target)
    flash(f"已在桌面打开：{target}", "info")
    return redirect(local_url(request.form.get("back")))


@bp.get("/jobs/<job_id>")
def job_progress(job_id: str):
    job = jobs().get(job_id)
    if job is None:
        abort(404, description="没有这项工作（控制台重新启动过？）。")
    return jsonify(job.as_json())
