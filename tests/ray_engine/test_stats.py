"""merge_partials: blocks' statistics add up to the corpus's."""

from __future__ import annotations

from winnow.curation.mappers.stage import EXAMPLES_PER_STEP
from winnow.curation.ray_engine.stats import merge_partials


def test_counts_add_up_and_entries_merge_by_position() -> None:
    one = {
        "checks": {"rules": [{"name": "empty", "failed": 2, "threshold": 1.0, "action": "drop"}]},
        "language": {"languages": {"response": {"en": 3}}, "stage_cache": "miss"},
        "mappers": {"steps": [{"mapper": "strip", "rows_changed": 1, "examples": [{"id": "a"}]}]},
    }
    two = {
        "checks": {"rules": [{"name": "empty", "failed": 1, "threshold": 1.0, "action": "drop"}]},
        "language": {"languages": {"response": {"en": 1, "zh": 2}}, "stage_cache": "hit"},
        "mappers": {"steps": [{"mapper": "strip", "rows_changed": 4, "examples": [{"id": "b"}] * 3}]},
    }
    merged = merge_partials([one, two])
    assert merged["checks"]["rules"] == [{"name": "empty", "failed": 3, "threshold": 1.0, "action": "drop"}]
    assert merged["language"] == {"languages": {"response": {"en": 4, "zh": 2}}, "stage_cache": "mixed"}
    step = merged["mappers"]["steps"][0]
    assert step["rows_changed"] == 5
    assert step["examples"] == [{"id": "a"}, {"id": "b"}, {"id": "b"}][:EXAMPLES_PER_STEP]
