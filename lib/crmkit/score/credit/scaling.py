"""Points scaling, rating grades, slotting categories and reason labels of the credit stage.

Points follow the industry convention::

    points = offset + factor * ln(odds good:bad),  factor = PDO / ln 2,
    offset = base_points - factor * ln(base_odds)

so a client at ``base_odds`` (50:1) scores ``base_points`` (600) and every doubling of the
odds adds ``PDO`` (20) points. PD and points are two views of one number:
``PD = 1 / (1 + exp((points - offset) / factor))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from crmkit.core.errors import CreditError
from crmkit.core.i18n import check_lang, register, t

__all__ = [
    "Scaling",
    "assign_grades",
    "assign_slotting",
    "reason_label",
    "feature_label",
    "FEATURE_NAMES",
    "REASON_LABELS",
    "prepare_frame",
    "to_target",
]

_PD_FLOOR = 1e-12


@dataclass(frozen=True)
class Scaling:
    """The points scale: ``base_points`` at ``base_odds`` (good:bad), ``pdo`` per doubling."""

    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        if not (self.base_odds > 0 and self.pdo > 0):
            raise CreditError(f"points scaling needs base_odds > 0 and pdo > 0; got "
                              f"base_odds={self.base_odds}, pdo={self.pdo}")

    @property
    def factor(self) -> float:
        """Points per unit of ln(odds): ``pdo / ln 2``."""
        return self.pdo / np.log(2.0)

    @property
    def offset(self) -> float:
        """Points at odds 1:1: ``base_points - factor * ln(base_odds)``."""
        return self.base_points - self.factor * np.log(self.base_odds)

    def points_from_log_odds(self, log_odds_good: np.ndarray | float) -> np.ndarray:
        """Points of ln(odds good:bad)."""
        return self.offset + self.factor * np.asarray(log_odds_good, dtype=float)

    def points_from_pd(self, pd_: np.ndarray | float) -> np.ndarray:
        """Points of a PD (clipped away from 0 and 1 so the points stay finite)."""
        p = np.clip(np.asarray(pd_, dtype=float), _PD_FLOOR, 1 - _PD_FLOOR)
        return self.points_from_log_odds(np.log((1 - p) / p))

    def pd_from_points(self, points: np.ndarray | float) -> np.ndarray:
        """PD of a number of points."""
        z = (np.asarray(points, dtype=float) - self.offset) / self.factor
        return 1.0 / (1.0 + np.exp(np.clip(z, -700, 700)))

    def to_dict(self) -> dict[str, float]:
        """The scale with its derived factor and offset (for the model's JSON sidecar)."""
        return {**asdict(self), "factor": float(self.factor), "offset": float(self.offset)}


def _band_index(pd_: np.ndarray, bounds: Sequence[float]) -> np.ndarray:
    """Index of the first band whose upper bound is > pd (len(bounds) above the last)."""
    return np.searchsorted(np.asarray(bounds, dtype=float), pd_, side="right")


def assign_grades(pd_: np.ndarray | pd.Series, grades: Sequence[tuple[str, float]],
                  default_grade: str = "D",
                  in_default: np.ndarray | pd.Series | None = None,
                  worst_grade: str | None = "C") -> np.ndarray:
    """Rating grade of each PD: the first ``(grade, bound)`` with ``PD < bound``.

    A performing client whose PD is at or above the last bound gets ``worst_grade`` (the
    worst performing grade); only a client ``in_default`` gets ``default_grade``, so 'D'
    always means an actual default. (``worst_grade=None`` restores the old behaviour of
    labelling high PDs ``default_grade``.) A missing PD gives a missing grade.
    """
    p = np.asarray(pd_, dtype=float)
    tail = default_grade if worst_grade is None else worst_grade
    names = np.array([g for g, _ in grades] + [tail], dtype=object)
    out = names[_band_index(np.nan_to_num(p, nan=0.0), [b for _, b in grades])]
    if in_default is not None:
        out[np.asarray(in_default, dtype=bool)] = default_grade
    out[np.isnan(p)] = None
    return out


def assign_slotting(pd_: np.ndarray | pd.Series, bands: Sequence[tuple[str, float]],
                    eligible: np.ndarray | pd.Series | None = None,
                    in_default: np.ndarray | pd.Series | None = None) -> np.ndarray:
    """Basel supervisory slotting category (strong / good / satisfactory / weak / default).

    The first ``(category, bound)`` with ``PD < bound``; PDs above the last bound are "weak";
    clients ``in_default`` are "default". Clients not ``eligible`` (not project finance) get
    None: slotting applies to specialised lending only.
    """
    p = np.asarray(pd_, dtype=float)
    names = np.array([c for c, _ in bands] + ["weak"], dtype=object)
    out = names[_band_index(np.nan_to_num(p, nan=0.0), [b for _, b in bands])]
    out[np.isnan(p)] = None
    if in_default is not None:
        out[np.asarray(in_default, dtype=bool)] = "default"
    if eligible is not None:
        out[~np.asarray(eligible, dtype=bool)] = None
    return out


#: Noun of each feature: (中文, English).
FEATURE_NAMES: dict[str, tuple[str, str]] = {
    "debt_to_assets": ("资产负债率", "Debt to assets"),
    "current_ratio": ("流动比率", "Current ratio"),
    "interest_cover": ("利息保障倍数", "Interest cover"),
    "dscr": ("偿债覆盖率", "DSCR"),
    "roa": ("总资产收益率", "Return on assets"),
    "revenue_growth": ("营收增长率", "Revenue growth"),
    "on_time_share": ("按时还款比例", "On-time repayment share"),
    "dpd_max": ("历史最长逾期天数", "Worst days past due"),
    "late_30_count": ("逾期30天以上次数", "Instalments 30+ days late"),
    "complaints_12m": ("近12个月投诉次数", "Complaints (12 months)"),
    "max_milestone_delay_days": ("项目里程碑最长延误天数", "Worst milestone delay (days)"),
    "tenure_years": ("合作年限", "Relationship tenure"),
    "industry": ("行业", "Industry"),
    "size_class": ("企业规模", "Size class"),
    "region": ("地区", "Region"),
}

#: What a weak value of each feature means: (中文, English). Params ``reason_labels`` add more.
REASON_LABELS: dict[str, tuple[str, str]] = {
    "debt_to_assets": ("资产负债率偏高", "High leverage"),
    "current_ratio": ("流动性偏弱", "Weak liquidity"),
    "interest_cover": ("利息保障倍数偏低", "Thin interest cover"),
    "dscr": ("偿债覆盖率偏低", "Thin debt service cover"),
    "roa": ("盈利能力偏弱", "Weak profitability"),
    "revenue_growth": ("营收增长乏力", "Weak revenue growth"),
    "on_time_share": ("按时还款比例偏低", "Low share of on-time repayments"),
    "dpd_max": ("曾有较长逾期", "Past arrears"),
    "late_30_count": ("多次逾期30天以上", "Repeated 30+ day arrears"),
    "complaints_12m": ("近期投诉较多", "Many recent complaints"),
    "max_milestone_delay_days": ("项目进度延误", "Project milestones delayed"),
    "tenure_years": ("合作时间较短", "Short relationship"),
    "industry": ("所属行业风险较高", "Higher-risk industry"),
    "size_class": ("企业规模类别风险较高", "Higher-risk size class"),
    "region": ("所在地区风险较高", "Higher-risk region"),
}

register({
    "credit.model.scorecard": ("评分卡", "Scorecard"),
    "credit.model.gbm": ("梯度提升树", "Gradient boosting"),
    "credit.model.rules": ("专家规则", "Expert rules"),
    "credit.slotting.strong": ("优", "Strong"),
    "credit.slotting.good": ("良", "Good"),
    "credit.slotting.satisfactory": ("中", "Satisfactory"),
    "credit.slotting.weak": ("差", "Weak"),
    "credit.slotting.default": ("违约", "Default"),
    "credit.bin.missing": ("缺失", "missing"),
    "credit.bin.other": ("其他", "other"),
    "credit.reason.missing": ("{name}数据缺失", "{name} not reported"),
    "credit.reason.generic": ("{name}表现偏弱", "Weak {name}"),
    "col.points": ("评分", "Points"),
    "col.grade": ("评级", "Grade"),
    "col.slotting": ("监管分类", "Slotting category"),
    "col.reasons": ("主要扣分原因", "Main reasons"),
    "col.woe": ("证据权重", "WOE"),
    "col.iv": ("信息值", "IV"),
    "col.coefficient": ("系数", "Coefficient"),
    "col.feature": ("指标", "Feature"),
    "col.bin": ("分箱", "Bin"),
    "col.event_rate": ("违约率", "Default rate"),
    "col.auc": ("AUC", "AUC"),
    "col.gini": ("基尼系数", "Gini"),
    "col.ks": ("KS", "KS"),
})


def feature_label(feature: str, lang: str = "zh") -> str:
    """Display name of a feature (the feature itself when unknown)."""
    pair = FEATURE_NAMES.get(feature)
    return feature if pair is None else pair[0 if check_lang(lang) == "zh" else 1]


def reason_label(feature: str, lang: str = "zh", *, missing: bool = False,
                 extra: dict[str, tuple[str, str]] | None = None) -> str:
    """The phrase shown as a reason: what a weak value of ``feature`` means.

    ``missing`` says the client lost the points because the value was not reported. ``extra``
    (params ``reason_labels``) overrides or extends :data:`REASON_LABELS`.
    """
    i = 0 if check_lang(lang) == "zh" else 1
    name = feature_label(feature, lang)
    if missing:
        return t("credit.reason.missing", lang).format(name=name)
    pair = (extra or {}).get(feature) or REASON_LABELS.get(feature)
    return pair[i] if pair else t("credit.reason.generic", lang).format(name=name)


_TRUE = {"1", "1.0", "true", "t", "yes", "y", "是", "违约", "default"}
_FALSE = {"0", "0.0", "false", "f", "no", "n", "否", "正常", "non-default"}


def to_target(s: pd.Series, name: str) -> pd.Series:
    """A 0/1 float target (NaN where missing) from bool, 0/1 numbers or yes/no strings."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        v = s.astype("Float64").astype(float)
        bad = ~(np.isnan(v) | np.isin(v, [0.0, 1.0]))
    else:
        txt = s.astype("string").str.strip().str.lower()
        v = pd.Series(np.where(txt.isin(_TRUE), 1.0, np.where(txt.isin(_FALSE), 0.0, np.nan)),
                      index=s.index)
        bad = txt.notna() & v.isna()
    if bad.any():
        examples = list(pd.unique(s[bad].astype(str)))[:5]
        raise CreditError(f"target column {name!r} must hold 0/1 (or true/false, yes/no); "
                          f"found {examples}. Fix the column or set credit.target to the right "
                          "column")
    return pd.Series(np.asarray(v, dtype=float), index=s.index, name=name)


def prepare_frame(frame: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str],
                  columns: dict[str, str] | None = None, *, where: str = "the features frame"
                  ) -> pd.DataFrame:
    """Rename (``columns``), check and type the model's inputs: numeric -> float64 (NaN for
    missing), categorical -> string. Raises :class:`CreditError` naming absent columns and
    non-numeric values."""
    if columns:
        frame = frame.rename(columns=columns)
    wanted = [*numeric, *categorical]
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise CreditError(
            f"{where} has no column {absent}; its columns are {list(frame.columns)[:30]}. "
            "Rename them with credit.columns ({source: name}) or change credit.features / "
            "credit.categorical")
    out = pd.DataFrame(index=frame.index)
    for c in numeric:
        s = frame[c]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            out[c] = s.astype("Float64").astype(float)
        else:
            num = pd.to_numeric(s.astype("string").str.strip().replace("", pd.NA),
                                errors="coerce")
            bad = s.notna() & num.isna() & s.astype("string").str.strip().ne("")
            if bad.any():
                raise CreditError(f"{where}: column {c!r} is numeric in credit.features but "
                                  f"holds {list(pd.unique(s[bad].astype(str)))[:5]}; clean it "
                                  "or list it under credit.categorical")
            out[c] = num.astype(float)
        out[c] = out[c].replace([np.inf, -np.inf], np.nan)
    for c in categorical:
        out[c] = frame[c].astype("string")
    return out
