"""Entry points of the stage notebooks: load the data, evaluate, and hand back the report
object whose sections the notebook displays. Keeps the notebooks to a few calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sipm_helpers.config.context import Context, load_context
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.data.validation import load_dataset
from sipm_helpers.domain.evaluation import SelfEvaluation, evaluate
from sipm_helpers.domain.results import write_result
from sipm_helpers.present.labels import LANGUAGES
from sipm_helpers.present.report import SelfEvaluationReport


@dataclass(frozen=True)
class SelfEvaluationRun:
    """What the self-evaluation notebook works with."""

    dataset: Dataset
    context: Context
    evaluation: SelfEvaluation
    report: SelfEvaluationReport

    def save(self, path: str | Path | None) -> Path | None:
        """Write the structured result (JSON) to ``path``; nothing when ``path`` is empty."""
        if not path:
            return None
        return write_result(self.evaluation.to_result(), path)


def self_evaluation(
    fund: str,
    region: str | None = None,
    year: int = 2025,
    data: str | Path | None = None,
    lang: str = "en",
) -> SelfEvaluationRun:
    """Load ``data`` (default: the embedded demo), evaluate ``fund`` in ``region`` for
    ``year`` and prepare the report in ``lang``. An empty ``region`` takes the fund's first
    coordinating region, so the notebook runs with its defaults."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    context = load_context()
    dataset = load_dataset(data or None, context)
    if not region:
        regions = dataset.coordination.loc[dataset.coordination["fund"] == fund, "region_code"]
        if regions.empty:
            raise ValueError(f"the dataset has no coordinating region for fund {fund!r}")
        region = str(regions.iloc[0])
    ev = evaluate(dataset, context, fund=fund, region=str(region), year=int(year))
    return SelfEvaluationRun(dataset, context, ev, SelfEvaluationReport(ev, dataset, context, lang))
