"""Python's cycle collector and the ledger: loading it creates about a million objects and no garbage.

Left alone, the collector sweeps those objects again and again while they are created and while the command
works on them; on a province-scale ledger that is a quarter to a third of a command's time. So loading runs with
the collector paused, and in a command that exits when it is done (everything but `toolkit serve`) what was loaded
is then frozen out of later sweeps: it lives until the process ends anyway, as do the returns collect has judged
(keep_all_made). Such a command also sweeps less often (every ONE_SHOT_SWEEP new objects, not 700: it makes them
by the ten thousand). Garbage made afterwards (a workbook written, a document rendered) is still collected, so
memory stays as it was.
"""
from __future__ import annotations

import contextlib
import gc

_one_shot = False
ONE_SHOT_SWEEP = 10_000


def one_shot_command() -> None:
    """The process exits when this command is done (the command line calls this; the console does not)."""
    global _one_shot
    _one_shot = True
    gc.set_threshold(ONE_SHOT_SWEEP, *gc.get_threshold()[1:])


def keep_all_made() -> None:
    """In a one-shot command, what exists now lives until the process ends: frozen out of later sweeps."""
    if _one_shot:
        gc.freeze()


def is_one_shot() -> bool:
    return _one_shot


@contextlib.contextmanager
def bulk_load():
    """Pause the collector while loading; afterwards, in a one-shot command, freeze what was loaded."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        if _one_shot:
            gc.freeze()
