"""The relate stage's error: a relationships table or a needs frame it cannot use as given."""

from __future__ import annotations

from crmkit.core.errors import CrmkitError

__all__ = ["RelateError"]


class RelateError(CrmkitError):
    """Relationships, exposures or needs that the relate stage cannot use as given."""
