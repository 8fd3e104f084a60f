"""Ingest benchmark: a 1M-row Alpaca JSONL read into winnow's canonical frame vs `datasets.load_dataset("json")`.

    python bench/ingest.py                # generate bench/out/alpaca_1m.jsonl (once), time both, write results
    python bench/ingest.py --rows 200000  # smaller run

The file is built from real Alpaca rows in ../shared/data (English, Chinese, code, math), cycled to the row
count. Each reader runs in its own subprocess (so peak memory is its own `ru_maxrss`), under `nice`, with a
fresh datasets cache folder per run. winnow's time includes everything `read_corpus` does: format detection
over every row, strict validation, canonical messages, stable content ids (XXH3). datasets' time is load + Arrow
cache write (what `load_dataset` does on first use); it does no format mapping. Results:
bench/results/ingest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("WINNOW_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
SOURCES = [
    "llama_factory_demo/alpaca_en_demo.json",
    "llama_factory_demo/alpaca_zh_demo.json",
    "alpaca_chinese_carbonz0/zh-data-part-00.json",
    "alpaca_data_cleaned/gpteacher_roleplay_deduped.json",
    "alpaca_data_cleaned/gsm_8k_train.json",
    "codealpaca/code_alpaca_2k.json",
]


def generate(path: Path, rows: int) -> None:
    """Cycle the real rows (instruction/input/output only) until `rows` lines are written."""
    pool: list[dict[str, str]] = []
    for name in SOURCES:
        for row in json.loads((SHARED / name).read_text("utf-8")):
            pool.append(
                {"instruction": row["instruction"], "input": row.get("input", ""), "output": row["output"]}
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            handle.write(json.dumps(pool[i % len(pool)], ensure_ascii=False))
            handle.write("\n")
    tmp.replace(path)


def run_one(which: str, path: Path) -> dict[str, float]:
    """Runs inside the child process: time one reader, report rows, seconds and peak RSS."""
    # bench/ holds other benchmarks named like packages (bench/curate.py): import from the repository root
    sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if p and Path(p).resolve() != HERE]
    cpu_start = _cpu()
    start = time.perf_counter()
    if which == "winnow":
        from winnow.curation.io.read import read_corpus

        cpu_imported = _cpu()
        result = read_corpus([path])
        rows, quarantined = result.records.height, result.quarantine.height
    else:
        os.environ["HF_DATASETS_OFFLINE"] = "1"
        import datasets

        cpu_imported = _cpu()
        with tempfile.TemporaryDirectory() as cache:
            dataset = datasets.load_dataset("json", data_files=str(path), cache_dir=cache, split="train")
            rows, quarantined = dataset.num_rows, 0
    seconds = time.perf_counter() - start
    cpu = _cpu() - cpu_start
    return {
        "rows": rows,
        "quarantined": quarantined,
        "seconds": seconds,
        "cpu": cpu,
        "cpu_import": cpu_imported - cpu_start,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _cpu() -> float:
    """User + system seconds of this process and any children it waited for (all threads included)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(which: str, path: Path) -> dict[str, float]:
    command = ["nice", "-n", "5", sys.executable, str(Path(__file__).resolve()), "--child", which, str(path)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("READER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child[0], Path(args.child[1]))))
        return
    path = HERE / "out" / f"alpaca_{args.rows}.jsonl"
    if not path.exists():
        print(f"generating {path} ({args.rows:,} rows from real Alpaca data)…", flush=True)
        generate(path, args.rows)
    size_mb = path.stat().st_size / 1e6
    results: dict[str, list[dict[str, float]]] = {"winnow": [], "datasets": []}
    for repeat in range(args.repeats):
        for which in ("winnow", "datasets"):  # interleaved, so load changes hit both
            result = measure(which, path)
            results[which].append(result)
            print(
                f"[{repeat + 1}/{args.repeats}] {which}: {result['seconds']:.2f} s, CPU {result['cpu']:.2f} s, "
                f"peak {result['peak_mb']:.0f} MB, "
                f"{result['rows']:,} rows",
                flush=True,
            )
    write_results(path, size_mb, results)


def write_results(path: Path, size_mb: float, results: dict[str, list[dict[str, float]]]) -> None:
    load = os.getloadavg()
    lines = [
        "# Ingest: 1M-row Alpaca JSONL → canonical frame",
        "",
        f"File: `{path.relative_to(HERE.parent)}` ({size_mb:,.0f} MB), real Alpaca rows (en, zh, code, math) cycled.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs (load average at the end "
        f"{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} over 1/5/15 min); timings are noisy. Each run is a fresh "
        "subprocess under `nice -n 5`, the two readers interleaved; CPU is user + system seconds of the child "
        "(all its threads, plus any children), counted from before the library import; peak memory is the "
        "child's ru_maxrss.",
        "",
        "| reader | wall, each run (s) | best wall (s) | CPU, each run (s) | of which import (s) | "
        "peak memory (MB, max) | rows out |",
        "|---|---|---|---|---|---|---|",
    ]
    for which, runs in results.items():
        best = min(r["seconds"] for r in runs)
        label = (
            "winnow `read_corpus` (canonical, validated, ids)"
            if which == "winnow"
            else '`datasets.load_dataset("json")` (fresh cache)'
        )
        timings = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        cpu = ", ".join(f"{r['cpu']:.2f}" for r in runs)
        imports = ", ".join(f"{r['cpu_import']:.2f}" for r in runs)
        lines.append(
            f"| {label} | {timings} | {best:.2f} | {cpu} | {imports} | "
            f"{max(r['peak_mb'] for r in runs):,.0f} | {int(runs[0]['rows']):,} |"
        )
    ratio = min(r["seconds"] for r in results["datasets"]) / min(r["seconds"] for r in results["winnow"])
    cpu_ratio = min(r["cpu"] for r in results["datasets"]) / min(r["cpu"] for r in results["winnow"])
    lines += [
        "",
        f"datasets / winnow: {ratio:.2f}x best wall, {cpu_ratio:.2f}x best CPU (above 1 = winnow faster). On a "
        "machine shared by several jobs the wall time is mostly waiting for a core; CPU time is the steadier "
        "measure.",
        "",
        *NOTES,
        "",
        "Run: `python bench/ingest.py` (add `--rows N` for a smaller file, `--repeats N`).",
    ]
    out = HERE / "results" / "ingest.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")


NOTES = [  # what the numbers mean; the profile figures are from separate runs on the same machine
    "winnow's rows out are fewer where the real data has empty outputs (quarantined with file:line, not "
    "loaded): datasets loads them as they are. winnow does more per row: format detection over every row's "
    "keys, strict type and empty-turn checks, canonical `messages`, and a stable content id per row.",
    "",
    "Session 3 (2026-11-24, same file, same machine, the benchmark alone: load average ~1.2 from its own "
    "processes): row ids are XXH3-128 of the content key (first 96 bits) instead of blake2b. An id is an "
    "identity, not a security boundary: it needs a stable hash (XXH3 is a frozen specification, the same on "
    "every machine and version; Polars' `Expr.hash` is not), not a cryptographic one, and XXH3-128 costs "
    "~0.15 us per key where blake2b cost ~1.2 us. Same rows, quarantine and occurrence numbering; the ids "
    "themselves are new values. Back to back under load (another job on one core): winnow CPU 4.32 s -> "
    "3.32 s; datasets 2.8 s.",
    "",
    "Earlier rounds: the content key folds a flat file's constant parts into one literal; lines are counted "
    "in the parse worker; pieces are views of the memory-mapped file and finished pages are unmapped (peak "
    "~0.9 GB); keys straight from the input columns, hashing over the Arrow buffers, duplicate numbering on "
    "the digest as integers, Arrow parsing one piece ahead in a worker thread (winnow was 8.8 s CPU at the "
    "start). With blake2b ids the idle-machine result was parity: best 2.58-2.62 s vs 2.59 s.",
    "",
    "Where winnow's CPU goes now (1M rows): Arrow JSON parse ~1.5 s (the parser datasets uses), content keys "
    "~0.3 s, import ~0.3 s, canonical columns ~0.2 s, id numbering ~0.2 s, XXH3 ~0.15 s. Parse, convert and "
    "hash run on three overlapping threads, so winnow uses both cores: on the idle 2-core machine it is "
    "~1.35x faster than datasets' single-threaded read while spending ~1.2x its CPU. With only one core "
    "free (another job on the other) the CPU decides and winnow is ~10% slower (3.0-3.3 s vs 2.6-2.9 s).",
    "",
    "Peak memory: winnow holds the whole canonical frame in RAM (~470 MB of Polars data for these rows, plus "
    "the Polars/Arrow allocators' retained memory, ~90 MB after imports); datasets streams rows into its "
    "Arrow cache file and keeps a memory-mapped table, so far less of its data stays resident.",
]


if __name__ == "__main__":
    main()
