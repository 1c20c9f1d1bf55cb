"""A run folder: cell records and tables (runs), the manifest (manifest), per-query arrays
(perquery) and the CSV/parquet writers (tables)."""
