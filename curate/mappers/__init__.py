"""Mappers: recorded text cleaning applied before any check (rule-file section `mappers`, stage order 10)."""
