"""The language stage against py3langid and lingua, each in a fresh process, as a user meets it (issue 24).

    python bench/langid_speed.py [--sizes 2000,10000,200000] [--repeats 1] [--out bench/results/langid_speed.md]

Input: the real instruction rows of ../shared/data (Chinese and English Alpaca, CodeAlpaca, GPTeacher, GSM8K:
bench/e2e.py's sources), shuffled once with a fixed seed, cycled to the size and made distinct the way
bench/e2e.py does (the row number appended to the instruction). Each size is read once into winnow's
canonical frame (not timed); the texts every side detects are the non-empty instruction, input and response
of each row: the scalar fields the stage detects (it also detects `messages`, whose contents are the same
instruction and response again, and `system`, empty here; it measures each distinct text once).

Sides, one fresh `python` process each, timed from the process start to its exit (CPU = user + system of the
process, from wait4; wall from the parent), so every side pays its interpreter start, its imports and its
model load, and reads its input (the canonical frame from Parquet for winnow, the texts from JSON for the
others):

    winnow              the `language` stage (winnow.curation.language.stage) with rules/default.yaml's
                        `language` section, as `winnow curate` runs it cold (empty cache folder: it writes its
                        answer and stage caches there, as the first run on a data set does); the detector's
                        prebuilt tables are in ~/.cache/winnow, as after any earlier run on this install
    py3langid           `py3langid.classify(text)` per text (its shipped model, every language)
    py3langid_unique    the same, each distinct text classified once (a dict): what a careful user writes
    lingua_low          lingua's `detect_language_of(text)` per text, every language, low-accuracy mode
    lingua_low_batch    lingua's `detect_languages_in_parallel_of(texts)`: its batch API (Rust threads)
    winnow_first_run    `winnow` with an empty XDG_CACHE_HOME: the first run after installing, which builds
                        the detector's tables (winnow.curation.language.tables) once
    winnow_before       with `--before DIR`: `winnow` importing the winnow package of another checkout (DIR,
                        e.g. `git archive <commit> | tar -x -C DIR`), for a before/after in the same run

Every child also reports its own CPU split: start-up (interpreter, imports, model and input load) vs
detection. Ratios are winnow's texts per CPU-second over each baseline's, on the same texts in one run.
Writes bench/results/langid_speed.md (its hand-written part, from bench.history's marker on, is kept).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WINNOW_SHARED_DATA", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "bench" / "results" / "langid_speed.md"
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
SIDES = ("winnow", "py3langid", "py3langid_unique", "lingua_low", "lingua_low_batch", "winnow_first_run")
CHILD_SIDES = (*SIDES, "winnow_before")
TEXT_FIELDS = ("instruction", "input", "response")


def _records() -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    for source in SOURCES:
        file = SHARED / source
        if file.exists():
            data = json.loads(file.read_text(encoding="utf-8"))
            records.extend({k: str(r.get(k) or "") for k in ("instruction", "input", "output")} for r in data)
    if not records:
        sys.exit(f"no input data under {SHARED}: this benchmark needs ../shared/data")
    random.Random(24).shuffle(records)
    return records


def write_input(folder: Path, records: list[dict[str, str]], rows: int) -> dict[str, int]:
    """folder/data.jsonl (Alpaca), folder/frame.parquet (canonical), folder/texts.json; returns counts."""
    from winnow.curation.io.read import read_corpus
    from winnow.curation.record import field_expr

    jsonl = folder / "data.jsonl"
    with jsonl.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            record = dict(records[i % len(records)])
            record["instruction"] = f"{record['instruction']} #{i}"
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    frame = read_corpus([jsonl]).records
    frame.write_parquet(folder / "frame.parquet")
    texts: list[str] = []
    for name in TEXT_FIELDS:
        texts.extend(t for t in frame.select(field_expr(name)).to_series().to_list() if t and t.strip())
    (folder / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return {"rows": frame.height, "texts": len(texts), "unique_texts": len(set(texts))}


# ---------------------------------------------------------------- children (one side per fresh process)


def _child_winnow(folder: Path) -> tuple[int, dict[str, Any]]:
    import polars as pl

    from winnow.curation.language.section import parse_language
    from winnow.curation.language.stage import language_stage
    from winnow.curation.rulefile.load import read_merged
    from winnow.curation.rulefile.problems import Problems
    from winnow.curation.stages import StageContext

    problems = Problems("rules/default.yaml")
    raw = read_merged(ROOT / "rules" / "default.yaml", problems) or {}
    config = parse_language(raw.get("language"), "language", problems)
    problems.raise_if_any()
    frame = pl.read_parquet(folder / "frame.parquet", glob=False)
    loaded = time.process_time()
    with tempfile.TemporaryDirectory() as cache:
        ctx = StageContext(cache_dir=Path(cache))
        out = language_stage(frame, {"language": config}, ctx)
    detected = out.select(pl.col(f"lang.{f}") for f in TEXT_FIELDS)
    counts: dict[str, int] = {}
    for value in detected.unpivot()["value"].drop_nulls().to_list():
        counts[value] = counts.get(value, 0) + 1
    import winnow

    where = str(Path(winnow.__file__).resolve().parent.parent)
    return int(loaded * 1e6), {
        "languages": counts,
        "detector": ctx.stats["language"]["detector"],
        "from": where,
    }


def _child_py3langid(texts: list[str], unique: bool) -> tuple[int, dict[str, Any]]:
    import py3langid

    py3langid.classify("warm")  # its model loads on the first call: part of start-up
    loaded = time.process_time()
    if unique:
        answers = {text: py3langid.classify(text)[0] for text in dict.fromkeys(texts)}
        langs = [answers[text] for text in texts]
    else:
        langs = [py3langid.classify(text)[0] for text in texts]
    return int(loaded * 1e6), {"languages": _count(langs)}


def _child_lingua(texts: list[str], batch: bool) -> tuple[int, dict[str, Any]]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()
    loaded = time.process_time()  # lingua loads a language's model the first time it is needed
    found = (
        detector.detect_languages_in_parallel_of(texts)
        if batch
        else [detector.detect_language_of(text) for text in texts]
    )
    langs = [lang.iso_code_639_1.name.lower() if lang is not None else "und" for lang in found]
    return int(loaded * 1e6), {"languages": _count(langs)}


def _count(langs: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for lang in langs:
        counts[lang] = counts.get(lang, 0) + 1
    return counts


def child(side: str, folder: Path) -> None:
    if side.startswith("winnow"):
        loaded_us, result = _child_winnow(folder)
    else:
        texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
        if side.startswith("py3langid"):
            loaded_us, result = _child_py3langid(texts, unique=side == "py3langid_unique")
        else:
            loaded_us, result = _child_lingua(texts, batch=side == "lingua_low_batch")
    result["startup_cpu"] = loaded_us / 1e6
    result["cpu_in_process"] = time.process_time()
    print(json.dumps(result))


# ---------------------------------------------------------------- parent


def run_side(side: str, folder: Path, before: Path | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as fresh_cache:
        env = dict(os.environ)
        if side == "winnow_first_run":
            env["XDG_CACHE_HOME"] = fresh_cache
        if side == "winnow_before" and before is not None:
            env["PYTHONPATH"] = str(before)
        return _run_child(side, folder, env)


def _run_child(side: str, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", side, "--input", str(folder)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{side} failed (status {status})")
    result: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    result["wall"] = wall
    result["cpu"] = usage.ru_utime + usage.ru_stime
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000,200000")
    parser.add_argument("--sides", default=",".join(SIDES))
    parser.add_argument("--repeats", type=int, default=1, help="runs per side and size; the best CPU is kept")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--before", type=Path, help="a checkout whose winnow runs as the winnow_before side")
    parser.add_argument("--child", choices=CHILD_SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.input)
        return
    sides = [s for s in args.sides.split(",") if s] + (["winnow_before"] if args.before else [])
    records = _records()
    lines: list[str] = []
    loads = [_load()]
    rows_out: list[tuple[str, dict[str, int], str, dict[str, Any]]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            counts = write_input(folder, records, size)
            for side in sides:
                runs = [run_side(side, folder, args.before) for _ in range(args.repeats)]
                best = min(runs, key=lambda r: r["cpu"])
                rows_out.append((str(size), counts, side, best))
                print(
                    f"{size} {side}: cpu {best['cpu']:.2f} wall {best['wall']:.2f} load {_load()}", flush=True
                )
        loads.append(_load())
    lines.append(report(rows_out, loads, args))
    sys.path.insert(0, str(ROOT))  # imported here, not at the top: the children never need it
    from bench.history import write_results

    write_results(args.out, "\n".join(lines))  # hand-written notes below the marker are kept
    print(args.out.read_text(encoding="utf-8"))


def report(
    rows: list[tuple[str, dict[str, int], str, dict[str, Any]]], loads: list[str], args: argparse.Namespace
) -> str:
    command = f"python bench/langid_speed.py --sizes {args.sizes} --repeats {args.repeats}"
    if args.sides != ",".join(SIDES):
        command += f" --sides {args.sides}"
    if args.before:
        command += f" --before {args.before}"
    out = [
        "# The language stage vs py3langid and lingua, fresh processes (issue 24)",
        "",
        f"Produced by `{command}` (bench/langid_speed.py's docstring says what each side runs). Machine: 2 cores,",
        f"shared with other jobs; 1-, 5-, 15-minute load average at the start {loads[0]}, after each size",
        f"{'; '.join(loads[1:])}. CPU = user + system seconds of the whole process (interpreter start, imports,",
        "model load, input read, detection); `start-up` = the process's CPU before its first text. `vs",
        "py3langid` = the side's texts per CPU-second over py3langid's (per text), same texts, same run.",
        "",
        "| rows | texts (unique) | side | CPU s | start-up CPU s | wall s | texts per CPU-s | vs py3langid (CPU) "
        "| vs py3langid (wall) | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    base = {size: r for size, _, side, r in rows if side == "py3langid"}
    for size, counts, side, r in rows:
        ref = base.get(size)
        cpu = f"{ref['cpu'] / r['cpu']:.2f}x" if ref else "-"
        wall = f"{ref['wall'] / r['wall']:.2f}x" if ref else "-"
        out.append(
            f"| {int(size):,} | {counts['texts']:,} ({counts['unique_texts']:,}) | {side} | {r['cpu']:.2f} "
            f"| {r['startup_cpu']:.2f} | {r['wall']:.2f} | {counts['texts'] / r['cpu']:,.0f} | {cpu} | {wall} "
            f"| {r['peak_rss_mb']:,.0f} |"
        )
    winnow = {size: r for size, _, side, r in rows if side == "winnow"}
    out += ["", "winnow's stage against each side (texts per CPU-second, wall in brackets):", ""]
    others = [side for side in dict.fromkeys(side for _, _, side, _ in rows) if side != "winnow"]
    out += ["| rows | " + " | ".join(others) + " |", "|---|" + "---|" * len(others)]
    for size in dict.fromkeys(size for size, _, _, _ in rows):
        if size not in winnow:
            continue
        cells = []
        for side in others:
            r = next((r for s, _, sd, r in rows if s == size and sd == side), None)
            cells.append(
                f"{r['cpu'] / winnow[size]['cpu']:.2f}x ({r['wall'] / winnow[size]['wall']:.2f}x)"
                if r
                else "-"
            )
        out.append(f"| {int(size):,} | " + " | ".join(cells) + " |")
    out += ["", "Top answers per side (texts):", ""]
    for size, _, side, r in rows:
        top = sorted(r["languages"].items(), key=lambda kv: -kv[1])[:6]
        out.append(f"- {int(size):,} {side}: {top}")
    det = [(size, side, r) for size, _, side, r in rows if side.startswith("winnow")]
    out += ["", "winnow's detector stats (texts include the `messages` contents; unique after dedup):", ""]
    out += [
        f"- {int(size):,} {side} (winnow from {r['from']}): {json.dumps(r['detector'])}"
        for size, side, r in det
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
