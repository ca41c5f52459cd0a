"""What the index lists: every report published in an output folder, across runs.

Each publish records its reports, in no language (names in both, label keys for links
and flags), in ``OUT/published.json`` (beside the manifest, outside the site, so never
handed over), merged with those of earlier runs: a narrower run, or one in the other
language, adds to the index and never hides what is already there. A report whose page
is gone is dropped, as is an earlier run's failure; this run's own records win.

A record read back is checked: a malformed one, or one whose paths would leave the site
folder, is dropped, so nothing from the file becomes a link outside the site.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Any

from sipm_helpers.config.labels import Labels
from sipm_helpers.data.io import atomic_write_text
from sipm_helpers.errors import SipmError
from sipm_helpers.render.site import ReportEntry, ui_strings
from sipm_helpers.stages.registry import stages

RECORDS = "published.json"
RECORDS_VERSION = 1
NAMED = ("fund", "region", "province")  # whose names a record keeps in each language


def record_of(entry: ReportEntry, lang: str, names: Mapping[str, Mapping[str, str]]) -> dict:
    """``entry`` (its links' and flags' labels still keys) as a record: the report's
    language ``lang`` and the names of its fund, region and province by language."""
    raw = asdict(entry)
    for key in ("stage_label", *(f"{n}_name" for n in NAMED)):
        raw.pop(key)
    raw["links"] = [list(link) for link in entry.links]
    raw["flags"] = list(entry.flags)
    return {**raw, "lang": lang, "names": {n: dict(names[n]) for n in NAMED}}


def _inside(path: object) -> bool:
    """Whether ``path`` is a relative path that stays in the site folder."""
    if not isinstance(path, str) or not path:
        return False
    posix = PurePosixPath(path.replace("\\", "/"))
    return not posix.is_absolute() and ".." not in posix.parts and ":" not in posix.parts[0]


def _sound(record: Any, site: Path) -> bool:
    """Whether a record read back is whole, its paths inside the site and its page there."""
    try:
        paths = [record[k] for k in ("html", "pdf", "docx") if record[k] is not None]
        paths += [path for _, path in record["links"]]
        names = [record["names"][n][lang] for n in NAMED for lang in ("en", "zh")]
        entry_of(record, Labels("en", {}, "check"))
    except (KeyError, TypeError, ValueError, AttributeError, SipmError):
        return False
    if not all(_inside(p) for p in paths) or not all(isinstance(n, str) for n in names):
        return False
    return record["status"] == "ok" and (site / record["html"]).is_file()


def _pruned(record: dict, site: Path) -> dict:
    """``record`` without the links to files no longer in the site."""
    kept = {k: record[k] if record[k] and (site / record[k]).is_file() else None
            for k in ("pdf", "docx")}  # fmt: skip
    links = [link for link in record["links"] if (site / link[1]).is_file()]
    return {**record, **kept, "links": links}


def load_records(out: Path) -> dict[str, dict]:
    """The records kept in ``out`` by id; none where the file is absent or unreadable."""
    try:
        raw = json.loads((out / RECORDS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or raw.get("version") != RECORDS_VERSION:
        return {}
    reports = raw.get("reports")
    return dict(reports) if isinstance(reports, dict) else {}


def merge_records(earlier: Mapping[str, Any], now: Mapping[str, dict], site: Path) -> dict:
    """Earlier runs' records still sound (their page there, their links pruned of gone
    files), then this run's, which win; by id, sorted."""
    kept = {k: _pruned(r, site) for k, r in earlier.items() if k not in now and _sound(r, site)}
    return dict(sorted({**kept, **now}.items()))


def save_records(out: Path, records: Mapping[str, dict]) -> Path:
    """Write ``records`` to ``out/published.json`` atomically; its path."""
    path = out / RECORDS
    data = {"version": RECORDS_VERSION, "reports": dict(records)}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return path


def _grade(grade: Any, lang: str) -> str | None:
    """A grade ({"zh": …, "en": …}) as the index shows it in ``lang``."""
    if not grade:
        return None
    return f"{grade['zh']} {grade['en']}" if lang == "en" else str(grade["zh"])


def _label_key(name: str) -> str:
    """The label key of the stage ``name``'s name (a stage no longer registered: the
    default key)."""
    known = stages().get(name)
    return known.label_key if known is not None else f"stage_{name}"


def entry_of(record: Mapping[str, Any], labels: Labels) -> ReportEntry:
    """The index row of ``record`` in ``labels``' language; its search text names the
    fund, region and province in both languages."""
    lang, names = labels.lang, record["names"]
    both = [names[n][k] for n in NAMED for k in ("zh", "en")]
    return ReportEntry(
        stage=record["stage"],
        stage_label=labels.get(_label_key(record["stage"]), record["stage"]),
        fund=record["fund"],
        fund_name=names["fund"][lang],
        region=record["region"],
        region_name=names["region"][lang],
        province=record["province"],
        province_name=names["province"][lang],
        year=int(record["year"]),
        period=record["period"],
        score=record["score"],
        grade=_grade(record["grade"], lang),
        status=record["status"],
        html=record["html"],
        pdf=record["pdf"],
        docx=record["docx"],
        error=record["error"],
        flags=tuple(labels.get(f"flag_{f}", f) for f in record["flags"]),
        links=tuple((labels.get(key, key), path) for key, path in record["links"]),
        search=" ".join(both),
        language=ui_strings(record["lang"])["language_name"],
    )
