"""`toolkit serve`: the console on 127.0.0.1, a free port, a fresh token, waitress as the server, the browser opened."""
from __future__ import annotations

import secrets
import threading
import webbrowser
from dataclasses import dataclass

from toolkit.errors import ToolkitError
from toolkit.workspace import Workspace

HOST = "127.0.0.1"      # this machine only; never 0.0.0.0


@dataclass
class ServeOutcome:
    url: str
    exit_code: int = 0

    def lines(self) -> list[str]:
        return ["控制台已关闭。"]


def console_url(port: int, token: str) -> str:
    return f"http://{HOST}:{port}/?token={token}"


def serve(ws: Workspace, port: int = 0, open_browser: bool = True, echo=print) -> ServeOutcome:
    """Run until Ctrl+C. port 0 picks a free one; the address (with its token) is printed and opened."""
    from waitress import create_server

    from toolkit.console import create_app

    if not ws.root.is_dir():
        raise ToolkitError(f"工作区目录 {ws.root} 不存在。")
    token = secrets.token_urlsafe(24)
    app = create_app(ws, token)
    try:
        server = create_server(app, host=HOST, port=port, threads=4, ident="toolkit")
    except OSError as exc:
        raise ToolkitError(f"端口 {port} 无法使用（{exc.strerror or exc}）。请换一个端口，或不写 --port 自动选择。") from exc
    app.config["PORT"] = server.effective_port
    url = console_url(server.effective_port, token)
    echo(f"督查台账控制台已启动（工作区 {ws.root}）。")
    echo(f"请在浏览器中打开：{url}")
    echo("只有本机能访问；关闭控制台请在此窗口按 Ctrl+C。")
    if open_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return ServeOutcome(url)
