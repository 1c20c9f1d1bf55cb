"""Embedded vector databases as backends: each a real engine with its own files on disk."""
