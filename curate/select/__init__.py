"""Budgeted selection: the best N rows by a metric, spread over tasks and kept apart in meaning.

Modules: section (the `select` rule-file section), pick (the greedy choice, plain numpy), stage.
"""
