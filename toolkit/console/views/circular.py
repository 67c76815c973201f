"""通报: generate the circular (and PDF where LibreOffice is present), preview its first page, download it."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file

from toolkit.console import actions, files
from toolkit.console.views.shared import chosen_period, start_period_job, workspace

bp = Blueprint("circular", __name__)


def _products(period) -> tuple[list, list]:
    folder = workspace().circular_dir(period.id)
    return files.files_with(folder, ".docx"), files.files_with(folder, ".pdf")


@bp.get("/circular")
def page():
    period = chosen_period()
    docs, pdfs = _products(period) if period else ([], [])
    image = pdfs[0] if pdfs and files.can_draw_pdf() else None      # else the first paragraphs of the .docx
    paragraphs = files.docx_paragraphs(docs[0]) if docs and image is None else []
    return render_template("circular.html", period=period, docs=docs, pdfs=pdfs, image=image, paragraphs=paragraphs,
                           pdf_available=actions.pdf_available())


@bp.get("/circular/preview")
def preview():
    """The first page of one of the period's PDFs, as an image."""
    period = chosen_period()
    pdf = next((p for p in _products(period)[1] if p.name == request.args.get("name")), None)
    png = files.pdf_first_page(pdf, current_app.config["PREVIEWS"]) if pdf else None
    if png is None:
        abort(404, description="没有可预览的 PDF（需要 LibreOffice 生成 PDF，poppler 显示首页）。")
    return send_file(png, mimetype="image/png")


@bp.post("/circular/run")
def run():
    ws = workspace()
    pdf = request.form.get("pdf") == "1"
    return start_period_job("circular.page", "生成{period}通报",
                            lambda period, job: actions.render_circulars(ws, period.id, pdf),
                            lambda paths: [f"已生成：{p.name}" for p in paths])
