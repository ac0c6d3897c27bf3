"""The BI extract: a star schema per portfolio for Power BI, Tableau and Excel Power Query.

``crmkit export --bi DIR PARAMS...`` calls :func:`export_bi` for each parameters file: the
run's clients, facilities, scores, tiers, IFRS 9 stages and ECL, alerts, surveys and needs become
dimension and fact tables keyed by as-of date, as Parquet and CSV, with ``schema.md``; each new
as-of date is added to what the folder already holds (see ``docs/bi.md``).
"""

from crmkit.bi.extract import BiExport, export_bi, merge_date
from crmkit.bi.schema import CONFORMED_KEYS, RELATIONSHIPS, SCHEMA, BiTable, schema_markdown
from crmkit.bi.tables import BiExportError, date_key, star_schema

__all__ = ["BiExport", "BiExportError", "BiTable", "CONFORMED_KEYS", "RELATIONSHIPS", "SCHEMA",
           "date_key", "export_bi", "merge_date", "schema_markdown", "star_schema"]
