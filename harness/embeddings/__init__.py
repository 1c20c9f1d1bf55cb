"""Vectors between encoders and indexes: the encoding cache (cache), dimension and precision
transforms (transforms) and the prepared vectors a backend searches (prepared)."""
