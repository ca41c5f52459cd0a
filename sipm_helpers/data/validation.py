"""Validation of a dataset: the schema of each table, then the registered rules across
rows and tables (``data.rules``).

Every finding names the file (and sheet), the row, the column, the value and the rule;
all findings are gathered before anything is reported. Errors make a dataset unusable,
warnings are data wrinkles an evaluator should know about.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sipm_helpers.config import FundRegistry, TableSpec
from sipm_helpers.config.context import Context, load_context
from sipm_helpers.config.labels import Labels, Said, load_labels, said
from sipm_helpers.config.limits import load_limits
from sipm_helpers.config.registry import COUNTRY_POOLING
from sipm_helpers.data.dataset import TABLES, Dataset
from sipm_helpers.data.findings import ERROR, WARNING, Finding, ValidationReport
from sipm_helpers.data.io import RawDataset, read_raw
from sipm_helpers.data.knock_ons import link
from sipm_helpers.data.rules import (
    Checked,
    Rule,
    evaluation,
    money,
    regions,
    registry,
    run_rules,
    statistics,
    targets,
)
from sipm_helpers.data.schemas import (
    DTYPES,
    build_schema,
    coerce_table,
    meant_codes,
    schema_findings,
)
from sipm_helpers.data.table import Table, rows
from sipm_helpers.errors import DataError
from sipm_helpers.paths import demo_data_dir

# Every rule across rows and tables, in the order findings are reported.
RULES: Mapping[str, Rule] = registry(
    regions.RULES, money.RULES, statistics.RULES, targets.RULES, evaluation.RULES
)


def _names(ctx: Context, regions: pd.DataFrame | None) -> dict[str, dict[str, str]]:
    """Per reference, each code's Chinese name → the code, as a template's drop-down lists
    offer them; a name two codes share, or that is a code itself, is left out."""
    r = ctx.registry
    pairs = {
        "@funds": [(f.zh, c) for c, f in r.funds.items()],
        "@line_items": [(i.zh, c) for c, i in r.line_items.items()],
        "@statistics": [(s.zh, c) for c, s in r.statistics.items()],
        "@indicators": [(i.zh, i.code) for cat in ctx.all_catalogues() for i in cat.indicators],
        "@regions": []
        if regions is None
        else list(zip(regions["name_zh"], regions["region_code"], strict=True)),
    }
    out = {}
    for reference, named in pairs.items():
        codes: dict[str, set[str]] = {}
        for name, code in named:
            if isinstance(name, str) and isinstance(code, str):
                codes.setdefault(name, set()).add(code)
        every = {code for _, code in named}
        out[reference] = {
            name: next(iter(c)) for name, c in codes.items() if len(c) == 1 and name not in every
        }
    return out


def _references(ctx: Context, regions: pd.DataFrame | None) -> dict[str, set[str]]:
    indicators = {code for codes in ctx.indicator_codes().values() for code in codes}
    codes = set() if regions is None else set(regions["region_code"].dropna().astype(str))
    return {
        "@funds": set(ctx.registry.funds),
        "@line_items": set(ctx.registry.line_items),
        "@statistics": set(ctx.registry.statistics),
        "@indicators": indicators,
        "@regions": codes,
    }


def _finding(
    english: Labels, severity: str, table: str, origin: str, column: str | None, rule: str,
    message: Said,
) -> Finding:  # fmt: skip
    """A finding about a whole table or column (no row, no value)."""
    text = message.in_(english)
    return Finding(severity, table, origin, None, column, None, rule, text, said=message)


def _schema_pass(
    raw: RawDataset, ctx: Context, report: ValidationReport, english: Labels
) -> dict[str, Table]:
    """Presence of tables and columns, types, then the pandera schema of each table."""
    tables: dict[str, Table] = {}
    typed_regions = None
    most = report.most
    for name in TABLES:  # regions first: the others refer to its codes
        spec = ctx.specs[name]
        if name not in raw.tables:
            if spec.required:
                expected = (
                    said("validation_expected_sheet", sheet=name)
                    if raw.format == "xlsx"
                    else f"{name}.{raw.format}"
                )
                message = said("validation_missing_table", table=name, expected=expected)
                report.extend(
                    [
                        _finding(
                            english, ERROR, name, str(raw.source), None, "missing_table", message
                        )
                    ]
                )
            continue
        frame, origin = raw.tables[name], raw.origins[name]
        offset = raw.header_rows[name] + (1 if raw.format != "parquet" else 0)
        if not (pd.api.types.is_integer_dtype(frame.index) and frame.index.is_unique):
            frame = frame.reset_index(drop=True)  # read_raw's index is the row position already
        missing = [c for c in spec.columns if c not in frame.columns]
        found = ", ".join(map(str, frame.columns))
        for col in missing:
            message = said("validation_missing_column", column=col, found=found)
            report.extend([_finding(english, ERROR, name, origin, col, "missing_column", message)])
        for col in frame.columns:
            if col not in spec.columns:
                message = said("validation_unknown_column", column=str(col), table=name)
                report.extend(
                    [_finding(english, WARNING, name, origin, str(col), "unknown_column", message)]
                )
        if missing:
            continue
        if frame.empty and spec.required:
            message = said("validation_empty_table", table=name)
            report.extend([_finding(english, ERROR, name, origin, None, "empty_table", message)])
            continue  # the rules that read it do not run: one finding, not thousands
        names = _names(ctx, typed_regions if name != "regions" else None)
        typed, type_findings = coerce_table(frame, spec, origin, offset, english, names, most)
        report.extend(type_findings)
        bad = typed.isna() & frame.reindex(columns=typed.columns).notna()  # not a valid value
        refs = _references(ctx, typed_regions if name != "regions" else None)
        schema = build_schema(spec, refs)
        if name == "regions":
            schema = schema.remove_columns([])  # regions refer to nothing
        report.extend(
            schema_findings(typed, schema, spec, origin, offset, english, bad, refs, most)
        )
        dup = typed.duplicated(list(spec.key), keep="first") & typed[list(spec.key)].notna().all(
            axis=1
        )
        table = Table(name, typed, origin, offset, most)
        duplicates = rows(
            typed,
            dup,
            lambda r, key=spec.key: said(
                "validation_duplicate_key", key=", ".join(f"{k}={r[k]}" for k in key)
            ),
        )
        report.extend(table.findings(duplicates, None, "duplicate_key", ERROR, english))
        tables[name] = table
        if name == "regions":
            typed_regions = typed
    return tables


def _link(report: ValidationReport, tables: dict[str, Table], ctx: Context) -> dict[int, int]:
    """Each knock-on finding's position → its cause's (:mod:`~sipm_helpers.data.knock_ons`)."""
    regions = tables["regions"].frame if "regions" in tables else None
    refs = _references(ctx, regions)
    known: dict[tuple, frozenset[str] | None] = {}  # one bad code is often down a column

    def meant(f: Finding) -> frozenset[str] | None:
        key = (f.table, f.column, f.value, f.rule)
        if key not in known:
            known[key] = meant_codes(f, ctx.specs, refs)
        return known[key]

    return link(report.findings, tables, meant)


def coordination_table(
    regions: pd.DataFrame, pooling: pd.DataFrame | None, registry: FundRegistry
) -> pd.DataFrame:
    """Each fund's coordinating regions: the province where the fund is pooled at province
    level, each of its prefectures where pooled at prefecture level (Art. 6).

    A region of level ``central`` (the centre's own pool, Art. 23) coordinates the funds
    its pooling rows pool at country level, in the place of a province (it is its own
    province_code); validation refuses such a pool for a fund the registry does not allow.

    Returns columns region_code, fund, province_code, pooling_level.
    """
    provinces = regions.loc[regions["level"] == "province", "region_code"].astype(str)
    grid = pd.MultiIndex.from_product(
        [provinces, list(registry.funds)], names=["province_code", "fund"]
    ).to_frame(index=False)
    grid["pooling_level"] = grid["fund"].map(
        {c: f.default_pooling for c, f in registry.funds.items()}
    )
    if pooling is not None and len(pooling):
        chosen = pooling.set_index(["province_code", "fund"])["pooling_level"]
        override = pd.Series(list(zip(grid["province_code"], grid["fund"], strict=False))).map(
            chosen.to_dict()
        )
        grid["pooling_level"] = override.fillna(grid["pooling_level"]).astype(str).to_numpy()
    prefectures = regions.loc[
        regions["level"] == "prefecture", ["region_code", "parent_code"]
    ].rename(columns={"parent_code": "province_code"})
    by_province = grid.loc[grid["pooling_level"] == "province"].assign(
        region_code=lambda g: g["province_code"]
    )
    by_prefecture = grid.loc[grid["pooling_level"] == "prefecture"].merge(
        prefectures, on="province_code"
    )
    out = pd.concat(
        [by_province, by_prefecture, _central_pools(regions, pooling)], ignore_index=True
    )[["region_code", "fund", "province_code", "pooling_level"]]
    for col in out.columns:
        out[col] = out[col].astype("string")
    return out.sort_values(["fund", "region_code"], ignore_index=True)


def _central_pools(regions: pd.DataFrame, pooling: pd.DataFrame | None) -> pd.DataFrame:
    """The funds pooled at country level by a region of level ``central``, each as its own
    coordinating region and province."""
    columns = ["region_code", "fund", "province_code", "pooling_level"]
    if pooling is None or not len(pooling):
        return pd.DataFrame(columns=columns)
    central = regions.loc[regions["level"] == "central", "region_code"].astype(str)
    mine = pooling.loc[
        pooling["province_code"].isin(central) & (pooling["pooling_level"] == COUNTRY_POOLING)
    ]
    return mine.assign(region_code=mine["province_code"])[columns]


def validate_raw(
    raw: RawDataset, ctx: Context | None = None
) -> tuple[Dataset | None, ValidationReport]:
    """Validate tables as read; return the typed dataset (None when there are errors) and the report."""
    ctx = ctx or load_context()
    english = load_labels("en")
    report = ValidationReport(str(raw.source), most=load_limits().findings_per_rule)
    report.extend(raw.notes)
    tables = _schema_pass(raw, ctx, report, english)
    if "regions" not in tables or (
        report.errors and any(f.table == "regions" for f in report.errors)
    ):
        report.close(english)
        report.caused_by = _link(report, tables, ctx)
        return None, report
    regions_frame = tables["regions"].frame
    pooling = tables.get("pooling")
    coordination = coordination_table(
        regions_frame, None if pooling is None else pooling.frame, ctx.registry
    )
    checked = Checked(tables, ctx, regions_frame, coordination, english)
    report.extend(run_rules(RULES, checked))
    report.close(english)
    report.caused_by = _link(report, tables, ctx)
    if not report.ok:
        return None, report
    frames = {
        name: _finalize(tables[name].frame if name in tables else _empty(ctx.specs[name]))
        for name in TABLES
    }
    return Dataset(
        source=str(raw.source), coordination=coordination, report=report, **frames
    ), report


def _empty(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=DTYPES[s.type]) for c, s in spec.columns.items()})


def _finalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Numpy dtypes for speed where no value is missing: int64 for whole numbers, float64 for money."""
    out = frame.reset_index(drop=True)  # row positions were for messages; blank rows are gone
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, pd.Int64Dtype) and not out[col].isna().any():
            out[col] = out[col].astype("int64")
        elif isinstance(dtype, pd.Float64Dtype):
            out[col] = out[col].astype("float64")
    return out


def validate_path(
    path: str | Path, ctx: Context | None = None
) -> tuple[Dataset | None, ValidationReport]:
    """Read and validate the dataset at ``path`` (CSV folder, Parquet folder or .xlsx)."""
    ctx = ctx or load_context()
    raw = read_raw(path, list(TABLES))
    return validate_raw(raw, ctx)


def load_dataset(path: str | Path | None = None, ctx: Context | None = None) -> Dataset:
    """Load and validate a dataset (default: the embedded demo); raise DataError on errors."""
    dataset, report = validate_path(path or demo_data_dir(), ctx)
    if dataset is None:
        raise DataError(report)
    return dataset
