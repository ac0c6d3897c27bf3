"""Display helpers for notebooks: translated headers, rounded numbers, escaped text.

:func:`view` returns a plain DataFrame ready to read (headers and codes in words, money in one
unit per column, shares as percentages, blanks as "—"); :func:`styled` only fixes its layout
(short cells on one line, long text wrapping) and escapes every cell as pandas does, so a client
name such as ``<script>`` shows as text in Jupyter and in the exported report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from crmkit.core.i18n import LABELS, header
from crmkit.core.units import money_header, money_unit

__all__ = ["view", "tidy", "grade_order", "grade_counts", "quarantine_view", "styled"]

#: Money columns (yuan) shown in one unit per column, 万元 or 亿元, named in the header.
_MONEY = {"exposure", "income", "committed", "clv", "clv_at_risk", "ecl", "ead", "amount",
          "outstanding", "interest_income", "fee_income", "total_assets", "revenue", "ebitda",
          "exposure_sum", "clv_sum", "ecl_new", "clv_new", "ecl_12m", "ecl_lifetime"}
#: Shares and probabilities shown as percentages.
_SHARE = {"pd", "pd_12m", "pd_lifetime", "churn_probability", "share", "count_share",
          "exposure_share", "on_time_share", "needs_fulfilled_share", "csat_share", "coverage",
          "event_rate", "bad_rate", "default_rate", "mean_pd", "negative_share",
          "positive_share", "rate_with", "rate_without", "difference",
          "negative_text_share_recent", "churn_rate", "raroc", "share_missing"}

_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
#: A cell that reads as a figure: ``1,234.5``, ``-3``, ``12.5%``, ``—``, a date.
_FIGURE = re.compile(r"[+\-−]?[\d,]*\.?\d+%?|—|\d{4}-\d\d-\d\d")

# Long texts (notes, reasons) shown whole and wide tables shown with every column: the notebook
# scrolls sideways instead of cutting a cell to "..." or hiding columns.
pd.set_option("display.max_colwidth", None)
pd.set_option("display.max_columns", 60)


def _register_missing() -> None:
    """Headers for the stage outputs' columns, where no module defined one."""
    import crmkit.diagnose.labels  # noqa: F401 - registers its own labels first
    import crmkit.score.credit.fit  # noqa: F401
    import crmkit.warn.labels  # noqa: F401
    from crmkit.score.difference import DIMENSION_LABELS, INDICATOR_LABELS

    extra: dict[str, tuple[str, str]] = {
        "reasons": ("主要扣分原因", "Main reasons"), "profile_name": ("客户画像", "Profile"),
        "profile": ("画像编号", "Profile no."), "points": ("评分卡分数", "Scorecard points"),
        "grade": ("信用等级", "Rating grade"), "slotting": ("监管分类", "Slotting category"),
        "missing": ("缺失指标数", "Missing indicators"),
    }
    extra.update({k: v for k, v in {**INDICATOR_LABELS, **DIMENSION_LABELS}.items()})
    for key, pair in extra.items():
        LABELS.setdefault(f"col.{key}", tuple(pair))


_register_missing()

#: Headers this face alone needs (kept out of the shared catalogue, so a stage registering the
#: same column later is never refused); the catalogue wins where it has the column.
_HEADERS: dict[str, tuple[str, str]] = {
    "score_min": ("分数下限", "Score from"), "score_max": ("分数上限", "Score to"),
    "count_share": ("客户占比", "Share of clients"), "bin_index": ("分箱序号", "Bin no."),
    "weight": ("权重", "Weight"), "kind": ("类型", "Kind"), "effect": ("影响", "Effect"),
    "label_zh": ("维度", "Dimension"), "label_en": ("维度", "Dimension"),
    "clients": ("客户数", "Clients"), "tier_by_value": ("按得分层级", "Tier by score"),
    "risk_status": ("风险状态", "Risk status"), "change": ("变化", "Change"),
    "pd_change": ("违约概率变化", "PD change"), "score_change": ("得分变化", "Score change"),
    "table": ("数据表", "Table"), "row": ("源文件行号", "Source row"),
    "column": ("字段", "Column"), "reason": ("原因", "Reason"),
    "detail": ("说明", "Detail"), "rows": ("行数", "Rows"), "file": ("文件", "File"),
    "quarantine_reason": ("隔离原因", "Reason for quarantine"),
    "default_rate": ("违约率", "Default rate"), "mean_pd": ("平均违约概率", "Mean PD"),
    "brier": ("布里尔分数", "Brier score"), "basis": ("口径", "Basis"), "n": ("样本数", "n"),
    "defaults": ("违约数", "Defaults"), "model": ("模型", "Model"),
    "max_points": ("该指标最高分", "Best points of the feature"), "woe": ("WOE", "WOE"),
    "coefficient": ("系数", "Coefficient"), "event_rate": ("违约率", "Default rate"),
    "feature": ("指标", "Feature"), "bin": ("分箱", "Bin"),
    "points_new": ("新刻度下的分数", "Points on the new scale"),
    "score_mean": ("平均得分", "Mean score"), "exposure_share": ("敞口占比", "Exposure share"),
    "value_share": ("贡献占比", "Value share"), "name": ("名称", "Name"),
    "covenant_breach": ("违反契约", "Covenant breach"),
    "score_before": ("上期得分", "Score before"), "score_now": ("本期得分", "Score now"),
    "pd_before": ("上期违约概率", "PD before"), "tier_before": ("上期层级", "Tier before"),
    "tier_now": ("本期层级", "Tier now"), "tier_steps": ("层级变动（级）", "Tier steps"),
    "odds_ratio": ("优势比", "Odds ratio"), "from": ("上期", "Before"),
    "ecl_new": ("新参数下的预期信用损失", "ECL with the new setting"),
    "rule_name": ("预警规则", "Rule"), "rule_id": ("预警规则", "Rule"),
    "op": ("触发方向", "Fires when"),
    "clv_new": ("新参数下的客户价值", "CLV with the new setting"),
    "ead": ("违约风险敞口", "EAD"), "coverage": ("覆盖率", "Coverage"),
    "label": ("指标", "Feature"),
    "n_texts": ("文本数", "Texts"), "top_terms": ("高频词", "Top terms"),
    "sentiment": ("情感得分", "Sentiment"), "negative_share": ("负面占比", "Negative share"),
    "positive_share": ("正面占比", "Positive share"), "theme": ("主题", "Theme"),
    "outcome": ("结果", "Outcome"), "n_with": ("有负面文本的客户", "Clients with"),
    "events_with": ("其中发生数", "Events with"), "rate_with": ("发生率（有）", "Rate with"),
    "n_without": ("其他客户", "Clients without"),
    "events_without": ("其中发生数（其他）", "Events without"),
    "rate_without": ("发生率（其他）", "Rate without"), "difference": ("差距", "Difference"),
    "p_value": ("p 值", "p-value"), "text": ("文本", "Text"),
    "complaints_recent": ("近期投诉数", "Recent complaints"),
    "negative_text_share_recent": ("近期负面文本占比", "Recent negative share"),
    "theme_name": ("主题", "Theme"), "action": ("建议行动", "Suggested action"),
    "n_plan": ("方案序号", "Plan no."), "created": ("保存时间", "Saved at"),
    "tenor_months": ("期限（月）", "Tenor (months)"),
    "repayment_profile": ("还款方式", "Repayment profile"),
    "min_dscr": ("最低偿债覆盖率", "Minimum DSCR"), "raroc": ("风险调整资本收益率", "RAROC"),
}
#: Words for codes this face alone needs, by catalogue-style key.
_WORDS: dict[str, tuple[str, str]] = {
    "display.kind.lift": ("提升", "Lift"), "display.kind.drag": ("拖累", "Drag"),
    "display.kind.numeric": ("数值型", "Numeric"),
    "display.kind.categorical": ("类别型", "Categorical"),
    "display.basis.out_of_fold": ("样本外（交叉验证）", "Out of fold"),
    "display.basis.in_sample": ("样本内", "In sample"),
    "display.model.scorecard": ("评分卡", "Scorecard"),
    "display.model.gbm": ("梯度提升树（仅对照）", "Gradient boosting (comparison)"),
    "display.model.rules": ("专家规则", "Expert rules"),
    "warn.stage.total": ("合计", "Total"),
}

#: Code columns shown in words: column -> key of its labels in the catalogue.
_CODES = {"kind": "display.kind.{}", "basis": "display.basis.{}", "model": "display.model.{}",
          "slotting": "credit.slotting.{}", "tier": "tier.{}.short",
          "tier_by_value": "tier.{}.short", "severity": "warn.severity.{}",
          "risk_status": "diag.status.{}", "risk": "risk.{}", "capacity": "capacity.{}",
          "segment": "segment.{}", "tier_before": "tier.{}.short",
          "tier_now": "tier.{}.short", "stage": "warn.stage.{}", "level": "warn.level.{}",
          "worst_severity": "diag.severity.{}", "nps_class": "diag.nps.{}",
          "strategy_kind": "diag.kind.{}", "ifrs9_stage": "diag.stage.{}",
          "covenant_breach": "diag.bool.{}", "value_band": "diag.band.value.{}",
          "satisfaction_band": "diag.band.satisfaction.{}", "risk_band": "diag.band.risk.{}",
          "churn_band": "diag.band.churn.{}"}


def _header(column: str, lang: str) -> str:
    """Header of a column: the shared catalogue (``col.``), else a stage's own (warn, diagnose)."""
    from crmkit.core.i18n import t

    if f"col.{column}" not in LABELS:
        for ns in ("warn.col.", "diag.col."):
            if f"{ns}{column}" in LABELS:
                return t(f"{ns}{column}", lang)
        if column in _HEADERS:
            return _HEADERS[column][0 if lang == "zh" else 1]
    return header(column, lang)


def _words(name: object, values: pd.Series | pd.Index, lang: str) -> pd.Series | pd.Index:
    """Codes of column ``name`` in words (features by their header); unknown codes unchanged."""
    from crmkit.core.i18n import t

    if name in ("feature", "metric"):
        return values.map(lambda v: v if pd.isna(v) else header(str(v), lang))
    key = _CODES.get(str(name))
    if key is None:
        return values

    def word(v: object) -> object:
        if pd.isna(v):
            return v
        k = key.format(v)
        if k in LABELS:
            return t(k, lang)
        return _WORDS[k][0 if lang == "zh" else 1] if k in _WORDS else v

    return values.map(word)


def view(df: pd.DataFrame, lang: str = "zh", columns: Iterable[str] | None = None,
         digits: int = 2, index: bool = True, n: int | None = None,
         labels: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """A copy of ``df`` for display: chosen ``columns``, headers in ``lang``, numbers for reading.

    Money columns are shown in one unit per column (万元 or 亿元, chosen from the column's scale
    by :func:`crmkit.core.units.money_unit`, stated in the header); shares and PDs as
    percentages; counts as whole numbers; other numbers to ``digits`` places; blanks as "—".
    The index name is translated too (``client_id`` -> 客户编号); ``n`` keeps the first rows.
    Pairs ``x_zh`` / ``x_en`` become one column ``x`` in ``lang`` (``columns`` may name ``x``);
    ``labels`` gives a column's codes their own words, e.g. ``{"segment":
    crmkit.tier.segment_labels(params.tiering, lang)}`` for a bank's own segment names.
    """
    df = _one_language(df, lang)
    out = df if columns is None else df[[c for c in columns if c in df.columns]]
    if n is not None:
        out = out.head(n)
    out = out.copy()
    names = {c: _header(str(c), lang) for c in out.columns}
    if out.columns.name in _CODES:  # a cross-table: its column labels are codes too
        names = dict(zip(out.columns, _words(out.columns.name, pd.Index(out.columns), lang)))
    if out.index.name in _CODES or out.index.name in ("feature", "metric"):
        out.index = _words(out.index.name, out.index, lang)
    for c in out.columns:
        if c in (labels or {}):
            out[c] = out[c].astype(object).map(lambda v, m=labels[c]: m.get(v, v))
        elif c in _CODES or c in ("feature", "metric"):
            out[c] = _words(c, out[c].astype(object), lang)
        s = out[c]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        v = pd.to_numeric(s, errors="coerce").astype("float64")
        if c in _MONEY:  # 1.218292e+11 -> 1,218.29 under 敞口（亿元）
            unit = money_unit(v.dropna(), lang)
            out[c] = [unit.text(x) for x in v]
            names[c] = money_header(names[c], unit, lang)
        elif c in _SHARE or str(c).startswith("pd_") or str(c).endswith("_share"):
            places = 2 if str(c).startswith("pd") else 1  # PDs: 0.03 % matters; shares: 72.5 %
            out[c] = ["—" if pd.isna(x) else f"{x:.{places}%}" for x in v]
    out = tidy(out, digits)
    out.columns = [names[c] for c in out.columns]
    if index and out.index.name:
        out.index.name = _header(str(out.index.name), lang)
    return out if index else out.reset_index(drop=True)


def _one_language(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``x_zh`` / ``x_en`` column pairs merged into ``x`` in ``lang``, in the place of ``x_zh``."""
    pairs = [c[:-3] for c in df.columns if isinstance(c, str) and c.endswith("_zh")
             and f"{c[:-3]}_en" in df.columns and c[:-3] not in df.columns]
    if not pairs:
        return df
    out = df.rename(columns={f"{b}_{lang}": b for b in pairs})
    other = "en" if lang == "zh" else "zh"
    return out.drop(columns=[f"{b}_{other}" for b in pairs])


def _number(x: float, digits: int, whole: bool) -> str:
    if pd.isna(x):
        return "—"
    if whole:
        return f"{x:,.0f}" if abs(x) >= 10_000 else f"{x:.0f}"
    return f"{x:,.{digits}f}"


def tidy(df: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """Values for reading, whatever the headers: blanks as "—" (never ``<NA>`` / ``NaN``),
    whole-number columns as integers (``246``, not ``246.0``), other decimals to ``digits``
    places with thousands separators (never ``1.2e+11``). Headers and index are kept."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_bool_dtype(s) and not s.isna().any():
            continue
        if pd.api.types.is_datetime64_any_dtype(s):  # dates as dates, never 00:00:00
            fmt = "%Y-%m-%d" if (s.dropna().dt.normalize() == s.dropna()).all() else \
                "%Y-%m-%d %H:%M"
            out[c] = [x.strftime(fmt) if pd.notna(x) else "—" for x in s]
            continue
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            v = pd.to_numeric(s, errors="coerce").astype("float64")
            finite = v.dropna()
            whole = bool(len(finite)) and bool((finite % 1 == 0).all())
            if pd.api.types.is_integer_dtype(s) and not s.isna().any():
                continue  # plain integers already read well
            out[c] = [_number(x, digits, whole) for x in v]
        else:
            o = s.astype(object)
            out[c] = [_cell(x, digits) for x in o.where(o.notna(), "—")]
    return out


def _cell(x: object, digits: int) -> object:
    """A value of a mixed column: numbers rounded (``1.1`` not ``1.100000``), a pair of numbers
    as a range (``1.10 – 1.25``), anything else unchanged."""
    if isinstance(x, bool) or not isinstance(x, float | int | tuple | list):
        return x
    if isinstance(x, tuple | list):
        if len(x) == 2 and all(isinstance(v, float | int) for v in x):
            return f"{_cell(float(x[0]), digits)} – {_cell(float(x[1]), digits)}"
        return x
    return _number(float(x), digits, float(x) % 1 == 0)


def styled(df: pd.DataFrame, long_text: int = 40):
    """``df`` ready to show, with its layout fixed: short cells stay on one line (a Chinese name
    never breaks one character per line when the table is wide), columns of long text (typically
    wider than ``long_text`` Latin characters, a Chinese one counting two, or some cell 1.4 times
    that) wrap within a wide column,
    text is left-aligned and figures right-aligned, a plain row-number index is hidden, cells
    are escaped. The notebook scrolls sideways rather than cutting a table off.

    Returns a :class:`pandas.io.formats.style.Styler` (for display only).
    """
    def width(v: object) -> int:
        return len(str(v)) + len(_CJK.findall(str(v)))

    def figures(col: pd.Series) -> bool:
        return pd.api.types.is_numeric_dtype(col) or bool(
            col.astype(str).str.fullmatch(_FIGURE).all())

    shown = [c for c in df.columns if len(df)]
    left = [c for c in shown if not figures(df[c])]
    wide = [c for c in left if df[c].map(width).quantile(0.5) > long_text
            or df[c].map(width).max() > 1.4 * long_text]  # sentences, not names
    # per-cell properties (one specificity), so no table-wide rule overrides them
    sty = df.style.format(escape="html", na_rep="—").set_table_styles(
        [{"selector": "th", "props": "white-space: nowrap;"}])
    for cols, props in (([c for c in shown if c not in left], "right"), (left, "left")):
        if cols:
            sty = sty.set_properties(subset=cols, **{"text-align": props})
    short = [c for c in shown if c not in wide]
    if short:
        sty = sty.set_properties(subset=short, **{"white-space": "nowrap"})
    if wide:
        sty = sty.set_properties(subset=wide, **{"white-space": "normal", "min-width": "28em"})
    if isinstance(df.index, pd.RangeIndex):
        sty = sty.hide(axis="index")
    return sty


def quarantine_view(quarantine: pd.DataFrame, lang: str = "zh", n: int | None = 20
                    ) -> pd.DataFrame:
    """Quarantined rows for reading: table, column and reason in words, the source row and the
    message; the raw cells (kept in ``quarantine.csv``) left out."""
    from crmkit.collect import REASONS  # noqa: F401 - registers the reason labels
    from crmkit.core.contract import TABLES
    from crmkit.core.i18n import t

    i = 0 if lang == "zh" else 1
    out = quarantine.drop(columns=[c for c in ("raw", "source", "value") if c in quarantine])
    out = out.head(n) if n is not None else out.copy()
    out["table"] = [(TABLES[x].zh, TABLES[x].en)[i] if x in TABLES else x for x in out["table"]]
    out["reason"] = [t(f"reason.{r}", lang) for r in out["reason"]]
    out["column"] = [header(str(c), lang) for c in out["column"]]
    out = out.rename(columns={"reason": "quarantine_reason"})  # not an alert's reason
    return styled(view(out, lang, index=False))


def grade_order(grades: Iterable[tuple[str, float]], worst_grade: str = "C",
                default_grade: str = "D") -> list[str]:
    """Rating grades best first, as the parameters define them (``credit.grades``, then the
    worst performing grade, then default): A, BBB, BB ... D — never alphabetical."""
    order = [g for g, _ in grades]
    return order + [g for g in (worst_grade, default_grade) if g not in order]


def grade_counts(grade: pd.Series, order: Iterable[str], lang: str = "zh") -> pd.DataFrame:
    """Clients per rating grade, in rating order (``order`` from :func:`grade_order`), with
    their share; grades no client holds are left out."""
    order = list(order)
    cat = pd.Categorical(grade.dropna().astype(str), categories=order, ordered=True)
    counts = pd.Series(cat).value_counts(sort=False)
    counts = counts[counts > 0]
    table = pd.DataFrame({"clients": counts.astype(int),
                          "share": counts / max(int(counts.sum()), 1)})
    table.index = pd.Index([str(g) for g in counts.index], name="grade")
    return view(table, lang, digits=2)
