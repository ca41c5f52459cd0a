"""The local worker pool: a ``concurrent.futures.Executor`` of worker processes, each with
its warm kernel, that survives the death of any of them.

Each worker runs one task at a time, so the pool always knows which task a worker holds:
a worker that dies costs that one task (its future fails with ``WorkerDied``) and is
replaced; the pool never breaks for the rest of the batch, as ``ProcessPoolExecutor`` does.
A task that runs past ``hard_timeout`` has its worker killed (and, with it, its kernel):
the backstop for a kernel that no interrupt reaches.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any

from sipm_helpers.batch.worker import WorkerOptions, worker_main

GRACE = 5.0  # seconds a worker has to stop before it is killed


class WorkerDied(RuntimeError):
    """The worker process running a task died."""


class WorkerTimedOut(RuntimeError):
    """A task ran past the pool's hard time limit; its worker was killed."""


@dataclass
class _Worker:
    process: Any
    conn: Any
    task: tuple[int, Future, float] | None = None  # task id, future, start time

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            self.process.terminate()


@dataclass
class _State:
    queue: collections.deque = field(default_factory=collections.deque)
    workers: list[_Worker] = field(default_factory=list)
    next_id: int = 0
    closing: bool = False


class WorkerPool(Executor):
    def __init__(
        self,
        workers: int,
        options: WorkerOptions | None = None,
        hard_timeout: float | None = None,
    ) -> None:
        self.size = max(1, workers)
        self.options = options or WorkerOptions()
        self.hard_timeout = hard_timeout
        self._context = multiprocessing.get_context("spawn")
        self._state = _State()
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = self._context.Pipe(duplex=False)
        self._thread = threading.Thread(target=self._manage, name="sipm-pool", daemon=True)
        self._thread.start()

    # -- the Executor interface -------------------------------------------------------
    def submit(self, fn, /, *args, **kwargs) -> Future:
        if kwargs:
            raise TypeError("WorkerPool.submit takes positional arguments only")
        future: Future = Future()
        with self._lock:
            if self._state.closing:
                raise RuntimeError("cannot submit to a pool that is shutting down")
            self._state.queue.append((future, fn, args))
        self._wake()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._state.closing = True
            if cancel_futures:
                while self._state.queue:
                    self._state.queue.popleft()[0].cancel()
        self._wake()
        if wait:
            self._thread.join()

    def terminate(self) -> list[Future]:
        """Stop now: cancel what is queued, stop the workers and their kernels; the futures
        of the tasks that were running (they fail with WorkerDied)."""
        with self._lock:
            self._state.closing = True
            while self._state.queue:
                self._state.queue.popleft()[0].cancel()
            running = [w.task[1] for w in self._state.workers if w.task]
            for w in self._state.workers:
                w.stop()
        self._wake()
        self._thread.join(GRACE * 2)
        if self._thread.is_alive():  # a worker still busy stopping its kernel: killed
            with self._lock:
                for w in self._state.workers:
                    w.stop(kill=True)
            self._wake()
            self._thread.join(GRACE * 2)
        return running

    # -- the manager thread -----------------------------------------------------------
    def _wake(self) -> None:
        self._wake_w.send(None)

    def _spawn(self) -> _Worker:
        parent_conn, child_conn = self._context.Pipe()
        process = self._context.Process(
            target=worker_main,
            args=(child_conn, os.getpid(), self.options),
            name="sipm-worker",
            daemon=False,
        )
        process.start()
        child_conn.close()
        return _Worker(process, parent_conn)

    def _dispatch(self) -> None:
        with self._lock:
            state = self._state
            while state.queue:
                idle = next((w for w in state.workers if w.task is None), None)
                if idle is None and len(state.workers) < self.size:
                    idle = self._spawn()
                    state.workers.append(idle)
                if idle is None:
                    return
                future, fn, args = state.queue.popleft()
                if not future.set_running_or_notify_cancel():
                    continue
                state.next_id += 1
                idle.task = (state.next_id, future, time.monotonic())
                try:
                    idle.conn.send((state.next_id, fn, args))
                except (OSError, ValueError):
                    self._lost(idle, "it could not be sent the task")

    def _lost(self, worker: _Worker, why: str, error: type = WorkerDied) -> None:
        """``worker`` is gone: fail its task, drop it (a new one is spawned when needed)."""
        worker.stop(kill=True)
        worker.process.join(GRACE)
        code = worker.process.exitcode
        if worker.task:
            message = f"the worker process died ({why}; exit code {code})"
            worker.task[1].set_exception(error(message))
        worker.conn.close()
        self._state.workers.remove(worker)

    def _receive(self, worker: _Worker) -> None:
        try:
            _, ok, value = worker.conn.recv()
        except (EOFError, OSError):
            self._lost(worker, "its connection closed")
            return
        _, future, _ = worker.task
        worker.task = None
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _overdue(self) -> None:
        if self.hard_timeout is None:
            return
        now = time.monotonic()
        for w in list(self._state.workers):
            if w.task and now - w.task[2] > self.hard_timeout:
                self._lost(w, f"killed after {self.hard_timeout:.0f} s", WorkerTimedOut)

    def _manage(self) -> None:
        """The manager thread: serve until shut down; should it fail itself, every future
        still waiting fails with its error (a batch must never wait forever)."""
        try:
            self._serve()
        except Exception as exc:
            self._fail_all(exc)
        finally:
            self._close_workers()

    def _fail_all(self, exc: Exception) -> None:
        with self._lock:
            self._state.closing = True
            pending = [w.task[1] for w in self._state.workers if w.task]
            pending += [item[0] for item in self._state.queue]
            self._state.queue.clear()
        for future in pending:
            if not future.done():
                future.set_exception(RuntimeError(f"the worker pool failed: {exc}"))

    def _serve(self) -> None:
        while True:
            self._dispatch()
            with self._lock:
                state = self._state
                busy = [w for w in state.workers if w.task]
                if state.closing and not busy and not state.queue:
                    break
                waits = {self._wake_r: None}
                for w in state.workers:
                    waits[w.conn] = w
                    waits[w.process.sentinel] = w
            for ready in wait(list(waits), timeout=1.0):
                if ready is self._wake_r:
                    self._wake_r.recv()
                    continue
                with self._lock:
                    worker = waits[ready]
                    if worker in self._state.workers:
                        if ready is worker.conn or worker.conn.poll():
                            self._receive(worker)
                        else:
                            self._lost(worker, "it exited")
            with self._lock:
                self._overdue()

    def _close_workers(self) -> None:
        for w in self._state.workers:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
        deadline = time.monotonic() + GRACE
        for w in self._state.workers:
            w.process.join(max(0.1, deadline - time.monotonic()))
            if w.process.is_alive():
                w.stop(kill=True)
                w.process.join(GRACE)
        self._state.workers.clear()
