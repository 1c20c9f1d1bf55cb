"""The suite: its pydantic schema (schema), value axes (axes), YAML loading with line numbers
(yamlload) and pydantic errors as one-line user errors (problems)."""
