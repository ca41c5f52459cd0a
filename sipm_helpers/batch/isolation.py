"""Inside a warm kernel: the state one notebook could leave for the next, captured once after
the preload and restored before every notebook.

A warm kernel runs many notebooks; each must start as if the kernel were new. IPython's
``reset(new_session=True)`` clears the user's variables; this module undoes the rest a
notebook may change: open figures, matplotlib rcParams, pandas and numpy options, the
global random states, the working directory, the environment, ``sys.path`` and the
warning filters. It runs in the kernel, not in the batch's own process; the snapshot is
kept on the IPython shell object, which outlives the resets.

After each reset the surviving objects (the imports, the cached data) are frozen out of the
garbage collector's sight (``gc.freeze``): the collection inside the next reset then walks
only what that notebook made, not the whole heap (measured: 0.13 s a reset before).

What a reset cannot undo (a thread left running, an in-place change to a module or a
shared object) is why the worker also restarts its kernel when threads survive a
notebook, after a fixed number of notebooks, and for a stage that asks for a fresh one.
"""

from __future__ import annotations

import copy
import gc
import os
import random
import sys
import threading
import warnings
from dataclasses import dataclass
from typing import Any

ATTRIBUTE = "sipm_snapshot"  # where the snapshot lives on the shell
INFRASTRUCTURE = ("zmq.", "ipykernel.", "IPython.")


@dataclass(frozen=True)
class Snapshot:
    rc: dict[str, Any]
    numpy_print: dict[str, Any]
    numpy_err: dict[str, Any]
    numpy_random: Any
    python_random: Any
    cwd: str
    environ: dict[str, str]
    path: list[str]
    warning_filters: list[Any]
    threads: frozenset[int]


def capture() -> Snapshot:
    """The kernel's state as it is now (after the preload)."""
    import matplotlib as mpl
    import numpy as np

    return Snapshot(
        rc=copy.deepcopy(dict(mpl.rcParams)),
        numpy_print=np.get_printoptions(),
        numpy_err=np.geterr(),
        numpy_random=np.random.get_state(),
        python_random=random.getstate(),
        cwd=os.getcwd(),
        environ=dict(os.environ),
        path=list(sys.path),
        warning_filters=list(warnings.filters),
        threads=frozenset(t.ident for t in _user_threads()),
    )


def _user_threads() -> list[threading.Thread]:
    """Live threads other than the kernel's and zmq's own (which start lazily)."""
    return [
        t
        for t in threading.enumerate()
        if t.is_alive() and not type(t).__module__.startswith(INFRASTRUCTURE)
    ]


def _restore_environ(saved: dict[str, str]) -> None:
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def restore(shell: Any) -> dict[str, Any]:
    """Clear the user's namespace and put back everything captured; return what could not
    be put back (threads started since the snapshot), for the worker to decide on a restart."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    snap: Snapshot = getattr(shell, ATTRIBUTE)
    plt.close("all")
    shell.reset(new_session=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd.reset_option("all")
        mpl.rcParams.update(snap.rc)
    np.set_printoptions(**snap.numpy_print)
    np.seterr(**snap.numpy_err)
    np.random.set_state(snap.numpy_random)
    random.setstate(snap.python_random)
    os.chdir(snap.cwd)
    _restore_environ(snap.environ)
    sys.path[:] = snap.path
    warnings.filters[:] = snap.warning_filters
    gc.freeze()
    return {"threads": [t.name for t in _user_threads() if t.ident not in snap.threads]}


def preload(shell: Any, modules: list[str]) -> None:
    """Import the suite's modules, install the cache of contexts and datasets, draw and close one figure (so the inline backend has set
    its hooks before the snapshot, else figures would come out as text after a reset), and
    take the snapshot."""
    import importlib

    import matplotlib.pyplot as plt

    from sipm_helpers.stages.session import CACHE_ATTRIBUTE, LoadCache

    for name in modules:
        importlib.import_module(name)
    setattr(shell, CACHE_ATTRIBUTE, LoadCache())
    shell.run_line_magic("matplotlib", "inline")
    fig = plt.figure()
    plt.close(fig)
    setattr(shell, ATTRIBUTE, capture())
