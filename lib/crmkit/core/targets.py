"""Own labelled tables: the 0/1 target and the feature columns of a training table.

:func:`binary_target` turns a target column (0/1, true/false, yes/no, good/bad, 1/2, 是/否,
违约/正常) into 0/1 and says which value became which; :func:`detect_features` splits the
other columns into numeric and text features. Both raise :class:`~crmkit.core.errors.CrmkitError`
subclasses (chosen by the caller) naming the file, row and column and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmkit.core.errors import CrmkitError

__all__ = ["binary_target", "detect_features", "mapping_text"]

#: Known (no event, event) value pairs of a target column, lower-case.
_PAIRS = (("0", "1"), ("false", "true"), ("no", "yes"), ("n", "y"), ("f", "t"),
          ("good", "bad"), ("1", "2"), ("否", "是"), ("正常", "违约"), ("non-default", "default"),
          ("stay", "churn"), ("stayed", "churned"))


def _norm(s: pd.Series) -> pd.Series:
    txt = s.astype("string").str.strip().str.lower()
    num = pd.to_numeric(txt, errors="coerce")  # "1.0" -> "1"
    whole = num.notna() & (num == num.round())
    txt = txt.mask(whole, num.round().astype("Int64").astype("string"))
    return txt.replace("", pd.NA)


def binary_target(s: pd.Series, *, where: str, rows: pd.Series | None = None,
                  positive: str | None = None, error: type[CrmkitError] = CrmkitError
                  ) -> tuple[pd.Series, dict[str, int]]:
    """The 0/1 target (float, NaN where missing) and the mapping {value as written: 0/1}.

    ``positive`` is the value meaning the event; otherwise the two values must be one of the
    known pairs (0/1, false/true, no/yes, good/bad, 1/2, 否/是, 正常/违约), the second the event.
    """
    txt = _norm(s)
    values = sorted(txt.dropna().unique())
    col = f"column {s.name!r}"
    if len(values) != 2:
        raise error(f"{where}: target {col} needs exactly two values (event / no event); it "
                    f"holds {values[:10]}. Pick a 0/1 column as target, or recode it")
    if positive is not None:
        pos = str(positive).strip().lower()
        if pos not in values:
            raise error(f"{where}: positive={positive!r} is not a value of target {col} "
                        f"(values: {values}); set training.positive to one of them")
        event = pos
    else:
        pair = next((p for p in _PAIRS if set(p) == set(values)), None)
        if pair is None:
            first = txt.notna() & ~txt.isin(values[:1])
            row = "" if rows is None else f" (e.g. row {int(rows[first].iloc[0])})"
            raise error(f"{where}: target {col} holds {values}{row}, which is not a known "
                        "pair (0/1, true/false, yes/no, good/bad, 1/2); set training.positive "
                        "to the value meaning the event")
        event = pair[1]
    y = pd.Series(np.where(txt.isna(), np.nan, (txt == event).astype(float)), index=s.index,
                  name=s.name)
    originals = {v: str(s[txt == v].iloc[0]).strip() for v in values}
    return y, {originals[v]: int(v == event) for v in values}


def mapping_text(mapping: dict[str, int], event: str = "default") -> str:
    """``'bad' -> 1 (default), 'good' -> 0``: the target mapping in words."""
    return ", ".join(f"{k!r} -> {v} ({event if v else 'no ' + event})"
                     for k, v in sorted(mapping.items(), key=lambda kv: -kv[1]))


def detect_features(frame: pd.DataFrame, *, skip: Sequence[str],
                    numeric: Sequence[str] | None = None,
                    categorical: Sequence[str] | None = None, max_categories: int = 50,
                    where: str = "the training table", error: type[CrmkitError] = CrmkitError
                    ) -> tuple[list[str], list[str], list[str]]:
    """Numeric and text features of ``frame`` and the columns left out (with the reason).

    A column is numeric when every non-empty value parses as a number; text columns with
    more than ``max_categories`` distinct values (IDs, names, free text) are left out unless
    listed. Listed columns must exist.
    """
    listed = [*(numeric or []), *(categorical or [])]
    absent = [c for c in [*listed, *skip] if c and c not in frame.columns]
    if absent:
        raise error(f"{where} has no column {absent}; its columns are {list(frame.columns)[:30]}."
                    " Fix training.features / categorical / target / id_column, or rename "
                    "with training.columns")
    rest = [c for c in frame.columns if c not in set(skip) | set(listed)]
    num = list(numeric) if numeric is not None else []
    cat = list(categorical) if categorical is not None else []
    dropped: list[str] = []
    for c in rest:
        s = frame[c]
        txt = s.astype("string").str.strip().replace("", pd.NA)
        if txt.isna().all():
            dropped.append(f"{c} (empty)")
            continue
        is_num = (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)) or \
            pd.to_numeric(txt.dropna(), errors="coerce").notna().all()
        if is_num and numeric is None:
            num.append(c)
        elif not is_num and categorical is None:
            if txt.nunique() > max_categories:
                dropped.append(f"{c} (text with {txt.nunique()} values: an ID or free text?)")
            else:
                cat.append(c)
        elif numeric is not None and categorical is not None:
            dropped.append(f"{c} (not listed)")
        elif is_num:
            dropped.append(f"{c} (numeric, not in features)")
        else:
            dropped.append(f"{c} (text, not in categorical)")
    if not num and not cat:
        raise error(f"{where}: no feature columns besides the target; add features or list "
                    "them under training.features / categorical")
    return num, cat, dropped
