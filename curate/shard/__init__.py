"""Tokenize curated rows into length-bucketed shards with assistant-only labels (the trainer's input).

Modules: templates (built-in chat templates), render (sandboxed Jinja like transformers), conversation
(canonical rows -> template messages), spans (reply character spans by rendering), labels (spans -> token
labels, decode-back check, truncation), tokenize (batch encoder), parallel (both cores), buckets, fingerprint,
manifest, writer (the `winnow shard` run).
"""
