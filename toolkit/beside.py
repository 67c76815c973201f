"""Work done beside the command, on the machine's second core: a forked child runs one function while the command
goes on, and hands back its result (or its exception, or the warnings it raised) when asked.

Only where that is safe and pays: a POSIX system that forks (not macOS, whose system libraries do not survive a
fork), at least two cores, a command run once from the command line (not `toolkit serve`) and a process with one
thread (no progress bar or server thread holding a lock the child would inherit). Anywhere else, and with
TOOLKIT_ONE_CORE=1, the function runs at once in the command itself: the same result, one after the other.

The child writes nothing the parent does not expect (it only runs the function) and leaves with os._exit: no
atexit handlers, no buffered output of the parent flushed twice, no temporary folder of the parent removed. On
Linux it is killed with the command (kill -9 included), so no orphan writes on.
"""
from __future__ import annotations

import functools
import gc
import os
import signal
import sys
import threading
import warnings
from typing import Any, Callable

ONE_CORE_ENV = "TOOLKIT_ONE_CORE"


class ChildDied(RuntimeError):
    """The child ended without handing back an outcome (killed, out of memory …): the caller may do the work
    itself."""


def can_fork() -> bool:
    from toolkit import memory

    return (hasattr(os, "fork") and sys.platform != "darwin" and os.environ.get(ONE_CORE_ENV) != "1"
            and (os.cpu_count() or 1) >= 2 and memory.is_one_shot() and threading.active_count() == 1)


class Pending:
    """A function's outcome: computed by a child process, or already here when it ran in place."""

    def __init__(self, pid: int | None = None, reader: int | None = None, outcome: tuple | None = None):
        self._pid, self._reader, self._outcome = pid, reader, outcome

    @property
    def forked(self) -> bool:
        return self._pid is not None

    def result(self) -> Any:
        """The function's return value; its exception raised here; its warnings warned here (once)."""
        if self._outcome is None:
            self._outcome = self._receive()
        kind, value, caught = self._outcome
        for message, category in caught:
            warnings.warn(message, category, stacklevel=2)
        self._outcome = (kind, value, [])
        if kind == "error":
            raise value
        return value

    def result_or(self, instead: Any) -> Any:
        """result(), or `instead` when the child died without handing anything back (its work is then the caller's)."""
        try:
            return self.result()
        except ChildDied:
            return instead

    def wait(self) -> None:
        """Let the child finish (its outcome kept for result()); nothing raised."""
        if self._outcome is None:
            self._outcome = self._receive()

    def _receive(self) -> tuple:
        import pickle

        with os.fdopen(self._reader, "rb") as pipe:
            payload = pipe.read()      # read to the end before waiting: a full pipe would block the child
        _, status = os.waitpid(self._pid, 0)
        try:
            return pickle.loads(payload)
        except Exception:  # noqa: BLE001 - nothing or half a message: the child died
            code = os.waitstatus_to_exitcode(status)
            return "error", ChildDied(f"后台进程意外退出（退出码 {code}）"), []


class Turns:
    """The numbers 0 … count-1, each taken once by whichever process (the command or its child) asks first: work
    shared this way keeps both busy until it is done, however unevenly its pieces cost. A pipe holds the numbers;
    the command makes it before it forks, so the child shares it."""

    ITEM = 4

    def __init__(self, count: int):
        """ValueError when the pipe cannot hold `count` numbers (64 KiB, or a page or two on a system short of pipe
        memory): the caller then does the work alone."""
        self._reader, writer = os.pipe()
        os.set_blocking(writer, False)        # never wait for a reader that does not exist yet
        data = b"".join(n.to_bytes(self.ITEM, "little") for n in range(count))
        try:
            written = os.write(writer, data) if data else 0
        except BlockingIOError:
            written = 0
        finally:
            os.close(writer)
        if written < len(data):
            os.close(self._reader)
            raise ValueError(f"a pipe holds fewer than {count} turns")

    def take(self) -> int | None:
        """The next number nobody has taken, or None when all are."""
        item = os.read(self._reader, self.ITEM)    # one read of a few bytes from a pipe is never split
        return int.from_bytes(item, "little") if item else None

    def close(self) -> None:
        os.close(self._reader)


def start(function: Callable, *args) -> Pending:
    """function(*args) in a forked child where that is safe (see the module text), else here and now."""
    if not can_fork():
        try:
            return Pending(outcome=("ok", function(*args), []))
        except Exception as exc:  # noqa: BLE001 - raised by result(), as from a child
            return Pending(outcome=("error", exc, []))
    reader, writer = os.pipe()
    parent, prctl = os.getpid(), _prctl()
    pid = os.fork()
    if pid == 0:                                       # the child
        os.close(reader)
        _die_with(parent, prctl)
        gc.disable()                                   # short-lived: its garbage is dropped when it exits
        code = 0
        try:
            payload = _pickled(_outcome_of(function, args))
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # noqa: BLE001 - the parent reports a child that said nothing
            code = 1
        finally:
            os._exit(code)
    os.close(writer)
    return Pending(pid=pid, reader=reader)


@functools.cache
def _prctl() -> Callable | None:
    """Linux's prctl (through ctypes), looked up once in the command before it forks: each child importing ctypes
    itself spent 3 ms of its work on it. None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None


def _die_with(parent: int, prctl: Callable | None) -> None:
    """In the child: end when the command ends, killed or not, so that no orphan goes on writing a file the
    command's next run cleans up (Linux's PR_SET_PDEATHSIG; elsewhere the child simply finishes its work)."""
    if prctl is None:
        return
    try:
        prctl(1, signal.SIGKILL)                        # 1: PR_SET_PDEATHSIG
    except OSError:
        return
    if os.getppid() != parent:                         # the command died before the signal was asked for
        os._exit(1)


def _outcome_of(function: Callable, args: tuple) -> tuple:
    """In the child: ("ok", value, warnings) or ("error", exception, warnings); warnings as (message, category)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = ("ok", function(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the caller as it is
            value = ("error", exc)
    return (*value, [(str(w.message), w.category) for w in caught])


def _pickled(outcome: tuple) -> bytes:
    """The outcome for the pipe; an exception that does not come back whole goes as a RuntimeError with its text."""
    import pickle

    kind, value, caught = outcome
    if kind == "error":
        try:
            pickle.loads(pickle.dumps(value))
        except Exception:  # noqa: BLE001 - e.g. an exception whose __init__ wants more than its args
            outcome = ("error", RuntimeError(f"{type(value).__name__}: {value}"), caught)
    return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
