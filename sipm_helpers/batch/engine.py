"""The papermill engine of the batch, registered under the name ``sipm`` through papermill's
own entry point (``papermill.engine``).

Given a warm kernel it hands nbclient the kernel's manager and client, already started, so
nbclient neither starts nor stops a kernel; without one it is papermill's own engine.
Either way it adds a whole-notebook time limit to the per-cell one (nbclient has none of
its own): each cell may run for the cell limit or for what is left of the notebook's,
whichever is shorter, and a cell that overruns is interrupted, not left running.

Papermill imports this module while it registers its engines: import papermill, not this
module, first.
"""

from __future__ import annotations

import time

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.utils import merge_kwargs, remove_args

from sipm_helpers.batch.kernel import TIMED_OUT


def _time_limit(cell_timeout: int | None, notebook_timeout: int | None):
    """nbclient's ``timeout_func``: the seconds the next cell may take."""
    deadline = time.monotonic() + notebook_timeout if notebook_timeout else None

    def limit(cell) -> int | None:
        if deadline is None:
            return cell_timeout
        left = max(1, int(deadline - time.monotonic()))
        return left if cell_timeout is None else min(cell_timeout, left)

    return limit


class WarmEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        kernel=None,
        notebook_timeout=None,
        **kwargs,
    ):
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs,
            timeout_func=_time_limit(execution_timeout, notebook_timeout),
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": TIMED_OUT,
                "evalue": "the cell ran past its time limit and was interrupted",
                "traceback": [],
            },
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        if kernel is None:
            return PapermillNotebookClient(nb_man, **final).execute()
        client = PapermillNotebookClient(nb_man, km=kernel.km, **final)
        client.kc = kernel.kc  # started: nbclient then neither starts nor stops the kernel
        return client.execute()
