"""Named moments where the fault-injection test kills a running command (TOOLKIT_KILL_AT=<moment>, SIGKILL)."""
from __future__ import annotations

import os
import signal

KILL_ENV = "TOOLKIT_KILL_AT"


def checkpoint(moment: str) -> None:
    """Does nothing unless TOOLKIT_KILL_AT names this moment; then the process dies at once, as with kill -9."""
    if os.environ.get(KILL_ENV) == moment:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
