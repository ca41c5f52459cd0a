"""A warm kernel: one long-lived IPython kernel that runs many notebooks, one after the
other, each in a clean namespace (see ``isolation``).

The worker that owns it starts it once, with the suite's imports preloaded, and resets it
before every notebook. It is replaced when it dies, when it stops answering, when threads
survive a notebook, after ``restart_every`` notebooks, and when a notebook timed out
(its cell was interrupted, but the kernel's state is then unknown).
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from sipm_helpers.paths import PROJECT_DIR

# Imported once per kernel: what the stage notebooks use, so no notebook pays for it.
PRELOAD = [
    "numpy",
    "pandas",
    "scipy.stats",
    "matplotlib.pyplot",
    "papermill",
    "sipm_helpers.stages.registry",
]
RESET_EXPRESSION = "__import__('json').dumps(__import__('sipm_helpers.batch.isolation', fromlist=['x']).restore(get_ipython()))"


# After these the kernel's state is unknown: a timed-out cell was interrupted, a dead
# kernel is dead.
TIMED_OUT = "CellTimeoutError"  # the error a cell interrupted at its time limit reports
REPLACE_AFTER = (TIMED_OUT, "DeadKernelError", "KernelFailure")


class KernelFailure(RuntimeError):
    """The kernel did not start, did not answer, or failed to reset."""


@dataclass
class WarmKernel:
    """A started kernel and its client, with the count of notebooks it has run."""

    start_timeout: int = 60
    restart_every: int = 50
    km: AsyncKernelManager | None = None
    kc: Any = None
    runs: int = 0
    dirty: list[str] = field(default_factory=list)  # why it must be replaced before the next run
    resources: dict[str, Any] = field(default_factory=dict)  # the worker's own (an exporter)

    def start(self) -> None:
        # The asynchronous manager and client, as nbclient's own: its polls for a reply,
        # a timeout and a dead kernel run side by side only with an asynchronous client.
        km = AsyncKernelManager(kernel_name="python3")
        run_sync(km.start_kernel)(
            extra_arguments=["--HistoryManager.hist_file=:memory:", "--log-level=ERROR"],
            cwd=str(PROJECT_DIR),
            env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        )
        kc = km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=self.start_timeout)
        except RuntimeError as exc:
            kc.stop_channels()
            run_sync(km.shutdown_kernel)(now=True)
            raise KernelFailure(f"the kernel did not start: {exc}") from exc
        self.km, self.kc, self.runs, self.dirty = km, kc, 0, []
        modules = json.dumps(PRELOAD)
        self._silent(
            f"import sipm_helpers.batch.isolation as _i; _i.preload(get_ipython(), {modules}); del _i",
            timeout=self.start_timeout + 60,
        )

    def _silent(self, code: str, timeout: float, expressions: dict | None = None) -> dict:
        """Run ``code`` without output or history; the reply's content (KernelFailure on an
        error or no answer)."""
        try:
            reply = run_sync(self.kc.execute_interactive)(
                code,
                silent=True,
                store_history=False,
                user_expressions=expressions or {},
                timeout=timeout,
                output_hook=lambda msg: None,
            )
        except TimeoutError as exc:
            raise KernelFailure(f"the kernel did not answer within {timeout:.0f} s") from exc
        content = reply["content"]
        if content["status"] != "ok":
            raise KernelFailure(f"{content.get('ename')}: {content.get('evalue')}")
        return content

    def alive(self) -> bool:
        return self.km is not None and run_sync(self.km.is_alive)()

    def prepare(self, fresh: bool = False) -> None:
        """Make the kernel ready for the next notebook: start or replace it where needed,
        else reset it."""
        if fresh or self.dirty or not self.alive() or self.runs >= self.restart_every:
            self.shutdown()
            self.start()
            return
        content = self._silent("pass", 30, {"state": RESET_EXPRESSION})
        state = content["user_expressions"]["state"]
        if state.get("status") != "ok":
            self.dirty.append(f"reset failed: {state.get('ename')}: {state.get('evalue')}")
            return self.prepare()
        threads = json.loads(ast.literal_eval(state["data"]["text/plain"]))["threads"]
        if threads:  # a thread left by the last notebook could touch the next one
            self.dirty.append(f"threads left running: {', '.join(threads)}")
            return self.prepare()

    def finished(self, error_name: str | None) -> None:
        """Count the notebook; after a timeout or a dead kernel, replace the kernel."""
        self.runs += 1
        if error_name in REPLACE_AFTER:
            self.dirty.append(f"the last notebook ended with {error_name}")

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)
        self.km = self.kc = None
