"""From a suite to cells: expansion (expand), the cell (cell), plan-time checks (checks),
hybrid settings (hybrid_settings), references resolved to plugins (refs) and in-process
sources (source)."""
