"""The voice stage's error: texts, tables or files it cannot analyse as given."""

from __future__ import annotations

from crmkit.core.errors import CrmkitError

__all__ = ["VoiceError"]


class VoiceError(CrmkitError):
    """Texts, a theme-name table, a dictionary or a lexicon cannot be used as given."""
