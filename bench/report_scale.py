"""Benchmark the HTML reports on a big run: size and time of report.html and profile.html.

    nice python bench/report_scale.py                 # 100k rows → bench/results/report_scale.md
    nice python bench/report_scale.py --rows 20000    # a quick look

Rows are the real instruction corpora in ../shared/data read with the canonical reader and repeated to the
requested size with fresh ids (so every row is its own row for the report). The run folder is made by the
real engine (`curate_frame` + `write_run_folder`) with the shipped rule file's mappers and checks; language,
dedup and the other stages are left out to keep the benchmark about the report (their owners benchmark them).
Nothing in a report grows with the row count (examples are sampled, histograms binned, tables top-N), so the
size at 1M rows is the size measured here; the timing is what grows, and is reported per stage of the work.
The machine is shared with other agents: timings are noisy.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

# bench/ holds curate.py: keep this folder off sys.path so `import curate` finds the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import polars as pl  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "out" / "report_scale"
RESULTS = ROOT / "bench" / "results" / "report_scale.md"
SOURCES = (
    "llama_factory_demo/alpaca_zh_demo.json",
    "llama_factory_demo/alpaca_en_demo.json",
    "alpaca_chinese_carbonz0/zh-data-part-00.json",
    "codealpaca/code_alpaca_2k.json",
    "self_instruct/predictions/davinci_predictions.jsonl",
)


def build_corpus(rows: int) -> tuple[pl.DataFrame, int]:
    from winnow.curation.io.read import read_corpus

    inputs = [SHARED / s for s in SOURCES if (SHARED / s).exists()]
    if not inputs:
        sys.exit(f"no input data under {SHARED}: this benchmark needs ../shared/data")
    base = read_corpus(inputs).records
    repeats = -(-rows // base.height)
    copies = [base.with_columns((pl.col("id") + f"-{k}").alias("id")) for k in range(repeats)]
    return pl.concat(copies).head(rows), base.height


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    from winnow.curation.rulefile.load import load_rule_file, parse_rules
    from winnow.curation.run_curate import curate_frame, write_run_folder
    from winnow.reports import write_run_report
    from winnow.reports.profile import Corpus, build_profile_page

    frame, unique = build_corpus(args.rows)
    shipped = load_rule_file(ROOT / "rules" / "default.yaml")
    rules = parse_rules(
        {k: v for k, v in shipped.resolved().items() if k in ("mappers", "checks")}, "default.yaml"
    )
    run_dir = OUT / f"run_{args.rows}"
    load_before = os.getloadavg()[0]

    started = time.perf_counter()
    result = curate_frame(frame, rules, only_stages=("mappers", "checks"))
    write_run_folder(run_dir, result.frame, pl.DataFrame(), result.stats, rules)
    curate_s = time.perf_counter() - started

    started = time.perf_counter()
    report = write_run_report(run_dir)
    report_s = time.perf_counter() - started
    report_bytes = report.stat().st_size

    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    corpus = Corpus(records=frame, rows_read=frame.height, inputs=["bench corpus"])
    page, _ = build_profile_page(corpus, step=lambda name: marks.append((name, time.perf_counter())))
    html = page.render()
    profile_s = time.perf_counter() - started
    marks.append(("end", time.perf_counter()))
    parts = ", ".join(f"{name} {end - at:.1f} s" for (name, at), (_, end) in itertools.pairwise(marks))
    profile_bytes = len(html.encode("utf-8"))
    (OUT / "profile.html").write_text(html, encoding="utf-8")

    lines = [
        "# bench/report_scale.py — HTML report size and time",
        "",
        f"- rows: {frame.height:,} ({unique:,} real rows from ../shared/data repeated with fresh ids); "
        f"rules: shipped default.yaml mappers + {len(rules.sections['checks'].rules)} checks",
        f"- load average before: {load_before:.1f} on 2 cores shared with other agents: timings are noisy",
        "",
        "| what | seconds | size |",
        "|---|---:|---:|",
        f"| engine (mappers + checks) + run folder, for reference | {curate_s:.1f} | – |",
        f"| report.html (`write_run_report`) | {report_s:.1f} | {report_bytes / 1e6:.2f} MB |",
        f"| profile.html (`build_profile_page`, no tokenizer) | {profile_s:.1f} | {profile_bytes / 1e6:.2f} MB |",
        "",
        "Sizes do not grow with rows (sampled examples, 40-bin histograms, top-N tables); a 1M-row run gives",
        "the same order of size, far below the 10 MB aim. tests/reports/test_reports_size.py asserts this",
        "(10k vs 100k rows).",
        f"Profile parts: {parts}.",
        "The profile's language pass runs on a 2,000-row sample and its near-duplicate estimate on 20,000 rows;",
        "its checks run over every row.",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
