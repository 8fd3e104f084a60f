"""Language mix, task mix (before and after curation) and split composition.

"Before" is every accepted row, "after" the kept rows. Values are corpus-derived (task names come from
the data), so every label is escaped; long tails are folded into "(N more)" so the table stays small.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from winnow.reports.charts import hbar_svg
from winnow.reports.html import not_available, num, pct, table, text

TOP = 15


@dataclass
class MixTable:
    column: str
    rows: list[tuple[str, int, int]]  # value, before, after
    before_total: int
    after_total: int


def _counts(series: pl.Series) -> dict[str, int]:
    frame = series.cast(pl.String).fill_null("(none)").value_counts(sort=True)
    return {str(v): int(n) for v, n in frame.iter_rows()}


def build_mix(frame: pl.DataFrame, column: str, top: int = TOP) -> MixTable:
    kept = frame.select(column, "drop_reason").filter(pl.col("drop_reason").is_null())  # 2 columns, not all
    before, after = _counts(frame[column]), _counts(kept[column])
    ordered = sorted(before, key=lambda v: -before[v])
    rows = [(v, before[v], after.get(v, 0)) for v in ordered[:top]]
    rest = ordered[top:]
    if rest:
        rows.append((f"({len(rest)} more)", sum(before[v] for v in rest), sum(after.get(v, 0) for v in rest)))
    return MixTable(column, rows, frame.height, kept.height)


def render_mix(mix: MixTable) -> str:
    rows = [
        [
            text(value),
            num(before, f"mix.{mix.column}.{value}.before"),
            pct(before, mix.before_total),
            num(after, f"mix.{mix.column}.{value}.after"),
            pct(after, mix.after_total),
            pct(before - after, before),
        ]
        for value, before, after in mix.rows
    ]
    chart = hbar_svg([(v, a) for v, _, a in mix.rows[:TOP]])
    return (
        f"<h3>{text(mix.column)}</h3><div class='grid'><div>"
        + table([text(mix.column), "before", "share", "after (kept)", "share", "removed"], rows)
        + f"</div><div><p class='note'>kept rows</p>{chart}</div></div>"
    )


def render_mixes(frame: pl.DataFrame) -> str:
    # `lang.messages` is a list (one language per message): the row-level mix uses the String columns
    language_columns = sorted(
        c for c in frame.columns if c.startswith("lang.") and frame[c].dtype == pl.String
    )
    parts = ["<h3>Languages</h3>"]
    if language_columns:
        parts += [render_mix(build_mix(frame, c)) for c in language_columns]
    else:
        parts.append(not_available("Language mix", "no lang.<field> columns: the language stage did not run"))
    parts.append("<h3>Tasks</h3>")
    if "task" in frame.columns and frame["task"].null_count() < frame.height:
        parts.append(render_mix(build_mix(frame, "task")))
    else:
        parts.append(not_available("Task mix", "no row has a task"))
    return "".join(parts)


def render_split(frame: pl.DataFrame) -> str:
    """Kept rows per split, crossed with task (or the first language column) when there is one."""
    if "split" not in frame.columns:
        return not_available("Split composition", "no split column: the split stage did not run")
    needed = [c for c in frame.columns if c in ("drop_reason", "split", "task") or c.startswith("lang.")]
    kept = frame.select(needed).filter(pl.col("drop_reason").is_null() & pl.col("split").is_not_null())
    totals = _counts(kept["split"])
    splits = [s for s in ("train", "val", "test") if s in totals] + sorted(
        s for s in totals if s not in ("train", "val", "test")
    )
    rows = [[text(s), num(totals[s], f"split.{s}"), pct(totals[s], kept.height)] for s in splits]
    out = table(["split", "rows", "share"], rows)
    by = "task" if "task" in kept.columns and kept["task"].null_count() < kept.height else None
    by = by or next(
        (c for c in sorted(kept.columns) if c.startswith("lang.") and kept[c].dtype == pl.String), None
    )
    if by:
        cross = kept.with_columns(pl.col(by).cast(pl.String).fill_null("(none)")).group_by(by, "split").len()
        values = [str(v) for v in _counts(kept[by])][:TOP]
        lookup = {(str(a), str(b)): int(n) for a, b, n in cross.iter_rows()}
        cross_rows = [[text(v)] + [num(lookup.get((v, s), 0)) for s in splits] for v in values]
        out += f"<h3>Split × {text(by)}</h3>" + table([text(by)] + [text(s) for s in splits], cross_rows)
    return out
