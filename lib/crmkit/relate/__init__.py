"""Stage 3a, relate: groups of connected clients, related parties, concentration (HHI) and the
large-exposure limits, and the relationship tree map group -> client -> need (issue 11)."""

from __future__ import annotations

__all__: list[str] = []
