"""One money unit per column: 万元 or 亿元 (CNY m or CNY bn) chosen from the column's scale.

Every deliverable (report tables, client cards, workbook, roll-up) shows a money column in one
unit, stated in its header, never a mix of 元 / 万元 / 亿元 row by row:

>>> unit = money_unit([3.2e9, 4.5e8, 2.0e7], "zh")
>>> unit.label, unit.text(3.2e9)
('亿元', '32.00')
>>> money_header("敞口", unit, "zh")
'敞口（亿元）'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["MoneyUnit", "money_unit", "money_header", "fixed_unit", "amount_text", "amount_texts",
           "UNITS_ZH", "UNITS_EN"]

#: Divisor and label of each unit a column may be shown in.
UNITS_ZH: tuple[tuple[float, str], ...] = ((1e8, "亿元"), (1e4, "万元"))
UNITS_EN: tuple[tuple[float, str], ...] = ((1e9, "CNY bn"), (1e6, "CNY m"))


@dataclass(frozen=True)
class MoneyUnit:
    """A column's money unit: yuan are divided by ``divisor`` and shown with ``decimals``."""

    divisor: float
    label: str
    decimals: int

    def value(self, yuan: float | None) -> float | None:
        """The amount in this unit (None for a missing amount)."""
        if yuan is None or not math.isfinite(float(yuan)):
            return None
        return round(float(yuan) / self.divisor, self.decimals)

    def text(self, yuan: float | None, missing: str = "—") -> str:
        """The amount in this unit as text, grouped (``1,234.5``); ``missing`` when absent."""
        v = self.value(yuan)
        return missing if v is None else f"{v:,.{self.decimals}f}"


def money_unit(values: Iterable[float | None], lang: str) -> MoneyUnit:
    """The unit of a money column: 亿元 (CNY bn) when its typical (median non-zero) amount is
    at least one unit, else 万元 (CNY m); two decimals when that typical amount is below 10
    units, else one, so small amounts do not all read 0.0."""
    arr = np.asarray([float(v) for v in values if v is not None], dtype=float)
    arr = np.abs(arr[np.isfinite(arr) & (arr != 0)])
    typical = float(np.median(arr)) if arr.size else 0.0
    units = UNITS_ZH if lang == "zh" else UNITS_EN
    divisor, label = units[0] if typical >= units[0][0] else units[1]
    decimals = 2 if typical / divisor < 10 else 1
    return MoneyUnit(divisor, label, decimals)


def money_header(name: str, unit: MoneyUnit | str, lang: str) -> str:
    """``name`` with its unit: ``敞口（亿元）`` / ``Exposure (CNY m)``."""
    label = unit.label if isinstance(unit, MoneyUnit) else unit
    return f"{name}（{label}）" if lang == "zh" else f"{name} ({label})"


def fixed_unit(lang: str) -> MoneyUnit:
    """The unit of a money column or axis whose scale is not chosen from its values (limits,
    group exposures, chart axes): 亿元 with two decimals, CNY m with one."""
    return MoneyUnit(1e8, "亿元", 2) if lang == "zh" else MoneyUnit(1e6, "CNY m", 1)


def amount_texts(yuan: Iterable[float], lang: str) -> np.ndarray:
    """Money for a sentence, element-wise: ``3.20亿元`` / ``1,234万元``, ``CNY 1.25 bn`` /
    ``CNY 320.0 m``; ``-`` where missing."""
    v = np.asarray(yuan if hasattr(yuan, "__array__") else list(yuan), dtype=float)
    if lang == "zh":
        big = np.array([f"{x:.2f}亿元" for x in v / 1e8], dtype=object)
        small = np.array([f"{x:,.0f}万元" for x in v / 1e4], dtype=object)
        out = np.where(np.abs(v) >= 1e8, big, small)
    else:
        big = np.array([f"CNY {x:,.2f} bn" for x in v / 1e9], dtype=object)
        small = np.array([f"CNY {x:,.1f} m" for x in v / 1e6], dtype=object)
        out = np.where(np.abs(v) >= 1e9, big, small)
    return np.where(np.isfinite(v), out, "-").astype(object)


def amount_text(yuan: float, lang: str) -> str:
    """One amount for a sentence (see :func:`amount_texts`)."""
    return str(amount_texts([yuan], lang)[0])
