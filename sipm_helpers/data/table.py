"""A typed table as validation sees it: its rows, the file (and sheet) they came from, and
how a row's position maps to the line a person sees; and the findings about its rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sipm_helpers.config.labels import Labels, Said
from sipm_helpers.data.findings import Finding, more_rows

ROW = "_row"  # a failing group's row of the table, where one row stands for it
VALUE = "_value"  # the value a finding quotes, where not the named column's
MESSAGE = "_message"  # why the row fails: what it says (Said), or a plain text


@dataclass
class Table:
    """A typed table with where its rows came from."""

    name: str
    frame: pd.DataFrame
    origin: str
    row_offset: int  # add to the 0-based index to get the row a person sees
    most: int | None = None  # findings made per rule (limits.yaml); None: all

    def findings(
        self,
        failing: pd.DataFrame,
        column: str | None,
        rule: str,
        severity: str,
        english: Labels,
    ) -> list[Finding]:
        """One finding per failing row (or group: see ``ROW``). ``failing`` holds the
        message in ``MESSAGE``, worded in English by ``english``; its index is the
        table's row, unless it has ``ROW``."""
        out = []
        if self.most is not None and len(failing) > self.most:
            left = len(failing) - self.most
            out.append(more_rows(severity, self.name, self.origin, rule, left, self.most, english))
            failing = failing.iloc[: self.most]
        for label, row in failing.iterrows():  # only the failing rows: few by construction
            at = row[ROW] if ROW in failing else label
            if VALUE in failing:
                value = None if pd.isna(row[VALUE]) else str(row[VALUE])
            else:
                missing = column is None or column not in failing or pd.isna(row[column])
                value = None if missing else _text(row[column])
            message = row[MESSAGE]
            said = message if isinstance(message, Said) else None
            out.append(
                Finding(
                    severity,
                    self.name,
                    self.origin,
                    None if pd.isna(at) else int(at) + self.row_offset,
                    column,
                    value,
                    rule,
                    message.in_(english) if said else str(message),
                    **concerns(row),
                    said=said,
                )
            )
        return out


def _text(value) -> str:
    """A cell as a finding quotes it: a date as YYYY-MM-DD."""
    return value.date().isoformat() if isinstance(value, pd.Timestamp) else str(value)


def concerns(row: pd.Series) -> dict:
    """region, fund and year of a row, where the table has them."""
    out = {}
    for field_name, column in (("region", "region_code"), ("fund", "fund"), ("year", "year")):
        if column in row and not pd.isna(row[column]):
            out[field_name] = int(row[column]) if field_name == "year" else str(row[column])
    return out


def rows(frame: pd.DataFrame, mask: pd.Series | np.ndarray, message) -> pd.DataFrame:
    """The rows of ``frame`` selected by ``mask``, each with its message (what it says, a
    text, or a function of the row returning either). A missing mask value (``pd.NA``, as
    comparing a missing cell gives) does not select its row: each rule says itself where a
    missing value is a finding."""
    chosen = frame.loc[selected(mask)]
    if callable(message):
        texts = [message(r) for _, r in chosen.iterrows()]
    else:
        texts = [message] * len(chosen)
    return chosen.assign(**{MESSAGE: texts})


def selected(mask: pd.Series | np.ndarray) -> np.ndarray:
    """A rule's mask as plain booleans, a missing value read as not selected."""
    return pd.Series(mask, dtype="object").fillna(False).astype(bool).to_numpy()


def groups(keys: pd.DataFrame, messages, *, row=None, value=None) -> pd.DataFrame:
    """Failing groups (a frame of region_code, fund, year, ...): their messages, the table
    row that stands for each (NaN: none) and the value quoted."""
    out = keys.reset_index(drop=True).assign(**{MESSAGE: list(messages)})
    out[ROW] = np.nan if row is None else pd.array(row, dtype="Float64")
    if value is not None:
        out[VALUE] = list(value)
    return out
