"""One base exception for the kit; every message names the file, row, column or parameter and
says how to fix it."""

from __future__ import annotations

__all__ = [
    "CrmkitError",
    "ParametersError",
    "CollectError",
    "MissingColumnError",
    "UnreadableSourceError",
    "EncodingError",
    "TieringError",
    "CreditError",
    "WarningError",
    "HistoryError",
    "ChurnError",
    "DiagnoseError",
    "OutputError",
]


class CrmkitError(Exception):
    """Base class of every error crmkit raises on purpose."""


class ParametersError(CrmkitError):
    """The parameters file is missing, malformed or holds invalid values."""


class CollectError(CrmkitError):
    """A data source cannot be collected as it is."""


class MissingColumnError(CollectError):
    """A required column of the data contract is absent from a source."""


class UnreadableSourceError(CollectError):
    """A source file or database table cannot be read at all."""


class EncodingError(UnreadableSourceError):
    """A text file is in an encoding crmkit cannot decode."""


class TieringError(CrmkitError):
    """Inputs of the tiering stage (scores, PDs, features) cannot be tiered as given."""


class CreditError(CrmkitError):
    """The credit stage cannot fit or apply a model to the data or parameters given."""


class WarningError(CrmkitError):
    """Inputs of the warning stage (metrics, rules, PDs, action plan) cannot be used as given."""


class HistoryError(CrmkitError):
    """The snapshot store cannot be read or written, or a snapshot is not as expected."""


class ChurnError(CrmkitError):
    """The churn step cannot label, fit or score with the data or parameters given."""


class DiagnoseError(CrmkitError):
    """The diagnose stage cannot use its inputs (metrics, CLV, strategy table, client cards)."""


class OutputError(CrmkitError):
    """The output folder cannot be written (read-only, full, no permission)."""
