"""Helpers shared by the console tests: an app on a parsed workspace, a client holding the token, waiting for jobs."""
from __future__ import annotations

import re
import time

from flask.testing import FlaskClient

from toolkit.console import create_app

PORT = 8765
HOST = f"127.0.0.1:{PORT}"
BASE = f"http://{HOST}"
TOKEN = "test-token-Zq3xR7"


def make_app(workspace, **kwargs):
    opened = []
    app = create_app(workspace, TOKEN, PORT, open_in_desktop=opened.append, **kwargs)
    app.config["OPENED"] = opened
    return app


class HostClient(FlaskClient):
    """A test client whose requests carry Host: `host` (the console checks it)."""
    host = HOST

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"http://{self.host}")
        return super().open(*args, **kwargs)


def client_for(app, with_token: bool = True, host: str = HOST):
    app.test_client_class = HostClient
    client = app.test_client()
    client.host = host
    if with_token:
        response = client.get(f"/?token={TOKEN}")
        assert response.status_code == 302, response.data
    return client


def printed_address(process, lines: int = 10) -> str:
    """The console address (with its token) that `toolkit serve` or a launcher prints."""
    for _ in range(lines):
        match = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", process.stdout.readline())
        if match:
            return match.group(0)
    raise AssertionError("no console address printed")


def wait_for_job(app, location: str, timeout: float = 240.0):
    """The job a redirect names, once it has finished."""
    job_id = location.split("job=")[1]
    job = app.config["JOBS"].get(job_id)
    deadline = time.monotonic() + timeout
    while job.state == "running":
        assert time.monotonic() < deadline, f"{job.title} did not finish"
        time.sleep(0.2)
    return job
