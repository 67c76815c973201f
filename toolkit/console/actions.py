"""The console's one door to the library: each function calls the same stage function as the command line.

When a stage moves (the notice parser gains its package, collect becomes a package), re-point it here only.
"""
from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable

from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.workspace import Workspace

BUSY = "另一项工作（下发、回收或生成通报）正在进行，请等它完成后再试。"
_CALLS = threading.Lock()      # warnings are captured process-wide, so library calls run one at a time


@dataclass
class Result:
    """What a library call gave: its value, the 提醒 it raised, or the Chinese error that stopped it."""
    value: Any = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    hint: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def call(fn: Callable[[], Any], wait: float = 30.0) -> Result:
    """Run one library call, turning ToolkitWarning into 提醒 and ToolkitError into a message (like cli.run)."""
    if not _CALLS.acquire(timeout=wait):
        return Result(error=BUSY)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ToolkitWarning)
            try:
                value = fn()
            except ToolkitError as exc:
                return Result(warnings=_texts(caught), error=exc.message, hint=exc.hint)
            except Exception as exc:  # noqa: BLE001 - the page shows a sentence, never a traceback
                return Result(warnings=_texts(caught),
                              error=f"程序内部错误（{type(exc).__name__}: {exc}）。台账写入是原子操作，不会被写坏。"
                                    f"请在命令行用 toolkit --debug 重做这一步，把输出发给维护人员。")
            return Result(value, _texts(caught))
    finally:
        _CALLS.release()


def _texts(caught) -> list[str]:
    seen: list[str] = []
    for w in caught:
        if issubclass(w.category, ToolkitWarning) and str(w.message) not in seen:
            seen.append(str(w.message))
    return seen


# ------------------------------------------------------------------ the stage functions (same as the commands)

def preview_notice(path: Path):
    """`toolkit parse --check`: the parse, nothing written."""
    from toolkit import notice
    return notice.check_notice(path)


def lead_rule_words() -> dict[str, str]:
    """How the parser decided each lead unit, in words (the --check table's last column)."""
    from toolkit.notice.command import RULE_WORDS
    return RULE_WORDS


def build_ledger(ws: Workspace, path: Path, force: bool):
    """`toolkit parse [--force]`."""
    from toolkit import notice
    return notice.parse_into_ledger(ws, path, force)


def issue_forms(ws: Workspace, period: str, track):
    """`toolkit issue PERIOD`; the console also holds the workspace lock while the forms are written."""
    from toolkit import forms
    from toolkit.ledger import ledger_lock
    with ledger_lock(ws):
        return forms.issue_forms(ws, period, track=track)


def collect_period(ws: Workspace, period: str, track):
    """`toolkit collect PERIOD` (takes the workspace lock itself)."""
    from toolkit import collect
    return collect.collect_period(ws, period, track=track)


def period_status(ws: Workspace, period: str):
    """`toolkit status PERIOD`."""
    from toolkit import collect
    return collect.period_status(ws, period)


def render_circulars(ws: Workspace, period: str, pdf: bool):
    """`toolkit circular PERIOD [--pdf]` (takes the workspace lock itself)."""
    from toolkit import circular
    return circular.render_circulars(ws, period, as_of=None, pdf=pdf)


def load_ledger(ws: Workspace):
    from toolkit import ledger
    return ledger.load_ledger(ws, since=date.today())


# ------------------------------------------------------------------ small reads the pages need

def period(ws: Workspace, text: str):
    """The period a text names (ToolkitError when it names none)."""
    from toolkit import config, periods
    return periods.parse_period(text, config.load_config(ws))


def current_period_id(ws: Workspace, today: date) -> str:
    """The week containing `today`: the period the clerk most likely works on."""
    from toolkit import config, periods
    return periods.period_containing(today, "周", config.load_config(ws)).id


def pdf_available() -> bool:
    from toolkit import circular
    return circular.find_soffice() is not None


def returned_files(folder: Path) -> list[Path]:
    from toolkit.collect.inbox import returned_files as inbox_files
    return inbox_files(folder)


def upload_limit_mb(ws: Workspace) -> float:
    """The per-file size limit collect applies, so the console refuses the same files at the door."""
    from toolkit import config
    return config.load_config(ws).limits.max_file_mb


def state_counts(ledger) -> dict:
    from toolkit import overview
    return overview.state_counts(ledger)


def grouped_counts(ledger, key) -> dict:
    from toolkit import overview
    return overview.grouped_counts(ledger, key)


def report_path(ws: Workspace, period_id: str) -> Path:
    """校验报告.xlsx of a collected period (the file `toolkit collect` writes)."""
    return ws.period_dir(period_id) / "校验报告.xlsx"


def return_dir(ws: Workspace, period_id: str) -> Path:
    return ws.period_dir(period_id) / "退回"
