"""Stage 3a, relate: groups of connected clients, related parties, concentration (HHI) and the
large-exposure limits, and the relationship tree map group -> client -> need (issue 11).

``run(params)`` computes and saves ``<run_dir>/relate/`` (see :mod:`crmkit.relate.stage`).
"""

from __future__ import annotations

from crmkit.relate.charts import concentration_chart, limit_chart
from crmkit.relate.concentration import (
    DIMENSIONS,
    LIMIT_METRICS,
    concentration_summary,
    hhi,
    limit_metrics,
    limit_table,
    shares,
)
from crmkit.relate.errors import RelateError
from crmkit.relate.groups import (
    backstop_stage,
    check_relationships,
    client_exposure,
    client_groups,
    grade_order,
    group_members,
    group_table,
    guarantee_amounts,
    other_members,
)
from crmkit.relate.stage import (
    RelateStage,
    expected_needs,
    limit_uses,
    open_requests,
    relate_tables,
    run,
)
from crmkit.relate.views import breach_count, concentration_view, group_view, limit_view
from crmkit.relate.treemap import (
    MODULE_COLUMNS,
    NEED_COLUMNS,
    need_modules,
    relationship_tree_map,
    urgency_bands,
)

__all__ = ["run", "RelateStage", "RelateError", "relate_tables", "expected_needs",
           "open_requests", "limit_uses", "check_relationships", "client_groups",
           "guarantee_amounts",
           "client_exposure", "group_table", "grade_order", "backstop_stage", "other_members", "group_members",
           "shares", "hhi", "concentration_summary", "limit_table", "limit_metrics",
           "DIMENSIONS", "LIMIT_METRICS", "need_modules", "urgency_bands",
           "relationship_tree_map", "NEED_COLUMNS", "MODULE_COLUMNS", "limit_chart",
           "concentration_chart", "group_view", "limit_view", "breach_count",
           "concentration_view"]
