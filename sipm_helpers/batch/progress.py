"""The batch's progress bar: done, failed and up to date so far, with tqdm's ETA; with
``verbose``, one line per notebook as it ends (which worker ran it, how long it took). The
bar's words (what it counts, each status's name) are the command's, in its language."""

from __future__ import annotations

from collections.abc import Mapping

from tqdm import tqdm

from sipm_helpers.batch.manifest import UP_TO_DATE, JobRecord


class Progress:
    def __init__(
        self,
        total: int,
        unit: str,
        *,
        quiet: bool = False,
        verbose: bool = False,
        names: Mapping[str, str] | None = None,
    ):
        self.bar = tqdm(total=total, desc=unit, unit="nb", disable=quiet, dynamic_ncols=True)
        self.verbose = verbose and not quiet
        self.names = dict(names or {})  # a status as the bar shows it
        self.counts: dict[str, int] = {}

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()

    def done(self, record: JobRecord, skipped: bool) -> None:
        status = UP_TO_DATE if skipped else record.status
        self.counts[status] = self.counts.get(status, 0) + 1
        shown = {self.names.get(k, k): n for k, n in self.counts.items()}
        self.bar.set_postfix(shown, refresh=False)
        if self.verbose and not skipped:
            error = f" {record.error_name}: {record.error}" if record.error_name else ""
            self.bar.write(
                f"{record.worker or '-'} {record.job_id} {record.status} "
                f"{record.seconds:.1f} s{error}"
            )
        self.bar.update(1)

    def step(self) -> None:
        self.bar.update(1)
