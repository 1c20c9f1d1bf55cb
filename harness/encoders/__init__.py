"""Embedding models. Heavy libraries are imported only when an encoder is built."""
