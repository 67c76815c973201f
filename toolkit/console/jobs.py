"""Long work (issue, collect, circulars) in a background thread, its progress polled by the page."""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from toolkit.console import actions


class Busy(Exception):
    """Another job is still running."""


@dataclass
class Job:
    id: str
    title: str
    page: str                       # where the outcome is shown
    state: str = "running"          # running | done | failed
    step: str = "准备中"
    done: int = 0
    total: int = 0
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    hint: str | None = None
    value: Any = None

    def as_json(self) -> dict:
        return {"id": self.id, "title": self.title, "state": self.state, "step": self.step, "done": self.done,
                "total": self.total, "error": self.error, "page": self.page}

    def track(self, iterable: Iterable, total: int, description: str) -> Iterable:
        """The library's progress hook (the same one the command line gives a rich bar)."""
        self.step, self.done, self.total = description, 0, total
        for item in iterable:
            yield item
            self.done += 1


class Jobs:
    """At most one job at a time; finished ones stay readable until the console stops."""

    def __init__(self):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, title: str, page: str, work: Callable[[Job], Any], describe: Callable[[Any], list[str]]) -> Job:
        with self._lock:
            if any(j.state == "running" for j in self._jobs.values()):
                raise Busy(actions.BUSY)
            job = Job(secrets.token_hex(8), title, page)
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, work, describe), daemon=True, name=f"job-{job.id}").start()
        return job

    def _run(self, job: Job, work, describe) -> None:
        result = actions.call(lambda: work(job), wait=5)
        job.warnings, job.error, job.hint = result.warnings, result.error, result.hint
        if result.ok:
            job.value = result.value
            job.lines = describe(result.value)
        job.state = "done" if result.ok else "failed"

    def get(self, job_id: str | None) -> Job | None:
        return self._jobs.get(job_id or "")
