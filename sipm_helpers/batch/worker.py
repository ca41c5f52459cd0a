"""The life of one batch worker process: it owns one warm kernel and runs the tasks its pool
sends, one at a time.

A worker leaves Ctrl-C to the batch (it sits in its own process group and ignores SIGINT),
exits when its parent dies (checked every second), and on SIGTERM shuts its kernel down
before it exits; its kernel, for its part, exits when the worker dies (ipykernel polls its
parent). Its stderr, and so its kernel's log lines, go to a log file of its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from sipm_helpers.batch.kernel import WarmKernel

PLUGIN_NAME = "sipm-warm-kernel"  # the Dask worker plugin holding a Dask worker's kernel

# The warm kernel of the process running a task, set by the worker for its whole life; a
# task run where none is set (a thread pool, a Dask worker without the plugin) uses a cold
# kernel.
_HOST: ContextVar[WarmKernel | None] = ContextVar("sipm_warm_kernel", default=None)


def current_kernel() -> WarmKernel | None:
    """This process's warm kernel: the pool worker's, or the Dask worker plugin's."""
    kernel = _HOST.get()
    if kernel is not None:
        return kernel
    with contextlib.suppress(ImportError, ValueError):
        from distributed import get_worker

        plugin = get_worker().plugins.get(PLUGIN_NAME)
        return getattr(plugin, "kernel", None)
    return None


@contextlib.contextmanager
def hosting(kernel: WarmKernel | None) -> Iterator[None]:
    token = _HOST.set(kernel)
    try:
        yield
    finally:
        _HOST.reset(token)
        if kernel is not None:
            kernel.shutdown()


@dataclass(frozen=True)
class WorkerOptions:
    log_dir: str | None = None
    warm: bool = True
    start_timeout: int = 60
    restart_every: int = 50


class TaskError(Exception):
    """A task raised in the worker; carries the exception's name, message and traceback as
    text (the exception itself may not survive pickling)."""

    def __init__(self, name: str, message: str, trace: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name, self.message, self.trace = name, message, trace

    def __reduce__(self):  # pickled back to the pool: its own three arguments, not args
        return TaskError, (self.name, self.message, self.trace)


def _watch_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        os._exit(1)

    threading.Thread(target=watch, name="sipm-parent-watch", daemon=True).start()


def _quiet(log_dir: str | None) -> None:
    if log_dir is None:
        return
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    fd = os.open(
        Path(log_dir) / f"worker-{os.getpid()}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644
    )
    os.dup2(fd, 2)
    os.close(fd)


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


def worker_main(conn: Connection, parent: int, options: WorkerOptions) -> None:
    """Entry point of a worker process: serve tasks from ``conn`` until told to stop."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)
    _watch_parent(parent)
    _quiet(options.log_dir)
    kernel = WarmKernel(options.start_timeout, options.restart_every) if options.warm else None
    with hosting(kernel), contextlib.suppress(EOFError, OSError):
        while (message := conn.recv()) is not None:
            task_id, fn, args = message
            try:
                reply = (task_id, True, fn(*args))
            except Exception as exc:
                trace = "".join(traceback.format_exception(exc))
                reply = (task_id, False, TaskError(type(exc).__name__, str(exc), trace))
            conn.send(reply)
