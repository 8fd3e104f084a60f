"""Checks: each module registers named checks with `winnow.curation.checks.registry.check`.

Modules here are discovered automatically (`load_all_checks`); add a module, and its checks exist.
"""
