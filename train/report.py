"""report.html beside the adapter: loss and eval curves, real tokens/s, padding efficiency (inline SVG),
the rows `winnow shard` dropped or truncated, and the config that ran. Self-contained (no scripts, no external
files); every string is escaped."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import yaml

from winnow.curation.atomic import atomic_open
from winnow.curation.rulefile.bounded_yaml import load_yaml
from winnow.trainer.progress import read_metrics

WIDTH, HEIGHT, PAD = 640, 220, 40


def svg_chart(title: str, series: dict[str, list[tuple[float, float]]]) -> str:
    """A line chart of (x, y) series as inline SVG with min/max axis labels."""
    points = [p for values in series.values() for p in values]
    if not points:
        return f"<p>{html.escape(title)}: no data</p>"
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)

    def at(x: float, y: float) -> str:
        px = PAD + (x - x0) / (x1 - x0) * (WIDTH - 2 * PAD)
        py = HEIGHT - PAD - (y - y0) / (y1 - y0) * (HEIGHT - 2 * PAD)
        return f"{px:.1f},{py:.1f}"

    colors = ["#1f77b4", "#d62728", "#2ca02c"]
    lines = []
    for (name, values), color in zip(series.items(), colors, strict=False):
        path = " ".join(at(x, y) for x, y in values)
        lines.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{path}"/>')
        if len(values) == 1:
            cx, cy = at(*values[0]).split(",")
            lines.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{color}"/>')
        lines.append(
            f'<text x="{WIDTH - PAD}" y="{14 + 14 * len(lines) // 2}" fill="{color}" text-anchor="end" '
            f'font-size="11">{html.escape(name)}</text>'
        )
    axes = (
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">step {x0:g}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">step {x1:g}</text>'
        f'<text x="2" y="{PAD}" font-size="11">{y1:.4g}</text>'
        f'<text x="2" y="{HEIGHT - PAD}" font-size="11">{y0:.4g}</text>'
        f'<rect x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" height="{HEIGHT - 2 * PAD}" fill="none" stroke="#ccc"/>'
    )
    return (
        f"<h2>{html.escape(title)}</h2>"
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img">'
        f"{axes}{''.join(lines)}</svg>"
    )


def shard_summary(record: dict[str, Any]) -> dict[str, str]:
    """Rows of the report's table from the metrics' `shards` record: what `winnow shard` dropped or cut."""

    def count(key: str) -> str:
        value = record.get(key)
        return f"{value:,}" if isinstance(value, int) else "not recorded"

    reasons = record.get("dropped_by_reason") or {}
    dropped = count("dropped_rows")
    if reasons:
        dropped += " (" + ", ".join(f"{r} {n:,}" for r, n in sorted(reasons.items())) + ")"
    return {
        "rows given to winnow shard": count("rows_in"),
        "rows dropped by winnow shard": dropped,
        "rows truncated by winnow shard": count("truncated_rows"),
    }


def write_train_report(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    records = read_metrics(out_dir / "metrics.jsonl")
    train = [r for r in records if r["kind"] == "train"]
    evals = [r for r in records if r["kind"] == "eval"]
    shards: dict[str, Any] = next((r for r in reversed(records) if r["kind"] == "shards"), {})
    config_path = out_dir / "train_config.yaml"
    config = load_yaml(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    real = sum(r["real_tokens"] for r in train)
    computed = sum(r["computed_tokens"] for r in train)
    seconds = sum(r["seconds"] for r in train)
    summary = {
        "optimizer steps": len(train),
        "last train loss": f"{train[-1]['loss']:.4f}" if train else "-",
        "best eval loss": f"{min(e['eval_loss'] for e in evals):.4f}" if evals else "-",
        "real (non-pad) tokens": f"{real:,}",
        "trained (target) tokens": f"{sum(r['trained_tokens'] for r in train):,}",
        "padding efficiency": f"{real / computed:.2%}" if computed else "-",
        "real tokens/s (step time)": f"{real / seconds:,.0f}" if seconds else "-",
        **shard_summary(shards),
    }
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in summary.items()
    )
    charts = [
        svg_chart(
            "loss",
            {
                "train loss": [(r["step"], r["loss"]) for r in train],
                "eval loss": [(r["step"], r["eval_loss"]) for r in evals],
            },
        ),
        svg_chart("real tokens/s", {"tokens/s": [(r["step"], r["tokens_per_s"]) for r in train]}),
        svg_chart(
            "padding efficiency", {"real / computed": [(r["step"], r["padding_efficiency"]) for r in train]}
        ),
    ]
    config_text = html.escape(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>winnow training report</title>'
        "<style>body{font-family:sans-serif;max-width:720px;margin:2em auto}th{text-align:left;padding-right:1em}"
        "pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head><body>"
        f"<h1>Training report</h1><p>{html.escape(str(out_dir))}</p><table>{rows}</table>"
        f"{''.join(charts)}<h2>config</h2><pre>{config_text}</pre></body></html>"
    )
    path = out_dir / "report.html"
    with atomic_open(path) as handle:
        handle.write(page)
    return path
