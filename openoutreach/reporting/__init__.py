"""Analytics: the dbt project in `analytics/` built into its own DuckDB file from the CRM database.

`source` says how DuckDB reaches the CRM (engine, location, scanner extension) and writes the dbt
profile; `runner` builds the analytics file in-process; `marts` reads the built tables back.
(Not named `analytics`: DjangoCRM owns that top-level name.)
"""
