"""Who may drive the console: this machine only, with the token, from the console's own pages (Jupyter's model)."""
from __future__ import annotations

import hmac
from urllib.parse import urlencode, urlsplit

from flask import Flask, abort, current_app, redirect, render_template, request

TOKEN_PARAM = "token"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


PLAIN = {400: "请求不完整或有误，请回到页面重新操作。", 403: "请求被拒绝。", 404: "没有这个页面或文件。",
         405: "不能这样打开这个地址，请从控制台页面上的按钮操作。"}


def cookie_name(app: Flask) -> str:
    """Per port, so two consoles on one PC (two workspaces) keep their own cookie."""
    return f"toolkit_token_{app.config['PORT']}"


def allowed_hosts(app: Flask) -> set[str]:
    port = app.config["PORT"]
    return {f"127.0.0.1:{port}", f"localhost:{port}"}


def _same_token(given: str | None, token: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def _origin_ok(value: str | None, hosts: set[str]) -> bool:
    if not value:
        return True                      # not sent: not a cross-site browser request
    parts = urlsplit(value)
    return parts.scheme == "http" and parts.netloc in hosts


def check_request():
    """before_request: Host, Origin/Referer, then the token (from the first URL, then the cookie)."""
    app = current_app
    hosts = allowed_hosts(app)
    if request.host not in hosts:
        abort(403, description=f"地址 {request.host} 不是本控制台。请用 toolkit serve 打印的 http://127.0.0.1 地址打开。")
    if not _origin_ok(request.headers.get("Origin"), hosts) or not _origin_ok(request.headers.get("Referer"), hosts):
        abort(403, description="请求来自其他网站，已拒绝。请直接在控制台页面中操作。")
    token = app.config["TOKEN"]
    if _same_token(request.args.get(TOKEN_PARAM), token) and request.method == "GET":
        args = {k: v for k, v in request.args.items() if k != TOKEN_PARAM}
        response = redirect(request.path + (f"?{urlencode(args)}" if args else ""))
        response.set_cookie(cookie_name(app), token, httponly=True, samesite="Strict", path="/")
        return response
    if not _same_token(request.cookies.get(cookie_name(app)), token):
        abort(403, description="缺少访问令牌。请用 toolkit serve 打印的完整地址（含 token=…）打开控制台，"
                               "或双击“督查台账”启动器。")
    return None


def harden(response):
    """after_request: no framing, no outside requests, nothing cached."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def refused(error):
    """403 and 413 as a Chinese page (or JSON for the page's own scripts)."""
    code = getattr(error, "code", 403)
    message = getattr(error, "description", "")
    if not message or message == type(error).description:      # werkzeug's own English sentence
        message = PLAIN.get(code, "请求被拒绝。")
    if code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        message = f"上传的文件太大（一次最多 {limit} MB），未接收。请分几次上传，或确认是不是发错了文件。"
    if request.accept_mimetypes.best == "application/json" or request.headers.get("X-Requested-With"):
        return {"error": message}, code
    return render_template("refused.html", message=message, code=code), code


def install(app: Flask) -> None:
    app.before_request(check_request)
    app.after_request(harden)
    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, refused)
