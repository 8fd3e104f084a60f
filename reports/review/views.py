"""Rows as the review page shows them: where they come from, their text (the offending span inside the
window sent), what the run did with them, and the curator's label.

    viewer = RowViewer(run_data, labels)
    viewer.views(rule, ids, extra={row_id: {"metric": 6.0}})   # in the order of `ids`

Text is cut to MAX_TEXT characters around the span; the page puts every string in with textContent.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Final

from winnow.reports.html import short_name
from winnow.reports.review.labels import LabelStore
from winnow.reports.review.rules import ReviewRule
from winnow.reports.run_data import RunData, display_text

MAX_TEXT: Final = 4000  # characters of a row's text sent to the page (the span is kept inside the window)


def finite(value: float | None) -> float | None:
    """A metric for JSON: NaN and infinities (0/0 ratios) have no JSON number; they are sent as null."""
    return value if value is not None and math.isfinite(value) else None


def window(text: str | None, span: str | None) -> dict[str, Any]:
    """At most MAX_TEXT characters of `text`, centred on `span` when it is in the text."""
    if text is None:
        return {"text": None, "before": 0, "after": 0}
    at = text.find(span) if span else -1
    start = max(0, at - (MAX_TEXT - len(span or "")) // 2) if at >= 0 else 0
    end = min(len(text), start + MAX_TEXT)
    return {"text": text[start:end], "before": start, "after": len(text) - end}


class RowViewer:
    """Builds row views from a loaded run and its labels; safe to use from the server's threads."""

    def __init__(self, data: RunData, labels: LabelStore) -> None:
        self.data = data
        self.labels = labels
        self._fetching = threading.Lock()

    def views(
        self, rule: ReviewRule, ids: list[str], extra: dict[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if not ids:
            return []
        with self._fetching:  # RunData caches fetched rows in one frame: one thread at a time grows it
            rows = self.data.fetch(ids)
        texts = display_text(rows, rule.field)
        out = []
        for row, text in zip(rows.iter_rows(named=True), texts, strict=True):
            spans = [s["span"] for s in row.get("check_spans") or [] if s and s.get("rule") == rule.name]
            span = spans[0] if spans else None
            label = self.labels.get(row["id"], rule.name)
            out.append(
                {
                    "id": row["id"],
                    "where": f"{short_name(row.get('source'))}:{row.get('line')}",
                    "source": row.get("source"),
                    "line": row.get("line"),
                    "drop_reason": row.get("drop_reason"),
                    "failed_rules": row.get("failed_rules") or [],
                    "flagged_rules": row.get("flagged_rules") or [],
                    "span": span,
                    **window(text, span),
                    "label": None if label is None else {"verdict": label.verdict, "note": label.note},
                    **extra.get(row["id"], {}),
                }
            )
        return out
