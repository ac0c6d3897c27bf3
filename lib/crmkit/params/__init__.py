"""The typed parameters model of a portfolio, loaded from one YAML file.

A parameters file is data, never code: it is read with ``yaml.safe_load`` and validated into
:class:`Params`, which rejects unknown keys and reports *every* problem at once, each with its
key path, so a consultant can fix the file in one go.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from crmkit.core.contract import TABLES
from crmkit.core.errors import ParametersError
from crmkit.params._base import Section
from crmkit.params.batch import BatchParams
from crmkit.params.branding import BrandingParams
from crmkit.params.checks import ChecksParams
from crmkit.params.churn import ChurnParams
from crmkit.params.credit import CreditParams
from crmkit.params.diagnose import DiagnoseParams
from crmkit.params.ecl import EclParams
from crmkit.params.gates import RiskGates
from crmkit.params.history import HistoryParams
from crmkit.params.limits import LimitsParams
from crmkit.params.needs import NeedsParams
from crmkit.params.plan import PlanParams
from crmkit.params.relate import RelateParams
from crmkit.params.roundtrip import SavedParams, save_changes
from crmkit.params.scoring import ScoringParams
from crmkit.params.tiering import TieringParams
from crmkit.params.training import misplaced_hint
from crmkit.params.values import value_problems
from crmkit.params.voice import VoiceParams
from crmkit.params.warning import WarningParams

__all__ = ["Params", "SourceSpec", "load_params", "update_params_file", "SavedParams",
           "SAFE_NAME", "UNITS"]

#: Portfolio names become folder names: letters, digits, CJK, ``_`` and ``-`` only.
SAFE_NAME = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff]{0,79}$")

#: Money units a source may declare, and their factor to yuan.
UNITS: dict[str, float] = {
    "yuan": 1.0, "元": 1.0,
    "thousand": 1e3, "千元": 1e3,
    "wan": 1e4, "万元": 1e4, "万": 1e4,
    "million": 1e6, "百万元": 1e6,
    "yi": 1e8, "亿元": 1e8, "亿": 1e8,
}


class SourceSpec(Section):
    """Where one table (or, under ``default``, every table) comes from.

    Give ``path`` (a CSV / xlsx / Parquet file, or a folder holding ``<table>.csv|.xlsx|.parquet``)
    or ``url`` (a SQLAlchemy URL such as ``sqlite:///portfolio.db`` or ``duckdb:///p.duckdb``),
    or ``url_env``: the name of an environment variable holding the URL, so that a password
    never sits in the parameters file.
    """

    path: Path | None = None
    url: str | None = None
    url_env: str | None = Field(None, description="Environment variable holding the SQL URL")
    table: str | None = Field(None, description="SQL table name; default: the contract name")
    query: str | None = Field(None, description="SQL query instead of a table")
    sheet: str | None = Field(None, description="xlsx sheet; default: the table's sheet")
    encoding: str = Field("auto", description="auto (UTF-8, UTF-8-BOM, GB18030) or a codec")
    header_row: int | None = Field(
        None, ge=1, description="xlsx: the sheet row holding the headers (1 = the first); "
        "default: the first row matching the contract's headers")

    @model_validator(mode="after")
    def _one_location(self) -> SourceSpec:
        if sum(x is not None for x in (self.path, self.url, self.url_env)) != 1:
            raise ValueError("give exactly one of 'path' (a file or folder), 'url' (SQL) or "
                             "'url_env' (an environment variable holding the SQL URL)")
        if self.query and self.table:
            raise ValueError("give 'table' or 'query', not both")
        return self


class Params(Section):
    """One portfolio's parameters. Later stages own their sections."""

    portfolio: str = Field(description="Short name; becomes the output folder name")
    title: str | None = Field(None, description="Display name of the portfolio in reports")
    as_of: dt.date = Field(description="The analysis date (YYYY-MM-DD)")
    language: Literal["zh", "en"] = "zh"
    output_dir: Path = Path("outputs")
    sources: dict[str, SourceSpec]
    columns: dict[str, dict[str, str]] = Field(default_factory=dict)
    units: dict[str, dict[str, str]] = Field(default_factory=dict)
    values: dict[str, dict[str, dict[str, str]]] = Field(
        default_factory=dict, description="Per table and column: your word -> the contract's "
        "code, e.g. {clients: {industry: {能源: energy}}}")
    history_db: Path | None = Field(None, description="Snapshot store; default in output_dir")
    mask_pii: bool = False
    checks: ChecksParams = Field(default_factory=ChecksParams)
    scoring: ScoringParams = Field(default_factory=ScoringParams)
    credit: CreditParams = Field(default_factory=CreditParams)
    gates: RiskGates = Field(default_factory=RiskGates)
    tiering: TieringParams = Field(default_factory=TieringParams)
    needs: NeedsParams = Field(default_factory=NeedsParams)
    warning: WarningParams = Field(default_factory=WarningParams)
    ecl: EclParams = Field(default_factory=EclParams)
    churn: ChurnParams = Field(default_factory=ChurnParams)
    history: HistoryParams = Field(default_factory=HistoryParams)
    voice: VoiceParams = Field(default_factory=VoiceParams)
    limits: LimitsParams = Field(default_factory=LimitsParams)
    relate: RelateParams = Field(default_factory=RelateParams)
    diagnose: DiagnoseParams = Field(default_factory=DiagnoseParams)
    plan: PlanParams = Field(default_factory=PlanParams)
    batch: BatchParams = Field(default_factory=BatchParams)
    branding: BrandingParams = Field(default_factory=BrandingParams)
    source_file: Path | None = Field(None, exclude=True, description="Set by load_params")

    @field_validator("portfolio")
    @classmethod
    def _safe_portfolio(cls, v: str) -> str:
        if not SAFE_NAME.match(v) or v in {".", ".."} or ".." in v:
            raise ValueError(
                f"{v!r} cannot be a folder name: use letters, digits, Chinese characters, '_' "
                "or '-' (no '/', '..' or spaces), at most 80 characters"
            )
        return v

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, v: dict[str, SourceSpec]) -> dict[str, SourceSpec]:
        for name in v:
            if name != "default" and name not in TABLES:
                raise ValueError(f"unknown table {name!r}{_hint(name, [*TABLES, 'default'])}")
        return v

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        problems = []
        for tname, mapping in v.items():
            if tname not in TABLES:
                problems.append(f"unknown table {tname!r}{_hint(tname, TABLES)}")
                continue
            names = TABLES[tname].names
            for src, dst in mapping.items():
                if dst not in names:
                    problems.append(
                        f"{tname}: {src!r} maps to {dst!r}, which is not a column of "
                        f"{tname}{_hint(dst, names)}"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @field_validator("units")
    @classmethod
    def _known_units(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        problems = []
        for tname, cols in v.items():
            if tname not in TABLES:
                problems.append(f"unknown table {tname!r}{_hint(tname, TABLES)}")
                continue
            for col, unit in cols.items():
                if col not in TABLES[tname].names or TABLES[tname].column(col).kind != "money":
                    money = [c.name for c in TABLES[tname].columns if c.kind == "money"]
                    problems.append(f"{tname}.{col} is not a money column (money: {money})")
                if unit not in UNITS:
                    problems.append(f"{tname}.{col}: unknown unit {unit!r}; use one of "
                                    f"{sorted(UNITS)}")
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @field_validator("values")
    @classmethod
    def _known_values(cls, v: dict[str, dict[str, dict[str, str]]]
                      ) -> dict[str, dict[str, dict[str, str]]]:
        problems = value_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v

    # -- derived locations ------------------------------------------------------------------
    @property
    def run_dir(self) -> Path:
        """``<output_dir>/<portfolio>/<as_of>``: where every stage of this run writes."""
        return self.output_dir / self.portfolio / self.as_of.isoformat()

    def stage_dir(self, stage: str) -> Path:
        """The folder of one stage's outputs inside :attr:`run_dir` (created on demand)."""
        d = self.run_dir / stage
        d.mkdir(parents=True, exist_ok=True)
        return d

    @property
    def history_path(self) -> Path:
        """The embedded snapshot database shared by every run of this portfolio."""
        return self.history_db or (self.output_dir / self.portfolio / "history.duckdb")


def _hint(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known: {', '.join(map(str, choices))})" if len(choices) else ""


def _format_errors(exc: ValidationError, source: str, known: dict[tuple, list[str]]) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parent = tuple(err["loc"][:-1])
            key = str(err["loc"][-1])
            choices = known.get(parent) or _fields_at(parent)
            hint = misplaced_hint(err["loc"]) or _hint(key, choices)
            lines.append(f"  - {loc}: unknown key{hint}")
        elif err["type"] == "missing":
            lines.append(f"  - {loc}: required key is missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"  - {loc}: {msg} (got {err.get('input')!r})")
    n = len(lines)
    return f"{source}: {n} problem{'s' if n > 1 else ''} in the parameters file:\n" + "\n".join(lines)


def _fields_at(loc: tuple) -> list[str]:
    """The keys allowed at ``loc`` (e.g. ``("sources", "clients")``), walking the model through
    sections, mappings and lists."""
    from typing import get_args, get_origin

    ann: Any = Params
    for part in loc:
        if isinstance(ann, type) and issubclass(ann, Section):
            field = ann.model_fields.get(str(part))
            if field is None:
                return []
            ann = field.annotation
            continue
        args = [a for a in get_args(ann) if a is not type(None)]
        if get_origin(ann) in (dict, list) and args:
            ann = args[-1]
        elif len(args) == 1:
            ann = args[0]
        else:
            return []
    args = [a for a in get_args(ann) if a is not type(None)]
    if len(args) == 1:  # X | None
        ann = args[0]
    return list(ann.model_fields) if isinstance(ann, type) and issubclass(ann, Section) else []


def _known_keys() -> dict[tuple, list[str]]:
    known: dict[tuple, list[str]] = {(): list(Params.model_fields)}
    for name, f in Params.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, Section):
            known[(name,)] = list(ann.model_fields)
    return known


def load_params(path: str | Path, overrides: dict[str, Any] | None = None) -> Params:
    """Read, merge and validate a portfolio's parameters file.

    Relative paths in the file are taken relative to the file's folder. ``overrides`` (for
    example from a Papermill cell) are merged over the file's top-level keys first.

    Raises
    ------
    ParametersError
        Naming the file and every invalid or unknown key, with a hint to fix each.
    """
    path = Path(path)
    if not path.is_file():
        raise ParametersError(
            f"{path}: parameters file not found. Copy parameters/sample.yaml and edit it.")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParametersError(f"{path}: not valid YAML: {exc}") from None
    except UnicodeDecodeError:
        raise ParametersError(f"{path}: not UTF-8 text; save the parameters file as UTF-8."
                              ) from None
    if not isinstance(raw, dict):
        raise ParametersError(f"{path}: expected a mapping of keys (portfolio:, as_of:, ...)")
    raw.update(overrides or {})
    try:
        params = Params.model_validate(raw)
    except ValidationError as exc:
        raise ParametersError(_format_errors(exc, str(path), _known_keys())) from None
    base = path.resolve().parent
    params.output_dir = _rel(base, params.output_dir)
    if params.history_db is not None:
        params.history_db = _rel(base, params.history_db)
    for tr in (params.credit.training, params.churn.training):
        if tr is not None:
            tr.path = _rel(base, tr.path)
            tr.model_dir = None if tr.model_dir is None else _rel(base, tr.model_dir)
    for spec in params.sources.values():
        if spec.path is not None:
            spec.path = _rel(base, spec.path)
        if spec.url and spec.url.startswith(("sqlite:///", "duckdb:///")):
            scheme, _, file = spec.url.partition(":///")
            if file and not file.startswith("/") and file != ":memory:":
                spec.url = f"{scheme}:///{_rel(base, Path(file))}"
    params.source_file = path.resolve()
    return params


def _rel(base: Path, p: Path) -> Path:
    return p if p.is_absolute() else (base / p).resolve()


def update_params_file(path: str | Path, updates: dict[str, Any],
                       backup: bool = True) -> SavedParams:
    """Write changed settings into a parameters file (used by the sliders' *save* button).

    Only the keys of ``updates`` whose value differs from the file's (defaults filled in) are
    written, as in-place edits that keep comments, order and layout; warning rules are merged by
    id. The result is validated before it is written, so a bad update never lands; the previous
    file is kept as ``<name>.<timestamp>.bak``; the write is atomic. Returns what was written,
    with a unified diff (see :mod:`crmkit.params.roundtrip`).
    """
    path = Path(path)

    def effective(raw: dict[str, Any]) -> dict[str, Any]:
        try:
            return Params.model_validate(raw).model_dump(mode="json")
        except ValidationError as exc:
            raise ParametersError(_format_errors(exc, str(path), _known_keys())) from None

    return save_changes(path, updates, effective, backup=backup)
