"""report.html beside the adapter, in the style of the other winnow pages (reports/html.py's Page): a summary
(steps, the epochs really run, losses, tokens, the rows `winnow shard` dropped or truncated), links back to the
shards and the curated run they came from, loss and eval curves with a marker on every eval point, real
tokens/s and padding efficiency (inline SVG), and the config that ran. Self-contained (no scripts, no
external files); every string is escaped.

    from winnow.trainer.report import write_train_report
    write_train_report(Path("out"))   # reads out/metrics.jsonl and out/train_config.yaml
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from winnow.curation.atomic import atomic_open
from winnow.curation.rulefile.bounded_yaml import load_yaml
from winnow.reports.html import Page, attr, svg_text, text
from winnow.trainer.progress import read_metrics

WIDTH, HEIGHT, PAD = 640, 220, 48
COLORS = ("#0969da", "#cf222e", "#1a7f37")


def svg_chart(series: dict[str, list[tuple[float, float]]], markers: tuple[str, ...] = ()) -> str:
    """A line chart of (x, y) series as inline SVG with min/max axis labels; the series named in `markers`
    get a dot on every point (eval losses: a handful of points a line alone would hide)."""
    points = [p for values in series.values() for p in values]
    if not points:
        return '<p class="note">no data</p>'
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)

    def at(x: float, y: float) -> tuple[float, float]:
        px = PAD + (x - x0) / (x1 - x0) * (WIDTH - 2 * PAD)
        py = HEIGHT - PAD - (y - y0) / (y1 - y0) * (HEIGHT - 2 * PAD)
        return px, py

    parts = []
    for index, ((name, values), color) in enumerate(zip(series.items(), COLORS, strict=False)):
        path = " ".join("{:.1f},{:.1f}".format(*at(x, y)) for x, y in values)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{path}"/>')
        if name in markers or len(values) == 1:
            for x, y in values:
                cx, cy = at(x, y)
                parts.append(
                    f'<circle class="marker" cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{color}">'
                    f"<title>{svg_text(name)} at step {x:g}: {y:.4f}</title></circle>"
                )
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{14 + 14 * index}" fill="{color}" text-anchor="end">'
            f"{svg_text(name)}</text>"
        )
    axes = (
        f'<text x="{PAD}" y="{HEIGHT - 8}">step {x0:g}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end">step {x1:g}</text>'
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end">{y1:.4g}</text>'
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD + 4}" text-anchor="end">{y0:.4g}</text>'
        f'<rect x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" height="{HEIGHT - 2 * PAD}" fill="none" stroke="#ccc"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img">'
        f"{axes}{''.join(parts)}</svg>"
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


def epochs_run(train: list[dict[str, Any]], config: dict[str, Any]) -> str:
    """The epochs the run really made (max_steps may stop it mid-epoch), beside what the config asked."""
    loop = config.get("loop") if isinstance(config.get("loop"), dict) else {}
    assert isinstance(loop, dict)
    asked = f"max_steps {loop['max_steps']}" if loop.get("max_steps") else f"epochs {loop.get('epochs', '?')}"
    done = train[-1].get("epochs_done") if train else None
    if not isinstance(done, (int, float)):
        return f"not recorded (config: {asked})"
    return f"{done:.2f} (config: {asked})"


def _link(out_dir: Path, target: str, label: str) -> str:
    """A relative link from the report to a file or folder (the folders move together), or the path as
    text when it does not exist here."""
    path = Path(target)
    if not path.exists():
        return f"{text(label)}: {text(target)} (not found from here)"
    href = Path(os.path.relpath(path, out_dir)).as_posix()
    return f'{text(label)}: <a href="{attr(href)}">{text(target)}</a>'


def provenance(out_dir: Path, shards: dict[str, Any], config: dict[str, Any]) -> str:
    """Links back to the data: the shard folder (manifest, dropped rows), the curated rows and their run."""
    items = []
    shard_dir = shards.get("shard_dir") or config.get("shards")
    if isinstance(shard_dir, str):
        items.append(_link(out_dir, shard_dir, "shards"))
        items.append(_link(out_dir, str(Path(shard_dir) / "manifest.json"), "shard manifest"))
        items.append(_link(out_dir, str(Path(shard_dir) / "dropped.parquet"), "rows the shards dropped"))
    kept = shards.get("kept")
    if isinstance(kept, str):
        items.append(_link(out_dir, kept, "curated rows"))
        items.append(_link(out_dir, str(Path(kept).parent / "report.html"), "curation run report"))
    model = config.get("base_model")
    if isinstance(model, str):
        items.append(f"base model: {text(model)}")
    if not items:
        return (
            '<p class="note">not recorded (a run from before winnow recorded where its shards came from)</p>'
        )
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def write_train_report(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    records = read_metrics(out_dir / "metrics.jsonl")
    train = [r for r in records if r["kind"] == "train"]
    evals = [r for r in records if r["kind"] == "eval"]
    shards: dict[str, Any] = next((r for r in reversed(records) if r["kind"] == "shards"), {})
    config_path = out_dir / "train_config.yaml"
    loaded = load_yaml(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    config: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
    real = sum(r["real_tokens"] for r in train)
    computed = sum(r["computed_tokens"] for r in train)
    seconds = sum(r["seconds"] for r in train)
    summary = {
        "optimizer steps": f"{len(train):,}",
        "epochs run": epochs_run(train, config),
        "last train loss": f"{train[-1]['loss']:.4f}" if train else "-",
        "best eval loss": (
            "{:.4f} at step {}".format(*min((e["eval_loss"], e["step"]) for e in evals)) if evals else "-"
        ),
        "eval points": ", ".join(str(e["step"]) for e in evals) or "-",
        "real (non-pad) tokens": f"{real:,}",
        "trained (target) tokens": f"{sum(r['trained_tokens'] for r in train):,}",
        "padding efficiency": f"{real / computed:.2%}" if computed else "-",
        "real tokens/s (step time)": f"{real / seconds:,.0f}" if seconds else "-",
        **shard_summary(shards),
    }
    page = Page(title="winnow training report", subtitle=text(out_dir))
    rows = "".join(f"<tr><th>{text(k)}</th><td>{text(v)}</td></tr>" for k, v in summary.items())
    page.add("Summary", f"<table>{rows}</table>")
    page.add("Where the rows came from", provenance(out_dir, shards, config), key="provenance")
    page.add(
        "Loss",
        svg_chart(
            {
                "train loss": [(r["step"], r["loss"]) for r in train],
                "eval loss": [(r["step"], r["eval_loss"]) for r in evals],
            },
            markers=("eval loss",),
        ),
        note="A dot marks each evaluation (step 0 is the untrained adapter: the base model's own loss).",
    )
    page.add("Real tokens/s", svg_chart({"tokens/s": [(r["step"], r["tokens_per_s"]) for r in train]}))
    page.add(
        "Padding efficiency",
        svg_chart({"real / computed": [(r["step"], r["padding_efficiency"]) for r in train]}),
    )
    config_text = text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    page.add("Config", f'<pre class="corpus">{config_text}</pre>')
    path = out_dir / "report.html"
    with atomic_open(path) as handle:
        handle.write(page.render())
    return path
