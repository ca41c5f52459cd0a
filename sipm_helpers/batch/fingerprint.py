"""Fingerprints: what a job's outputs depend on, so a rerun redoes exactly the jobs whose
inputs changed.

A job depends on the suite (the package's code, the parameters, its notebook), on its
own parameters, on the rows of the data that concern its region (its own, its province's,
the country's, and those of the regions it covers) and on the jobs it waits for. Touching
one region's rows reruns that region's jobs and the jobs that depend on them, nothing else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sipm_helpers.batch.plan import Job, province_of
from sipm_helpers.data.dataset import TABLES, Dataset
from sipm_helpers.data.io import tree_digest
from sipm_helpers.domain.provincial import province_members
from sipm_helpers.paths import PACKAGE_DIR, notebooks_dir, parameters_dir

CODE_COLUMNS = ("region_code", "province_code")


def suite_digest() -> str:
    """The package's code, the parameters and the notebooks."""
    return tree_digest(
        [parameters_dir(), PACKAGE_DIR, notebooks_dir()],
        ("*.yaml", "*.py", "*.j2", "*.css", "*.ipynb", "*.csv"),
    )


def _row_digests(frame: pd.DataFrame, code: str) -> pd.Series:
    """Per code of ``frame[code]``, a digest of its rows (independent of their order)."""
    hashed = pd.DataFrame(
        {"code": frame[code].astype(str), "h": pd.util.hash_pandas_object(frame, index=False)}
    )
    return hashed.groupby("code")["h"].agg(
        lambda h: hashlib.sha256(np.sort(h.to_numpy()).tobytes()).hexdigest()
    )


def region_digests(ds: Dataset) -> dict[str, str]:
    """Per region code, a digest of every row of every table that names it."""
    parts: dict[str, list[str]] = {}
    for name in TABLES:
        frame = getattr(ds, name)
        if frame.empty:
            continue
        code = next((c for c in CODE_COLUMNS if c in frame.columns), None)
        if code is None:
            continue
        for region, digest in _row_digests(frame, code).items():
            parts.setdefault(region, []).append(f"{name}:{digest}")
    return {region: hashlib.sha256("|".join(p).encode()).hexdigest() for region, p in parts.items()}


def _upward(ds: Dataset) -> dict[str, set[str]]:
    """Per region code: itself, its province and the country (looked up once per batch)."""
    codes = ds.regions["region_code"]
    country = set(codes.loc[ds.regions["level"] == "country"])
    province = province_of(ds, codes)
    return {
        code: {code, *country, *([prov] if isinstance(prov, str) else [])}
        for code, prov in zip(codes, province, strict=True)
    }


def related_regions(ds: Dataset, job: Job, upward: dict[str, set[str]]) -> list[str]:
    """The regions whose rows a job reads: its own, its province, the country (``upward``),
    and the regions it covers."""
    related = upward.get(job.region, {job.region}) | set(province_members(ds, job.fund, job.region))
    return sorted(related)


def job_fingerprints(
    jobs: Sequence[Job],
    ds: Dataset,
    out: Path,
    waits: Mapping[str, Sequence[str]],
    suite: str,
) -> dict[str, str]:
    """Each job's fingerprint; a job's includes those of the jobs it waits for, so they come
    first (jobs are in the registry's stage order)."""
    digests = region_digests(ds)
    upward = _upward(ds)
    prints: dict[str, str] = {}
    for job in jobs:
        h = hashlib.sha256(suite.encode())
        # Where it writes is no input, nor where it reads results: those jobs' prints are.
        inputs = {
            k: v for k, v in job.parameters(out).items() if k not in ("result_path", "results")
        }
        h.update(json.dumps(inputs, sort_keys=True).encode())
        for region in related_regions(ds, job, upward):
            h.update(f"{region}={digests.get(region, '')}".encode())
        for dep in waits.get(job.job_id, ()):
            h.update(prints.get(dep, dep).encode())
        prints[job.job_id] = h.hexdigest()
    return prints
