"""Own labelled data: the ``training:`` table of the credit and churn sections.

Example (a bank's default history, or a public credit data set)::

    credit:
      training:
        path: data/german_credit.csv   # CSV / xlsx / Parquet, relative to this file
        target: class                  # the outcome column
        positive: bad                  # optional: the value meaning default (see below)
        id_column: null                # optional: a unique row ID column
        features: null                 # numeric features; null: every numeric column
        categorical: null              # text features; null: every other column
        exclude: [telephone]           # columns never used
        columns: {资产负债率: debt_to_assets}   # rename to the portfolio's feature names
        model_dir: null                # null: <output_dir>/<portfolio>/models

``crmkit fit PARAMS`` trains on the table, validates out of fold and saves the model in
``model_dir``; ``crmkit run`` then scores the portfolio with it instead of refitting.

Targets: 0/1, true/false, yes/no, good/bad, 1/2 (1 = good, 2 = bad, the German-credit
convention), 是/否, 违约/正常. The event (default, churn) is 1, true, yes, bad, 2; ``positive``
overrides that with the value that means the event. The mapping is printed by ``crmkit fit``
and saved with the model.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from crmkit.params._base import Section

__all__ = ["TrainingSource", "misplaced_hint"]

#: Keys of a training table that are unknown one level up, where they are easily put by
#: mistake (``churn.target``, ``credit.positive``, a top-level ``training:``).
_TRAINING_KEYS = ("path", "sheet", "encoding", "target", "positive", "exclude", "model_dir")


class TrainingSource(Section):
    """A labelled table (one row per client or loan) to fit a model on."""

    path: Path = Field(description="CSV / xlsx / Parquet file with the target and features")
    sheet: str | None = Field(None, description="xlsx sheet; default: the first")
    encoding: str = Field("auto", description="CSV: auto (UTF-8, UTF-8-BOM, GB18030) or a codec")
    target: str = Field(description="The outcome column (after renaming by columns)")
    positive: str | None = Field(None, description=(
        "The target value meaning the event (default / churn); None: 1, true, yes, bad, 2"))
    id_column: str | None = Field(None, description="Unique row ID column; None: row numbers")
    features: list[str] | None = Field(None, description=(
        "Numeric features; None: every column whose values are all numbers"))
    categorical: list[str] | None = Field(None, description=(
        "Text features; None: every other column (except target, id, exclude)"))
    exclude: list[str] = Field(default_factory=list, description="Columns never used")
    columns: dict[str, str] = Field(default_factory=dict, description=(
        "Rename columns first: {table name: portfolio feature name}"))
    model_dir: Path | None = Field(None, description=(
        "Where crmkit fit saves the model; None: <output_dir>/<portfolio>/models"))

    @model_validator(mode="after")
    def _consistent(self) -> TrainingSource:
        used = [*(self.features or []), *(self.categorical or [])]
        problems = []
        if self.target in used:
            problems.append(f"target {self.target!r} is also listed as a feature: the model "
                            "would see the answer; remove it from features / categorical")
        both = sorted(set(self.features or []) & set(self.categorical or []))
        if both:
            problems.append(f"{both} listed in both features and categorical; keep each in one")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def misplaced_hint(loc: tuple) -> str | None:
    """A fix for an unknown key that belongs in a ``training:`` table, else None.

    ``("churn", "target")`` -> put it under ``churn.training.target``; a top-level
    ``training`` -> it belongs under ``credit:`` or ``churn:``.
    """
    keys = tuple(str(k) for k in loc)
    if keys == ("training",):
        return (" (an own labelled table goes under credit: or churn:, as credit.training / "
                "churn.training: {path: <table>, target: <column>}; docs/own-data.md)")
    if len(keys) == 2 and keys[0] in ("credit", "churn") and keys[1] in _TRAINING_KEYS:
        return (f" (the {keys[1]} of an own labelled table goes under {keys[0]}.training."
                f"{keys[1]}: {keys[0]}: {{training: {{path: <table>, target: <column>}}}}; "
                "then run crmkit fit, docs/own-data.md)")
    return None
