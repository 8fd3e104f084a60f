"""Per stage of `winnow run` / `winnow demo`: rows in, rows out, and every row the stage did not carry.

    for line in stage_lines("export", summary):   # from the step's summary (a skipped step's recorded one)
        console.print(line)

    export alpaca: 50 rows in → 40 written (test 1, train 38, validation 1); not written: 10 — preference rows
      (alpaca holds sft rows): 10

A count without its remainder hides rows (the demo's alpaca export once left out 51 preference rows while
the pipeline printed only what it wrote), so each line adds up: in = out + not carried, with the reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _reasons(by_reason: Mapping[str, int] | None) -> str:
    if not by_reason:
        return ""
    ordered = sorted(by_reason.items(), key=lambda item: (-item[1], item[0]))
    return " — " + "; ".join(f"{reason}: {count:,}" for reason, count in ordered)


def _per_split(rows: Mapping[str, int]) -> str:
    return ", ".join(f"{split} {count:,}" for split, count in sorted(rows.items()))


def curate_lines(summary: Mapping[str, Any]) -> list[str]:
    read, kept = summary.get("rows_read"), summary.get("kept")
    if read is None or kept is None:
        return []
    dropped, quarantined = summary.get("dropped", 0), summary.get("quarantined", 0)
    return [
        f"curate: {read:,} rows in → {kept:,} kept; not carried: {quarantined:,} quarantined, {dropped:,} dropped"
        f"{_reasons(summary.get('by_reason'))}"
    ]


def export_lines(summary: Mapping[str, Any]) -> list[str]:
    lines = []
    for fmt, entry in (summary.get("formats") or {}).items():
        rows = entry.get("rows") or {}
        if "rows_in" not in entry:  # a summary recorded before rows in were
            continue
        written = sum(rows.values())
        not_written = entry.get("not_written") or {}
        missing = sum(not_written.values())
        tail = f"not written: {missing:,}{_reasons(not_written)}" if missing else "every row written"
        lines.append(
            f"export {fmt}: {entry['rows_in']:,} rows in → {written:,} written ({_per_split(rows)}); {tail}"
        )
    return lines


def shard_lines(summary: Mapping[str, Any]) -> list[str]:
    rows_in, splits = summary.get("rows_in"), summary.get("splits")
    if rows_in is None or not isinstance(splits, dict):
        return []
    rows = {name: int(split.get("rows", 0)) for name, split in splits.items()}
    preference = summary.get("preference") or {}
    dropped = summary.get("dropped") or {}
    missing = sum(dropped.values())
    out = f"{sum(rows.values()):,} in shards ({_per_split(rows)})"
    if preference:  # written apart (preference/): carried, but not what the SFT trainer reads
        out += f" + {sum(preference.values()):,} preference rows in preference/ ({_per_split(preference)})"
    unaccounted = rows_in - sum(rows.values()) - sum(preference.values()) - missing
    parts = [f"not carried: {missing:,}{_reasons(dropped)}"] if missing else []
    if unaccounted:  # shards written by another winnow, or a count this line does not know yet
        parts.append(f"not accounted for: {unaccounted:,}")
    tail = "; ".join(parts) or "every row carried"
    truncated = summary.get("truncated_rows")
    if truncated:
        tail += f"; truncated to max_len: {truncated:,}"
    return [f"shard: {rows_in:,} rows in → {out}; {tail}"]


LINES = {"curate": curate_lines, "export": export_lines, "shard": shard_lines}


def stage_lines(name: str, summary: Mapping[str, Any]) -> list[str]:
    """The rows-in/out lines of stage `name` (none for stages that do not carry rows)."""
    describe = LINES.get(name)
    return describe(summary) if describe else []
