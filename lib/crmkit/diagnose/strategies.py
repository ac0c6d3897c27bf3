"""The consultant-editable strategy table and the client bands that key it.

The table (``templates/strategies.csv``, UTF-8 or GBK as Excel saves it; ``.xlsx`` also read)
has one row per strategy:

==================  ============================================================================
``id``              short unique code, e.g. ``exclusive_service`` (required)
``priority``        integer; the matching row with the *smallest* priority wins, ties go to the
                    row higher in the file (required)
``segment``         risk x capacity cell code (``high_weak``, ... see ``tiering.segments``)
``tier``            A / B / C
``value_band``      high / medium / low / unknown (or 高 / 中 / 低 / 未知)
``satisfaction_band`` high / medium / low / unknown
``risk_band``       low / medium / high / unknown
``churn_band``      low / medium / high / unknown
``potential``       high (recommended by the needs stage's high-potential list) / other
``strategy_zh``     the strategy in Chinese (required)
``strategy_en``     the strategy in English (required)
``note``            free text for the consultants (ignored)
==================  ============================================================================

A key cell left blank (or ``*`` / ``any``) matches every client; several values are separated by
``|`` (``high|medium``). A client matching no row gets ``diagnose.strategies.default_*``.

Bands (:func:`client_bands`, all vectorised; missing inputs give ``unknown``):

* **value**: the first column of ``bands.value_basis`` (CLV, then income) holding any value is
  ranked; rank share (average rank / n) ``<= value_low_quantile`` (1/3) is low, ``>
  value_high_quantile`` (2/3) high, else medium — terciles, and equal values share a band;
* **satisfaction**: per client the first measure of ``bands.satisfaction_basis`` it has: NPS
  class (promoter high, passive medium, detractor low) or latest CSAT (``>= csat_high_min`` high,
  ``<= csat_low_max`` low, else medium);
* **risk**: a given risk level (low / medium / high, e.g. the tiering stage's ``risk``), else
  the PD: ``< pd_low_below`` low, ``< pd_medium_below`` medium, else high;
* **churn**: churn probability ``>= churn_high_min`` high, ``>= churn_medium_min`` medium, else low.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.core.errors import DiagnoseError
from crmkit.core.resources import resource_path
from crmkit.params.diagnose import BandParams, DiagnoseParams
from crmkit.params.gates import RISK_STATUSES
from crmkit.params.tiering import SEGMENTS

__all__ = [
    "STRATEGY_COLUMNS",
    "KEY_COLUMNS",
    "BAND_LEVELS",
    "DEFAULT_STRATEGY_FILE",
    "load_strategies",
    "validate_strategies",
    "strategy_path",
    "value_band",
    "satisfaction_band",
    "risk_band",
    "churn_band",
    "client_bands",
    "match_strategies",
]

#: The bundled strategy table.
DEFAULT_STRATEGY_FILE = resource_path("templates", "strategies.csv")
BAND_LEVELS: dict[str, tuple[str, ...]] = {
    "value_band": ("high", "medium", "low", "unknown"),
    "satisfaction_band": ("high", "medium", "low", "unknown"),
    "risk_band": ("low", "medium", "high", "unknown"),
    "churn_band": ("low", "medium", "high", "unknown"),
    "tier": ("A", "B", "C"),
    "segment": tuple(SEGMENTS),
    "risk_status": RISK_STATUSES,
    "potential": ("high", "other"),
}
#: Key columns of the strategy table, matched against the diagnostic table's columns.
KEY_COLUMNS: tuple[str, ...] = ("risk_status", "segment", "tier", "value_band",
                                "satisfaction_band", "risk_band", "churn_band", "potential")
#: What a strategy does: recover a defaulted loan, contain risk, serve, or grow value.
STRATEGY_KINDS: tuple[str, ...] = ("workout", "risk", "service", "value")
#: The gates (risk before value): the kinds of strategy each risk status may receive.
ALLOWED_KINDS: dict[str, tuple[str, ...]] = {
    "default": ("workout",), "watch": ("workout", "risk"),
    "elevated": ("workout", "risk", "service"), "normal": STRATEGY_KINDS,
}
#: Built-in strategies for gated clients that no row of a (custom) table fits.
GATE_FALLBACKS: dict[str, tuple[str, str, str]] = {
    "default": ("workout_recovery", "不良处置：成立清收小组，评估抵质押物与保证人，制定重组、转让或诉讼方案",
                "Workout: recovery team, value the collateral and guarantors, decide between "
                "restructuring, sale and legal action"),
    "watch": ("watch_list", "列入关注名单：重新评估第一还款来源，必要时重组或追加担保，按月监测",
              "Watch list: reassess the primary repayment source, restructure or add "
              "collateral where needed, monitor monthly"),
}
_REQUIRED = ("id", "priority", "kind", "strategy_zh", "strategy_en")
STRATEGY_COLUMNS: tuple[str, ...] = _REQUIRED[:3] + KEY_COLUMNS + _REQUIRED[3:] + ("note",)
_WILDCARDS = {"", "*", "any", "all", "任意", "全部"}
_ZH = {"高": "high", "中": "medium", "低": "low", "未知": "unknown"}
_DEFAULT_BANDS = BandParams()


# -- the table -----------------------------------------------------------------------------
def strategy_path(params: object | None = None) -> Path:
    """The strategy file of a run: ``diagnose.strategies.file`` relative to the parameters file
    (``params`` is the whole :class:`crmkit.params.Params`), else the bundled table."""
    diag = getattr(params, "diagnose", params)
    file = getattr(getattr(diag, "strategies", None), "file", None)
    if file is None:
        return DEFAULT_STRATEGY_FILE
    file = Path(file)
    src = getattr(params, "source_file", None)
    if not file.is_absolute() and src is not None:
        file = Path(src).parent / file
    return file


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DiagnoseError(f"{path}: strategy table not found. Copy templates/strategies.csv "
                            "and point diagnose.strategies.file at it.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc,
                               skipinitialspace=True)
        except UnicodeDecodeError:
            continue
        except pd.errors.ParserError as exc:
            raise DiagnoseError(f"{path}: not a readable CSV table ({exc}); check quotes and "
                                "that every row has the same number of commas") from None
    raise DiagnoseError(f"{path}: neither UTF-8 nor GBK text; save it as CSV UTF-8")


def _values(cell: str, col: str) -> frozenset[str] | None:
    """Parsed key cell: None = any, else the set of codes (unknown ones left for the check)."""
    cell = cell.strip()
    if cell.lower() in _WILDCARDS:
        return None
    parts = [p.strip() for p in cell.split("|")]
    norm = str.upper if col == "tier" else str.lower
    return frozenset(_ZH.get(p, norm(p)) for p in parts)


def validate_strategies(table: pd.DataFrame, source: str = "<strategies>") -> pd.DataFrame:
    """Check a raw strategy table; return it parsed and sorted by priority (then file order).

    Every problem is collected and reported at once, each naming ``source``, the row (as the
    line number of a CSV file with its header on line 1), the column and the fix.
    """
    problems: list[str] = []
    cols = [str(c).strip() for c in table.columns]
    raw = table.copy()
    raw.columns = cols
    unknown = [c for c in cols if c not in STRATEGY_COLUMNS]
    if unknown:
        problems.append(f"unknown column(s) {unknown}; allowed: {list(STRATEGY_COLUMNS)}")
    missing = [c for c in _REQUIRED if c not in cols]
    if missing:
        problems.append(f"missing required column(s) {missing}")
    if problems:
        raise DiagnoseError(f"{source}: " + "; ".join(problems))
    raw = raw.fillna("").astype(str)
    rows = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(raw.to_dict("records")):
        line = i + 2
        rid = rec["id"].strip()
        where = f"{source}, row {line}" + (f" (id {rid!r})" if rid else "")
        if not rid:
            problems.append(f"{where}: 'id' is empty; give each strategy a short code")
        elif rid in seen:
            problems.append(f"{where}: id {rid!r} already used on row {seen[rid]}")
        seen.setdefault(rid, line)
        try:
            prio = int(rec["priority"].strip())
        except ValueError:
            problems.append(f"{where}: priority {rec['priority']!r} is not a whole number "
                            "(1 = checked first)")
            prio = 0
        for lang in ("zh", "en"):
            if not rec[f"strategy_{lang}"].strip():
                problems.append(f"{where}: strategy_{lang} is empty")
        kind = rec["kind"].strip().lower()
        if kind not in STRATEGY_KINDS:
            problems.append(f"{where}: kind {rec['kind']!r} is not one of "
                            f"{' | '.join(STRATEGY_KINDS)} (workout: recover a defaulted loan; "
                            "risk: contain risk; service; value: grow or cross-sell)")
        parsed = {}
        for col in KEY_COLUMNS:
            vals = _values(rec.get(col, ""), col)
            bad = sorted(vals - set(BAND_LEVELS[col])) if vals is not None else []
            if bad:
                problems.append(f"{where}: column {col!r} has {', '.join(map(repr, bad))}; use "
                                f"{' | '.join(BAND_LEVELS[col])} (several joined by '|'), or "
                                "leave it blank to match any")
            parsed[col] = vals
        rows.append({"id": rid, "priority": prio, "kind": kind, **parsed,
                     "strategy_zh": rec["strategy_zh"].strip(),
                     "strategy_en": rec["strategy_en"].strip(), "_line": line})
    if problems:
        n = len(problems)
        raise DiagnoseError(f"{source}: {n} problem{'s' if n > 1 else ''} in the strategy "
                            "table:\n  - " + "\n  - ".join(problems))
    out = pd.DataFrame(rows, columns=["id", "priority", "kind", *KEY_COLUMNS, "strategy_zh",
                                      "strategy_en", "_line"])
    return out.sort_values(["priority", "_line"], kind="stable").reset_index(drop=True)


def load_strategies(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate a strategy table (default: the bundled ``templates/strategies.csv``).

    Returns
    -------
    pandas.DataFrame
        One row per strategy in matching order: ``id``, ``priority``, the key columns (a
        frozenset of codes, or None for any), ``strategy_zh``, ``strategy_en``, ``_line``.
    """
    path = DEFAULT_STRATEGY_FILE if path is None else Path(path)
    return validate_strategies(_read(path), source=str(path))


# -- bands ---------------------------------------------------------------------------------
# Bands are built as integer codes into a level list, then taken from a tiny string array:
# no per-client Python strings are created (fast at a million clients).
def _num(s: pd.Series | None, index: pd.Index) -> np.ndarray:
    if s is None:
        return np.full(len(index), np.nan)
    v = pd.to_numeric(s, errors="coerce").astype(float)
    v = v.set_axis(index) if v.index.equals(index) else v.reindex(index)
    return v.to_numpy(dtype=float, na_value=np.nan)


def _in(s: pd.Series | None, index: pd.Index, values: list[str]) -> np.ndarray:
    """Per row of ``index``: position in ``values`` of the row's value of ``s``, or -1."""
    if s is None:
        return np.full(len(index), -1)
    s = s.set_axis(index) if s.index.equals(index) else s.reindex(index)
    codes, uniques = pd.factorize(s)
    lookup = np.array([values.index(u) if u in values else -1 for u in map(str, uniques)]
                      + [-1], dtype=int)
    return lookup[codes]  # code -1 (missing) takes the trailing -1


def _band(codes: np.ndarray, levels: tuple[str, ...], index: pd.Index, name: str) -> pd.Series:
    """``levels[code]``, with -1 (unknown) mapped to ``"unknown"``."""
    arr = pd.array([*levels, "unknown"], dtype="string")
    codes = np.where(codes < 0, len(levels), codes)
    return pd.Series(arr.take(codes), index=index, name=name)


def value_band(values: pd.Series, bands: BandParams | None = None) -> pd.Series:
    """high / medium / low by rank share of ``values`` (terciles by default); NaN -> unknown."""
    b = bands or _DEFAULT_BANDS
    v = pd.to_numeric(values, errors="coerce").astype(float)
    n = v.notna().sum()
    share = (v.rank(method="average") / n).to_numpy() if n else np.full(len(v), np.nan)
    eps = 1e-9
    codes = np.select([share > b.value_high_quantile + eps, share > b.value_low_quantile + eps,
                       share >= 0], [0, 1, 2], -1)
    return _band(codes, ("high", "medium", "low"), v.index, "value_band")


def satisfaction_band(nps_class: pd.Series | None, csat_latest: pd.Series | None,
                      bands: BandParams | None = None,
                      index: pd.Index | None = None) -> pd.Series:
    """high / medium / low from the NPS class or the latest CSAT (first available per client)."""
    b = bands or _DEFAULT_BANDS
    idx = index if index is not None else (nps_class if nps_class is not None
                                           else csat_latest).index
    # level codes: 0 high, 1 medium, 2 low, -1 unknown
    from_nps = _in(nps_class, idx, ["promoter", "passive", "detractor"])
    c = _num(csat_latest, idx)
    from_csat = np.select([c >= b.csat_high_min, c <= b.csat_low_max, c >= 0], [0, 2, 1], -1)
    out = np.full(len(idx), -1)
    for basis in b.satisfaction_basis:
        out = np.where(out >= 0, out, from_nps if basis == "nps" else from_csat)
    return _band(out, ("high", "medium", "low"), idx, "satisfaction_band")


def risk_band(pd_: pd.Series | None, risk_level: pd.Series | None = None,
              bands: BandParams | None = None, index: pd.Index | None = None,
              status: pd.Series | None = None) -> pd.Series:
    """low / medium / high from a given risk level, else from the PD bands; then raised by the
    risk status (default and watch: high; elevated: at least medium), so the band combines
    PD, covenants, IFRS 9 stage and alert severity, not PD alone."""
    b = bands or _DEFAULT_BANDS
    idx = index if index is not None else (pd_ if pd_ is not None else risk_level).index
    p = _num(pd_, idx)
    codes = np.select([p < b.pd_low_below, p < b.pd_medium_below, p >= b.pd_medium_below],
                      [0, 1, 2], -1)
    lvl = _in(risk_level, idx, ["low", "medium", "high"])
    codes = np.where(lvl >= 0, lvl, codes)
    st = _in(status, idx, list(RISK_STATUSES))  # 0 default, 1 watch, 2 elevated, 3 normal
    codes = np.where((st == 0) | (st == 1), 2, np.where(st == 2, np.maximum(codes, 1), codes))
    return _band(codes, ("low", "medium", "high"), idx, "risk_band")


def churn_band(churn: pd.Series | None, bands: BandParams | None = None,
               index: pd.Index | None = None) -> pd.Series:
    """low / medium / high from the churn probability; missing -> unknown."""
    b = bands or _DEFAULT_BANDS
    idx = index if index is not None else churn.index
    c = _num(churn, idx)
    codes = np.select([c >= b.churn_high_min, c >= b.churn_medium_min, c >= 0], [2, 1, 0], -1)
    return _band(codes, ("low", "medium", "high"), idx, "churn_band")


def client_bands(frame: pd.DataFrame, params: DiagnoseParams | None = None) -> pd.DataFrame:
    """The four bands of each row of a diagnostic-table-like frame.

    Uses the columns present among ``bands.value_basis``, ``nps_class``, ``csat_latest``,
    ``pd``, ``risk`` and ``churn_probability``; absent ones give ``unknown``.
    """
    b = (params or DiagnoseParams()).bands
    idx = frame.index
    basis = next((c for c in b.value_basis
                  if c in frame.columns and frame[c].notna().any()), None)
    get = frame.get
    return pd.DataFrame({
        "value_band": (value_band(frame[basis], b) if basis is not None
                       else _band(np.full(len(idx), -1), (), idx, "value_band")),
        "satisfaction_band": satisfaction_band(get("nps_class"), get("csat_latest"), b, idx),
        "risk_band": risk_band(get("pd"), get("risk"), b, idx, get("risk_status")),
        "churn_band": churn_band(get("churn_probability"), b, idx),
    }, index=idx)


# -- matching ------------------------------------------------------------------------------
def match_strategies(frame: pd.DataFrame, table: pd.DataFrame | None = None,
                     params: DiagnoseParams | None = None) -> pd.DataFrame:
    """The first matching strategy of each row of ``frame`` (rows of ``table`` in order).

    ``frame`` holds the key columns present (bands, ``segment``, ``tier``); a row keyed on a
    column ``frame`` lacks (or where the client's value is missing) does not match. The loop
    runs over strategies, not clients: each rule is one vectorised comparison.

    Returns
    -------
    pandas.DataFrame
        Same index; ``strategy_id``, ``strategy_zh``, ``strategy_en``, ``strategy_priority``
        (NA for the default strategy).
    """
    p = params or DiagnoseParams()
    table = load_strategies() if table is None else table
    if "_line" not in table.columns:
        table = validate_strategies(table)
    n = len(frame)
    choice = np.full(n, -1)
    # Factorise each key column once; a rule then compares small integer codes.
    fact = {c: pd.factorize(frame[c].astype("string")) for c in KEY_COLUMNS if c in frame.columns}
    status = (frame["risk_status"].astype("string").fillna("normal").to_numpy(dtype=object)
              if "risk_status" in frame.columns else np.full(n, "normal", dtype=object))
    allowed = {kind: np.isin(status, [st for st, ks in ALLOWED_KINDS.items() if kind in ks])
               for kind in STRATEGY_KINDS}
    for k, rule in enumerate(table.to_dict("records")):
        hit = (choice < 0) & allowed[rule.get("kind") or "value"]
        for col in KEY_COLUMNS:
            vals = rule[col]
            if vals is None:
                continue
            if col not in fact:
                hit[:] = False
                break
            codes, uniques = fact[col]
            wanted = np.flatnonzero(np.isin(np.asarray(uniques, dtype=object), list(vals)))
            hit &= np.isin(codes, wanted)
        choice[hit] = k
        if (choice >= 0).all():
            break
    # unmatched: the built-in gate strategy for default / watch, else the default strategy
    fallback = {"default": len(table) + 1, "watch": len(table) + 2}
    rest = np.array([fallback.get(st, len(table)) for st in status], dtype=int)
    pick = np.where(choice >= 0, choice, rest)
    fb = [GATE_FALLBACKS["default"], GATE_FALLBACKS["watch"]]

    def col(name: str, default: object, gated: list[object], dtype: str
            ) -> pd.api.extensions.ExtensionArray:
        return pd.array([*table[name].tolist(), default, *gated], dtype=dtype).take(pick)

    return pd.DataFrame({"strategy_id": col("id", p.strategies.default_id,
                                            [f[0] for f in fb], "string"),
                         "strategy_zh": col("strategy_zh", p.strategies.default_zh,
                                            [f[1] for f in fb], "string"),
                         "strategy_en": col("strategy_en", p.strategies.default_en,
                                            [f[2] for f in fb], "string"),
                         "strategy_kind": col("kind", "service", ["workout", "risk"], "string"),
                         "strategy_priority": col("priority", pd.NA, [pd.NA, pd.NA], "Int64")},
                        index=frame.index)
