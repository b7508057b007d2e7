"""Choosing models: the picker, the catalogue browser and its cards, schema and search requests."""
