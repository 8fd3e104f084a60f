"""The greedy choice under a budget (Deita-style): best metric first, a row too close to a chosen one skipped.

Rows are visited in metric order (ties: input order). A row is chosen unless it has no metric value, is not
eligible (a flagged row under `skip_flagged`), its group's quota is full, or — with diversity x > 0 — its
embedding's cosine to an already chosen row is above 1 - x (then it is "too close" to that row, named by id).
With groups (tasks), the budget is first shared among groups in proportion to their candidates (largest
remainders), each group filled in metric order; what a group cannot fill goes back to one pass over all
rows in metric order. Every row not chosen gets a note saying which of these stopped it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_METRIC = "no_metric"
FLAGGED = "flagged"
OVER_BUDGET = "over_budget"
TOO_CLOSE = "too_close_to"  # + " <id of the chosen row>"


@dataclass
class Picked:
    rank: list[int | None]  # order of choice, 1 = first chosen; None = not chosen
    note: list[str | None]  # why a row was not chosen (None for chosen rows)


def quotas(groups: np.ndarray, budget: int) -> dict[int, int]:
    """Budget shared among groups in proportion to their sizes, by largest remainders (sums to budget)."""
    labels, sizes = np.unique(groups, return_counts=True)
    if not len(labels):
        return {}
    exact = sizes * budget / sizes.sum()
    share = np.floor(exact).astype(np.int64)
    for i in np.argsort(-(exact - share), kind="stable")[: budget - int(share.sum())]:
        share[i] += 1
    return {int(label): int(n) for label, n in zip(labels, share, strict=True)}


def pick(
    scores: np.ndarray,
    eligible: np.ndarray,
    budget: int,
    *,
    descending: bool = True,
    groups: np.ndarray | None = None,
    vectors: np.ndarray | None = None,
    diversity: float = 0.0,
    ids: list[str] | None = None,
) -> Picked:
    n = len(scores)
    note: list[str | None] = [None] * n
    rank: list[int | None] = [None] * n
    has_metric = ~np.isnan(scores)
    for i in np.flatnonzero(~has_metric):
        note[i] = NO_METRIC
    for i in np.flatnonzero(has_metric & ~eligible):
        note[i] = FLAGGED
    candidates = np.flatnonzero(has_metric & eligible)
    key = -scores[candidates] if descending else scores[candidates]
    order = candidates[np.argsort(key, kind="stable")]
    limit = 1.0 - diversity
    chosen: list[int] = []
    chosen_vectors = np.zeros((budget, vectors.shape[1]), dtype=np.float32) if vectors is not None else None

    def visit(rows: np.ndarray, room: int) -> None:
        taken = 0
        for i in rows.tolist():
            if taken >= room or len(chosen) >= budget:
                return
            if rank[i] is not None or (note[i] or "").startswith(TOO_CLOSE):
                continue
            if diversity > 0 and chosen and vectors is not None and chosen_vectors is not None:
                sims = chosen_vectors[: len(chosen)] @ vectors[i]
                nearest = int(np.argmax(sims))
                if sims[nearest] > limit:
                    other = chosen[nearest]
                    note[i] = f"{TOO_CLOSE} {ids[other] if ids is not None else other}"
                    continue
            if chosen_vectors is not None and vectors is not None:
                chosen_vectors[len(chosen)] = vectors[i]
            chosen.append(i)
            rank[i] = len(chosen)
            taken += 1

    if groups is not None and budget:
        for group, room in quotas(groups[order], budget).items():
            visit(order[groups[order] == group], room)
    visit(order, budget)
    for i in order.tolist():
        if rank[i] is None and note[i] is None:
            note[i] = OVER_BUDGET
    return Picked(rank, note)
