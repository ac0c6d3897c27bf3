"""The credit model: WOE binning, scorecard (or GBM / expert rules), PD scaling to points and
grades, slotting, validation metrics and the saved model. :func:`fit_credit_model` is the entry."""

from __future__ import annotations

from crmkit.score.credit.binning import WoeBinner, woe_iv
from crmkit.score.credit.charts import credit_charts
from crmkit.score.credit.fit import (
    CreditResult,
    TrainingData,
    fit_credit_model,
    make_estimator,
    training_data,
)
from crmkit.score.credit.io import CreditModel, load_model, reason_texts, save_model, score_one
from crmkit.score.credit.metrics import calibration_table, discrimination, ks_table, roc_table
from crmkit.score.credit.models import GbmScorer, Scorecard
from crmkit.score.credit.rules import RulesScorer
from crmkit.score.credit.scaling import Scaling, assign_grades, assign_slotting

__all__ = ["CreditResult", "CreditModel", "TrainingData", "fit_credit_model", "training_data",
           "make_estimator", "score_one", "save_model", "load_model", "reason_texts",
           "WoeBinner", "Scorecard", "GbmScorer", "RulesScorer", "Scaling", "assign_grades",
           "assign_slotting", "discrimination", "roc_table", "ks_table", "calibration_table",
           "woe_iv", "credit_charts"]
