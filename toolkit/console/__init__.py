"""The clerk's console (`toolkit serve`): one page per step of the week over the same library calls as the commands.

Flask's tutorial layout: create_app() builds the app; one blueprint per step (工作台, 通知, 下发, 回收, 报送情况, 通报,
台账) plus `files` (downloads, job progress); templates/ and static/ beside this file.
"""
from __future__ import annotations

import atexit
import secrets
import shutil
import tempfile
from pathlib import Path

from flask import Flask

from toolkit.workspace import Workspace

MAX_REQUEST_MB = 256        # one upload request; each file is also checked on its own (files.save_upload)


def _preview_folder() -> Path:
    """Where first pages of circulars are drawn; removed when the console stops."""
    folder = Path(tempfile.mkdtemp(prefix="toolkit-console-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def create_app(workspace: str | Path | Workspace, token: str, port: int | None = None, *,
               max_request_mb: float = MAX_REQUEST_MB, open_in_desktop=None) -> Flask:
    """The console for one workspace. `port` is the one the server listens on (Host checks); `token` opens it."""
    from toolkit.console import files, security
    from toolkit.console.jobs import Jobs
    from toolkit.console.views import circular, collect, home, issue, ledger, notice, shared, status

    app = Flask(__name__)
    ws = workspace if isinstance(workspace, Workspace) else Workspace.at(workspace)
    app.config.update(
        WORKSPACE=ws, TOKEN=token, PORT=port, MAX_CONTENT_LENGTH=int(max_request_mb * 1024 * 1024),
        OPEN_IN_DESKTOP=open_in_desktop or files.open_in_desktop, JOBS=Jobs(),
        PREVIEWS=_preview_folder(),
        SECRET_KEY=secrets.token_bytes(32), SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_NAME="toolkit_session",
    )
    security.install(app)
    for module in (home, notice, issue, collect, status, circular, ledger, shared):
        app.register_blueprint(module.bp)
    app.context_processor(shared.page_globals)
    return app
