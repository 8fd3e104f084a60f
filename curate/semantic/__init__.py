"""Semantic near-duplicates (SemDeDup-style): rows whose dedup keys mean the same, by embedding cosine.

Modules: section (the `semantic_dedup` rule-file section), pairs (k-means partition and exact cosine pairs
inside each part), find (clusters, keep policy and explanation columns), stage.
"""
