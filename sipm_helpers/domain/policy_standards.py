"""Indicators whose target is a national policy standard (parameters/policy.yaml: the
residents' individual contribution, the reimbursement the national plan sets, a pension
adjustment): the standard is not a region's choice, so the provincial evaluation never
recommends tightening or questioning it (:func:`~sipm_helpers.domain.follow_up.target_recommendations`
leaves them out). An actual far from the standard says more about the data than about
performance: it is an anomaly to verify with the agency.

Which indicators follow a standard is the catalogue's word (a default target or band
bound given as ``{policy: NAME}``), carried by the indicator frame as ``standard_policy``
and ``standard`` (:func:`~sipm_helpers.domain.indicators.apply_policy`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sipm_helpers.config.appraisal import AppraisalRules
from sipm_helpers.domain.rules import needs_target
from sipm_helpers.domain.scoring import SCORED

COLUMNS = ["region_code", "indicator", "policy", "standard", "actual", "deviation"]


def follows_standard(frame: pd.DataFrame) -> pd.Series:
    """Per row of an indicator frame, whether its target or band follows a policy value."""
    return frame["standard_policy"].notna()


def far_from_standard(frame: pd.DataFrame, rules: AppraisalRules) -> pd.DataFrame:
    """The scored rows of an indicator frame whose actual lies further from the policy
    standard its target follows than the rules' ``standard_tolerance`` (a share of the
    standard), for a rule that scores against a target: region_code, indicator, policy
    (the parameter's name), standard, actual and deviation ((actual − standard) ÷
    standard), by region and the catalogue's order."""
    f = frame.loc[(frame["status"] == SCORED) & frame["standard"].notna() & frame["actual"].notna()]
    f = f.loc[needs_target(f["rule"]) & (f["standard"].astype(float) != 0)]
    standard = f["standard"].astype(float)
    deviation = (f["actual"].astype(float) - standard) / standard.abs()
    far = f.assign(policy=f["standard_policy"], deviation=deviation).loc[
        np.abs(deviation) > rules.standard_tolerance
    ]
    far = far.sort_values(["region_code", "order"], kind="stable")
    return far[COLUMNS].reset_index(drop=True)
