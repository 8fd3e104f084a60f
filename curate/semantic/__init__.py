"""Meaning-aware stages on sentence embeddings: semantic near-duplicates and prompt-reply relevance.

Semantic dedup (SemDeDup-style, rows whose dedup keys mean the same): section (the `semantic_dedup` rule-file
section), pairs (k-means partition and exact cosine pairs inside each part), find (clusters, keep policy and
explanation columns), stage. Relevance (replies whose meaning is unrelated to their prompt):
relevance_section, relevance_stage.
"""
