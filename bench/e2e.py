"""`winnow curate` as a user runs it, end to end: cold, then re-runs after one rule change (issue 24).

    python bench/e2e.py [--rows 1000000] [--changes check,flag_check,language,dedup,split] [--out DIR]

Input: the real instruction rows of ../shared/data (Chinese and English Alpaca, CodeAlpaca, GPTeacher,
GSM8K) cycled to `--rows` and made distinct by appending the row number to the instruction, written once as
Alpaca JSONL (DIR/data.jsonl). Each run is a fresh process, the command a user types:

    winnow curate data.jsonl --rules rules.yaml -o run

with the metric cache in its default place (DIR/.winnow-cache, i.e. RUNDIR/../.winnow-cache). Order:
a warm-up run on 1,000 rows (numba kernels compiled and cached: not what is measured here, see
bench/first_run.py), the cold run (metric cache emptied), then one re-run per change, each against the
cache the cold run left and each with only that one change made to the shipped default rules, each into a
copy of the cold run's folder (as a person re-runs with the same `-o`: the previous run is kept as previous/
and the report compares with it):

    check        a drop rule's threshold (dup_10gram_share max_share 0.3 -> 0.25): rows reaching dedup change
    flag_check   a flag rule's threshold (max_special_char_ratio max_ratio 0.4 -> 0.3)
    language     the language rule's min_purity (response 0.5 -> 0.6)
    dedup        the near-duplicate threshold (0.7 -> 0.75)
    split        the split fractions (0.9/0.05/0.05 -> 0.8/0.1/0.1)
    none         nothing changed

Measured per run: wall seconds, CPU seconds (user + system of the child and the processes it waited for:
dedup's signing workers), peak RSS of the process tree's largest process, and seconds per stage from
stats.json's timings (the rest, "outside stages", is start-up, reading, writing the run folder and the
report). The machine is shared: ratios are between runs of one invocation. Writes bench/results/e2e.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # for bench.history
from bench.history import write_results  # noqa: E402

SHARED = Path(os.environ.get("WINNOW_SHARED_DATA", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "bench" / "results" / "e2e.md"
SOURCES = (
    "llama_factory_demo/alpaca_zh_demo.json",
    "llama_factory_demo/alpaca_en_demo.json",
    "alpaca_chinese_carbonz0/zh-data-part-00.json",
    "alpaca_chinese_carbonz0/zh-data-part-01.json",
    "codealpaca/code_alpaca_2k.json",
    "alpaca_data_cleaned/gpteacher_roleplay_deduped.json",
    "alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json",
    "alpaca_data_cleaned/gsm_8k_train.json",
)
# the `winnow` command measured: this checkout's virtualenv, or WINNOW_BIN (bench/ray.py with a virtualenv that
# has Ray, whose winnow is this checkout installed editable)
WINNOW = Path(os.environ.get("WINNOW_BIN", ROOT / ".venv" / "bin" / "winnow"))

# change name → (pattern in the shipped default rules, replacement): one edit each
CHANGES: dict[str, tuple[str, str]] = {
    "check": (
        r"(name: dup_10gram_share\n.*\n\s*params: \{n: 10, max_share: )0\.3",
        r"\g<1>0.25",
    ),
    "flag_check": (r"(params: \{max_ratio: )0\.4(, min_chars: 20\})", r"\g<1>0.3\g<2>"),
    "language": (r"(response: \{min_purity: )0\.5\}", r"\g<1>0.6}"),
    "dedup": (r"(\n    threshold: )0\.7(\s)", r"\g<1>0.75\g<2>"),
    "split": (
        r"fractions: \{train: 0\.9, val: 0\.05, test: 0\.05\}",
        "fractions: {train: 0.8, val: 0.1, test: 0.1}",
    ),
    "none": ("", ""),
}


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    peak_rss_mb: float
    timings: dict[str, float]
    kept: int
    dropped: int


def write_corpus(path: Path, rows: int) -> int:
    """Alpaca JSONL of `rows` real rows, the row number appended to each instruction; returns unique rows."""
    records: list[dict[str, str]] = []
    for source in SOURCES:
        file = SHARED / source
        if file.exists():
            data = json.loads(file.read_text(encoding="utf-8"))
            records.extend({k: str(r.get(k) or "") for k in ("instruction", "input", "output")} for r in data)
    if not records:
        sys.exit(f"no input data under {SHARED}: this benchmark needs ../shared/data")
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            record = dict(records[i % len(records)])
            record["instruction"] = f"{record['instruction']} #{i}"
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return len(records)


def changed_rules(base: str, change: str) -> str:
    pattern, replacement = CHANGES[change]
    if not pattern:
        return base
    text, count = re.subn(pattern, replacement, base)
    if count != 1:
        sys.exit(f"change {change!r} matched {count} places in the default rules (expected 1)")
    return text


def run_curate(name: str, data: Path, rules: Path, run_dir: Path) -> Run:
    """One fresh `winnow curate` process; CPU and peak RSS from wait4 (this child and what it waited for)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(WINNOW), "curate", str(data), "--rules", str(rules), "-o", str(run_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=data.parent,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{name}: winnow curate failed ({process.returncode}):\n{stderr[-3000:]}")
    stats = json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))
    return Run(
        name=name,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        timings={k: float(v) for k, v in stats["timings"].items()},
        kept=int(stats["kept"]),
        dropped=int(stats["dropped"]),
    )


def table(runs: list[Run]) -> str:
    stages = list(dict.fromkeys(name for run in runs for name in run.timings))  # stages may differ by rules
    cold = runs[0]
    head = [
        "run",
        "wall s",
        "CPU s",
        "wall / cold",
        "CPU / cold",
        "peak RSS MB",
        "kept",
        *stages,
        "outside stages",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for run in runs:
        outside = run.wall - sum(run.timings.values())
        cells = [
            run.name,
            f"{run.wall:.1f}",
            f"{run.cpu:.1f}",
            f"{run.wall / cold.wall:.1%}",
            f"{run.cpu / cold.cpu:.1%}",
            f"{run.peak_rss_mb:,.0f}",
            f"{run.kept:,}",
            *[f"{run.timings.get(s, 0.0):.2f}" for s in stages],
            f"{outside:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--changes", default="check,flag_check,language,dedup,split")
    parser.add_argument("--out", type=Path, default=Path("/tmp/winnow_e2e"))
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    changes = [c for c in args.changes.split(",") if c]
    for change in changes:
        if change not in CHANGES:
            sys.exit(f"unknown change {change!r}: one of {', '.join(CHANGES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    data = args.out / f"data_{args.rows}.jsonl"
    unique = write_corpus(data, args.rows) if not data.exists() else None
    base = (ROOT / "rules" / "default.yaml").read_text(encoding="utf-8")
    cache = args.out / ".winnow-cache"

    warm = args.out / "warm.jsonl"
    write_corpus(warm, 1000)
    (args.out / "rules.yaml").write_text(base, encoding="utf-8")
    run_curate("warm-up", warm, args.out / "rules.yaml", args.out / "run_warm")

    shutil.rmtree(cache, ignore_errors=True)
    load = os.getloadavg()[0]
    runs = [run_curate("cold", data, args.out / "rules.yaml", args.out / "run")]
    print(table(runs), flush=True)
    for change in changes:
        rules = args.out / f"rules_{change}.yaml"
        rules.write_text(changed_rules(base, change), encoding="utf-8")
        # into a copy of the cold run's folder, as a person re-runs `-o run`: the run before becomes
        # previous/ and the report compares with it (both part of what is measured)
        again = args.out / f"run_{change}"
        shutil.rmtree(again, ignore_errors=True)
        shutil.copytree(args.out / "run", again)
        runs.append(run_curate(f"re-run: {change}", data, rules, again))
        print(table([runs[0], runs[-1]]).splitlines()[-1], flush=True)
    text = table(runs)
    print(text)
    if args.no_write:
        return
    described = "\n".join(
        f"- `{c}`: `{CHANGES[c][0]}` -> `{CHANGES[c][1]}`" for c in changes if CHANGES[c][0]
    )
    header = (
        "# winnow curate end to end (issue 24)\n\n"
        f"`python bench/e2e.py --rows {args.rows} --changes {args.changes}`: fresh `winnow curate` processes on "
        f"{args.rows:,} distinct real rows ({unique or 'see data file'} unique source rows, row number appended), "
        f"default rules, cold (empty metric cache), then one re-run per change against the cold run's cache, into a copy of its folder. "
        f"Load average at the start: {load:.1f} (2-core machine, shared). Stage columns: seconds from "
        "stats.json timings; `outside stages`: start-up, reading, writing the run folder and report.html.\n\n"
        f"{text}\n\nChanges (one edit of rules/default.yaml each):\n\n{described}\n"
    )
    write_results(RESULTS, header)


if __name__ == "__main__":
    main()
