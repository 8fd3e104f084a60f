"""Profile sections about the corpus itself: formats and quarantine, rows by source/kind/task,
conversation structure, and a sample of rows.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from winnow.reports.html import attr, clip, num, pct, short_name, table, text, where

TOP = 20
SAMPLE_ROWS = 12
SAMPLE_CLIP = 400
TURN_BUCKETS = (1, 2, 3, 4, 6, 10)


def render_formats(formats: dict[str, dict[str, int]], quarantine: pl.DataFrame, rows_read: int) -> str:
    rows = [
        [_source(source), text(fmt), num(n, f"profile.format.{source}.{fmt}")]
        for source, by_format in formats.items()
        for fmt, n in by_format.items()
    ]
    out = table(["source", "format", "rows"], rows) if rows else "<p>No readable rows.</p>"
    q_count = quarantine.height
    out += (
        f"<p>{num(rows_read, 'profile.rows_read', tag='b')} rows read, "
        f"{num(q_count, 'profile.quarantined', tag='b')} lines quarantined ({pct(q_count, rows_read)}).</p>"
    )
    if q_count:
        by_error = quarantine.group_by("source", "error").len().sort("len", descending=True).head(TOP)
        out += "<h3>Quarantined lines by error</h3>" + table(
            ["source", "error", "lines"],
            [[text(s), text(e), num(n)] for s, e, n in by_error.iter_rows()],
        )
        sample = quarantine.head(5)
        out += table(
            ["where", "error", "snippet"],
            [
                [f"{text(r['source'])}:{text(r['line'])}", text(r["error"]), clip(r.get("snippet"), 200)]
                for r in sample.iter_rows(named=True)
            ],
            cls="examples",
        )
    return out


def _count_table(frame: pl.DataFrame, column: str, label: str) -> str:
    counts = (
        frame.select(pl.col(column).cast(pl.String).fill_null("(none)")).to_series().value_counts(sort=True)
    )
    show = _source if column == "source" else text
    rows = [
        [show(v), num(n, f"profile.{column}.{v}"), pct(n, frame.height)]
        for v, n in counts.head(TOP).iter_rows()
    ]
    if counts.height > TOP:
        rest = int(counts["count"].slice(TOP).sum())
        rows.append([f"({counts.height - TOP} more)", num(rest), pct(rest, frame.height)])
    return f"<div><h3>{text(label)}</h3>" + table([text(label), "rows", "share"], rows) + "</div>"


def _source(path: object) -> str:
    """A source's file name, the full path on hover."""
    return f'<span title="{attr(path)}">{text(short_name(path))}</span>'


def render_composition(records: pl.DataFrame) -> str:
    parts = [_count_table(records, c, c) for c in ("source", "kind", "task")]
    note = ""
    if records.height and records["task"].null_count() == records.height:
        note = '<p class="note">No input carries a task label; `winnow curate` labels tasks in its tasks stage.</p>'
    return f'<div class="grid">{"".join(parts)}</div>{note}'


def structure_facts(records: pl.DataFrame) -> dict[str, Any]:
    turns = records["messages"].list.len().fill_null(0)
    roles = records.select(pl.col("messages").list.eval(pl.element().struct.field("role")).alias("r"))
    role_counts = roles.explode("r").drop_nulls()["r"].value_counts(sort=True)
    users = records.select(
        pl.col("messages")
        .list.eval(pl.element().filter(pl.element().struct.field("role") == "user"))
        .list.len()
        .fill_null(0)
    ).to_series()
    return {
        "turns": turns,
        "roles": {str(r): int(n) for r, n in role_counts.iter_rows()},
        "with_system": int((records["system"].fill_null("").str.len_chars() > 0).sum()),
        "with_input": int((records["input"].fill_null("").str.len_chars() > 0).sum()),
        "with_tools": int((records["tools"].fill_null("").str.len_chars() > 0).sum()),
        "multi_turn": int((users > 1).sum()),
        "distinct_system": int(records["system"].drop_nulls().n_unique()),
    }


def render_structure(records: pl.DataFrame) -> str:
    facts = structure_facts(records)
    total = records.height
    turns: pl.Series = facts["turns"]
    bucket_rows = []
    low = 0
    for high in (*TURN_BUCKETS, None):
        if high is None:
            n = int((turns > low).sum())
            label = f"> {low}"
        else:
            n = int(((turns > low) & (turns <= high)).sum())
            label = str(high) if high - low == 1 else f"{low + 1}–{high}"
        bucket_rows.append([text(label), num(n, f"profile.turns.{label}"), pct(n, total)])
        low = high or low
    empty = int((turns == 0).sum())
    facts_rows = [
        [
            "rows with a system prompt",
            num(facts["with_system"], "profile.with_system"),
            pct(facts["with_system"], total),
        ],
        ["distinct system prompts", num(facts["distinct_system"], "profile.distinct_system"), ""],
        [
            "rows with an input/context",
            num(facts["with_input"], "profile.with_input"),
            pct(facts["with_input"], total),
        ],
        [
            "rows offering tools",
            num(facts["with_tools"], "profile.with_tools"),
            pct(facts["with_tools"], total),
        ],
        [
            "multi-turn rows (2+ user turns)",
            num(facts["multi_turn"], "profile.multi_turn"),
            pct(facts["multi_turn"], total),
        ],
        ["rows without messages (pretrain)", num(empty, "profile.no_messages"), pct(empty, total)],
    ]
    role_rows = [[text(r), num(n, f"profile.role.{r}")] for r, n in facts["roles"].items()]
    return (
        '<div class="grid"><div><h3>Messages per row</h3>'
        + table(["messages", "rows", "share"], bucket_rows)
        + "</div><div><h3>Structure</h3>"
        + table(["", "rows", "share"], facts_rows)
        + "</div><div><h3>Messages by role</h3>"
        + table(["role", "messages"], role_rows)
        + "</div></div>"
    )


def render_sample(records: pl.DataFrame, seed: int = 0) -> str:
    sample = records.sample(min(SAMPLE_ROWS, records.height), seed=seed) if records.height else records
    rows = []
    for r in sample.iter_rows(named=True):
        convo = "".join(
            f"<div><b>{text(m['role'])}</b>: {clip(m['content'], SAMPLE_CLIP)}</div>"
            for m in r["messages"] or []
        )
        extra = []
        if r.get("system"):
            extra.append(f"<div><b>system</b>: {clip(r['system'], SAMPLE_CLIP)}</div>")
        if r.get("input"):
            extra.append(f"<div><b>input</b>: {clip(r['input'], SAMPLE_CLIP)}</div>")
        for key in ("chosen", "rejected", "text"):
            if r.get(key):
                extra.append(f"<div><b>{key}</b>: {clip(r[key], SAMPLE_CLIP)}</div>")
        rows.append(
            [
                f"{where(r['source'], r['line'])}<br>{text(r['format'])} · {text(r['kind'])}"
                + (f" · {text(r['task'])}" if r.get("task") else ""),
                "".join(extra) + convo,
            ]
        )
    return table(["row", "content"], rows, cls="examples")
