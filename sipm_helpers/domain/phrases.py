"""Plain phrases looked for in the texts agencies write (evidence of a grade, the reason
for a deviation, who prepared a report): parameters list the phrases, matched as text, so
no pattern from data is ever compiled or run."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def says_any(text: pd.Series, phrases: Iterable[str]) -> np.ndarray:
    """Per row of ``text``, whether it contains one of ``phrases`` (an empty text: no)."""
    plain = text.astype("string").fillna("")
    found = np.zeros(len(plain), dtype=bool)
    for phrase in phrases:  # a few phrases: one vectorized pass each
        found |= plain.str.contains(phrase, regex=False).to_numpy(dtype=bool)
    return found
