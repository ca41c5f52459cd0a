"""Running a batch on a Dask cluster (dask.distributed), for national batches.

The runner takes any ``concurrent.futures`` executor; this module gives it Dask's client
executor, with a worker plugin that keeps one warm kernel in each Dask worker (the same
``WarmKernel`` the local pool's workers own). The output folder must be a path every
worker sees (a shared file system). ``--scheduler local`` starts a ``LocalCluster`` on
this machine, one single-threaded worker process per notebook run at once.

The client pickles each notebook's task to the scheduler, which runs it on its workers:
name only a scheduler you trust. A ``tls://`` scheduler is reached with the certificates
given (dask.distributed's ``Security``, encryption required).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from distributed import Client, LocalCluster, WorkerPlugin
from distributed.security import Security

from sipm_helpers.batch.kernel import WarmKernel
from sipm_helpers.batch.worker import PLUGIN_NAME
from sipm_helpers.config.labels import refusal


class WarmKernelPlugin(WorkerPlugin):
    """A Dask worker plugin: one warm kernel per worker, shut down with the worker."""

    name = PLUGIN_NAME

    def __init__(self, start_timeout: int = 60, restart_every: int = 50) -> None:
        self.start_timeout, self.restart_every = start_timeout, restart_every
        self.kernel: WarmKernel | None = None

    def setup(self, worker) -> None:
        self.kernel = WarmKernel(self.start_timeout, self.restart_every)

    def teardown(self, worker) -> None:
        if self.kernel is not None:
            self.kernel.shutdown()


@dataclass(frozen=True)
class Certificates:
    """The PEM files of a TLS connection to the scheduler (any may be None: not given)."""

    ca_file: str | None = None
    cert: str | None = None
    key: str | None = None

    def given(self) -> bool:
        return any((self.ca_file, self.cert, self.key))


def security(scheduler: str, certificates: Certificates) -> Security | None:
    """The client's ``Security`` for ``scheduler``: None for a plain one; a ``tls://``
    one needs all three files, and certificates for any other scheme are refused."""
    tls = scheduler.startswith("tls://")
    if not tls:
        if certificates.given():
            raise refusal("error_dask_tls_scheme", scheduler=scheduler)
        return None
    files = {"--tls-ca-file": certificates.ca_file, "--tls-cert": certificates.cert,
             "--tls-key": certificates.key}  # fmt: skip
    if not all(files.values()):
        raise refusal("error_dask_tls_files", scheduler=scheduler)
    for option, path in files.items():
        if not Path(path).is_file():
            raise refusal("error_dask_tls_missing", option=option, path=path)
    return Security(
        tls_ca_file=certificates.ca_file,
        tls_client_cert=certificates.cert,
        tls_client_key=certificates.key,
        require_encryption=True,
    )


@contextlib.contextmanager
def dask_executor(
    scheduler: str | None,
    *,
    workers: int | None,
    start_timeout: int,
    restart_every: int,
    warm: bool,
    certificates: Certificates = Certificates(),
) -> Iterator[Executor]:
    """A Dask client executor on the cluster at ``scheduler`` ("local": a LocalCluster of
    ``workers`` processes), closed when the block ends."""
    if not scheduler:
        raise refusal("error_dask_scheduler")
    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(
                LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                             dashboard_address=None)
            )  # fmt: skip
            client = stack.enter_context(Client(cluster))
        else:
            tls = security(scheduler, certificates)
            client = stack.enter_context(Client(scheduler, security=tls))
        if warm:
            client.register_plugin(WarmKernelPlugin(start_timeout, restart_every), name=PLUGIN_NAME)
        yield client.get_executor(pure=False)
