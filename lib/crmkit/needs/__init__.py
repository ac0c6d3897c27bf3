"""Financing needs: the next expected need per client, its honest backtest, and high-potential
clients (issue 11, parts 4 and 5)."""

from __future__ import annotations

__all__: list[str] = []
