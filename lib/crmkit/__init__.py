"""crmkit: client-relationship analytics for project finance and corporate lending."""

from __future__ import annotations

from crmkit.core.errors import CrmkitError
from crmkit.params import Params, load_params

__all__ = ["CrmkitError", "Params", "load_params", "__version__"]
__version__ = "0.1.0"
