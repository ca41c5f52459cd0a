"""Who issues a province's documents and whom they address, worded for the centre's own
pool where it stands in the place of a province (Art. 23 of Caishe [2022] No. 65).

A province's finance department (财政厅) and the fund's administrative department evaluate
its regions and write to them; the fund of the central state organs and public
institutions, pooled at country level, is evaluated by the Ministry of Finance with the
fund's ministry, and its letters go to the Central State Agencies Pension Insurance
Management Center. A label whose wording differs for the centre has a variant of the same
key ending in ``_central`` in every catalogue; :func:`pool_key` picks it for the centre's
pool and the plain key otherwise."""

from __future__ import annotations

from sipm_helpers.config.labels import Labels
from sipm_helpers.data.dataset import Dataset
from sipm_helpers.domain.provincial import is_central

CENTRAL = "_central"


def pool_key(labels: Labels, key: str, central: bool) -> str:
    """``key``, or its ``_central`` variant where ``central`` and the catalogue has one."""
    variant = f"{key}{CENTRAL}"
    return variant if central and labels.get(variant, "") else key


def finance_department(labels: Labels, ds: Dataset, province: str, lang: str) -> str:
    """The finance department that entrusts the evaluation and signs first: the province's
    (东川省财政厅), or the Ministry of Finance for the centre's pool."""
    key = pool_key(labels, "pr_entrusting_text", is_central(ds, province))
    return labels.t(key, province=ds.region_name(province, lang))


def administration_department(
    labels: Labels, ds: Dataset, province: str, administration: str, lang: str
) -> str:
    """The fund's administrative department as it signs: the province's (东川省人力资源
    社会保障厅), or the ministry for the centre's pool (人力资源社会保障部)."""
    key = pool_key(labels, f"sig_admin_{administration}", is_central(ds, province))
    return labels.t(key, province=ds.region_name(province, lang))
