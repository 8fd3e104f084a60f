"""winnow's curation engine: read any instruction-data format into one canonical frame, clean it,
check it, deduplicate it, mix and split it, export it, and tokenize it into training shards."""

__version__ = "0.1.0"
