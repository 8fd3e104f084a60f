"""Benchmark `winnow shard` on real instruction data against `datasets.map` + `apply_chat_template`.

    nice python bench/shard.py                 # ~13k rows (zh + en Alpaca, glaive tool calls), both tokenizers
    nice python bench/shard.py --limit 2000    # quicker

Measures, per tokenizer with its own chat template (Qwen3, Llama 3.1):
  * rows/s of our sharding (render once, batch-tokenize with offsets, label, decode-check, bucket, write)
    end to end and for the encoding alone, vs `datasets.Dataset.map(batched=True)` calling
    `apply_chat_template` on each batch (num_proc 1 and 2), as users write it — which gives input_ids only,
    no labels and no checks;
  * the exact-match rate of our input_ids vs apply_chat_template's (same messages, row by row);
  * padding efficiency of bucketed batches vs random-order pad-to-longest batches at the same token budget.
Reads ../shared/data; writes bench/out/shard/ and bench/results/shard.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.history import write_results  # noqa: E402
from winnow.curation.io.read import read_corpus  # noqa: E402
from winnow.curation.shard import buckets as bk  # noqa: E402
from winnow.curation.shard.conversation import conversation_from_row  # noqa: E402
from winnow.curation.shard.parallel import encode_chunks  # noqa: E402
from winnow.curation.shard.settings import ShardSettings  # noqa: E402
from winnow.curation.shard.templates import resolve_template  # noqa: E402
from winnow.curation.shard.tokenize import ROW_COLUMNS, Encoder  # noqa: E402
from winnow.curation.shard.writer import load_tokenizer, shard_run  # noqa: E402

SHARED = Path(os.environ.get("WINNOW_SHARED_DATA", ROOT.parent / "shared" / "data"))
INPUTS = [
    "llama_factory_demo/alpaca_zh_demo.json",
    "llama_factory_demo/alpaca_en_demo.json",
    "llama_factory_demo/glaive_toolcall_en_demo.json",
    "llama_factory_demo/glaive_toolcall_zh_demo.json",
    "alpaca_chinese_carbonz0/zh-data-part-00.json",
]
TOKENIZERS = ["qwen3", "llama3_1"]
OUT = ROOT / "bench" / "out" / "shard"
MAX_LEN = 8192  # long enough that no row is dropped, so every row is compared
REPEATS = 2
# CPU seconds of this process (its own threads included: the Rust tokenizer's pool for ours), 1-proc contenders
_CPU: dict[str, list[float]] = {"map1": [], "map2": [], "ours1": []}


def _cpu_with_children() -> float:
    """CPU seconds of this process (all threads) and of its finished children (datasets.map's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _baseline(tokenizer: Any, rows: list[dict[str, Any]], template: Any, num_proc: int) -> tuple[float, dict]:
    """datasets.map(batched=True) calling apply_chat_template on each batch; returns (seconds, id -> input_ids).

    A batch without tools goes to apply_chat_template as one list of conversations (rendered, then tokenized
    as a batch); apply_chat_template takes one `tools` for a whole batch, so a batch whose rows carry their
    own tools is rendered row by row (tokenize=False) and tokenized as one batch, which is what
    apply_chat_template(tokenize=True) does per row (add_special_tokens=False).
    """
    import datasets

    datasets.disable_caching()
    convs = [conversation_from_row(row, template) for row in rows]
    # JSON strings: Arrow would unify tool-call argument dicts into one struct (adding nulls), changing the text
    table = datasets.Dataset.from_dict(
        {
            "id": [row["id"] for row in rows],
            "messages": [json.dumps(c.messages, ensure_ascii=False) for c in convs],
            "tools": [json.dumps(c.tools, ensure_ascii=False) if c.tools else "" for c in convs],
        }
    )

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        conversations = [json.loads(m) for m in batch["messages"]]
        tools = [json.loads(t) if t else None for t in batch["tools"]]
        if not any(tools):
            out = tokenizer.apply_chat_template(conversations, tokenize=True, return_dict=True)
            return {"input_ids": out["input_ids"]}
        texts = [
            tokenizer.apply_chat_template(c, tools=t, tokenize=False)
            for c, t in zip(conversations, tools, strict=True)
        ]
        return {"input_ids": tokenizer(texts, add_special_tokens=False)["input_ids"]}

    start, cpu = time.perf_counter(), _cpu_with_children()
    mapped = table.map(
        encode,
        batched=True,
        num_proc=num_proc if num_proc > 1 else None,
        desc=f"apply_chat_template batched x{num_proc}",
    )
    seconds = time.perf_counter() - start
    _CPU[f"map{num_proc}"].append(_cpu_with_children() - cpu)
    return seconds, dict(zip(mapped["id"], mapped["input_ids"], strict=True))


def _our_ids(shard_dir: Path) -> dict[str, list[int]]:
    manifest = json.loads((shard_dir / "manifest.json").read_text())
    ids: dict[str, list[int]] = {}
    for split in manifest["splits"].values():
        for bucket in split["buckets"]:
            frame = pl.read_parquet(shard_dir / bucket["file"], columns=["id", "input_ids"], glob=False)
            ids.update(zip(frame["id"].to_list(), frame["input_ids"].to_list(), strict=True))
    return ids


def bench_tokenizer(name: str, run_dir: Path, frame: pl.DataFrame) -> dict[str, Any]:
    tok_path = SHARED / "tokenizers" / name
    out_dir = OUT / f"shards_{name}"
    shutil.rmtree(out_dir, ignore_errors=True)
    settings = ShardSettings(max_len=MAX_LEN)

    tokenizer = load_tokenizer(tok_path)
    template = resolve_template("auto", tokenizer)
    rows = frame.select(ROW_COLUMNS).to_dicts()
    encoder = Encoder(tokenizer, template, settings)

    # The machine is shared: each contender runs REPEATS times, interleaved, and the fastest run counts.
    for runs in _CPU.values():
        runs.clear()
    load = [os.getloadavg()[0]]
    end_to_end, timings, base1, base2 = [], {1: [], 2: []}, [], []
    reference: dict[str, list[int]] = {}
    for _ in range(REPEATS):
        shutil.rmtree(out_dir, ignore_errors=True)
        start = time.perf_counter()
        result = shard_run(run_dir, tok_path, out_dir, settings, workers=2)
        end_to_end.append(time.perf_counter() - start)
        for workers in (1, 2):
            start, cpu = time.perf_counter(), time.process_time()
            encode_chunks(encoder, frame.select(ROW_COLUMNS), workers=workers)
            timings[workers].append(time.perf_counter() - start)
            if workers == 1:
                _CPU["ours1"].append(time.process_time() - cpu)
        seconds, reference = _baseline(tokenizer, rows, template, 1)
        base1.append(seconds)
        seconds, reference2 = _baseline(tokenizer, rows, template, 2)
        base2.append(seconds)
        assert reference2 == reference  # the two baselines agree row by row
    load.append(os.getloadavg()[0])
    start = time.perf_counter()
    again = shard_run(run_dir, tok_path, out_dir, settings, workers=2)
    noop = time.perf_counter() - start
    assert again.reused
    ours = _our_ids(out_dir)
    compared = [row_id for row_id in reference if row_id in ours]
    exact = sum(ours[row_id] == reference[row_id] for row_id in compared)

    lengths = [len(ids) for ids in ours.values()]
    bounds = result.manifest["bucket_bounds"]
    padding = {
        budget: bk.padding_efficiency(lengths, bounds, budget, seed=0) for budget in (4096, 16384, 65536)
    }
    n = len(rows)
    return {
        "tokenizer": name,
        "rows": n,
        "sharded": len(ours),
        "dropped": result.manifest["dropped"]["by_reason"],
        "end_to_end_s": end_to_end,
        "noop_s": noop,
        "encode_s": timings,
        "baseline_s": {1: base1, 2: base2},
        "rows_per_s": {
            "ours_end_to_end_2proc": n / min(end_to_end),
            "ours_encode_1proc": n / min(timings[1]),
            "ours_encode_2proc": n / min(timings[2]),
            "datasets_map_1proc": n / min(base1),
            "datasets_map_2proc": n / min(base2),
        },
        "cpu_s": {
            "ours_encode_1proc": min(_CPU["ours1"]),
            "datasets_map_1proc": min(_CPU["map1"]),
            "datasets_map_2proc": min(_CPU["map2"]),
        },
        "load": load,
        "located": result.manifest["masking"].get("located", {}),
        "exact": exact,
        "compared": len(compared),
        "bounds": bounds,
        "padding": padding,
        "tokens": sum(lengths),
    }


NOTES = [
    "Notes:",
    "",
    "- Each contender ran REPEATS times, interleaved, on the full data; the fastest run is reported, because "
    "the 2-core machine was shared with other jobs (load averages in the CPU table). Wall-time ratios move "
    "by +-30 % between runs; treat them as indicative, not as a measurement on an idle machine.",
    "- 'encode' = render + tokenize + label + decode-check, no I/O; 'end-to-end' adds loading the tokenizer, "
    "the fingerprint, reading kept.parquet, bucketing, writing shards and saving the tokenizer (fixed costs "
    "of a few seconds). '1 proc' still lets the Rust tokenizer use its own threads.",
    "- The baseline is `datasets.map(encode, batched=True, num_proc=1 or 2)` (batches of 1,000, the default) "
    "with apply_chat_template on the batch, as users write it; messages travel as JSON strings because Arrow "
    "would unify tool-call argument dicts into one struct (adding nulls) and change the rendered text. Its "
    "time includes its fixed per-call costs (hashing the function and tokenizer for the cache fingerprint, "
    "Arrow writes); num_proc=2 adds process start-up. Until 2026-12-07 the baseline mapped one row at a "
    "time (the weaker baseline; its figures are kept in the history below).",
    "- Per row we render the conversation once, like apply_chat_template. The replies are found in that "
    "rendering with the layout (lead, decoration, close) learned once per template from probe "
    "conversations (curate/shard/layout.py); rows it cannot place verbatim fall back to prefix renderings "
    "(2 more renders per assistant turn), counted in the table above. The sandbox's attribute checks are "
    "memoised per (type, attribute) and message fields are read from plain dicts directly.",
    "- Exact match: our input_ids for every row vs apply_chat_template(tokenize=True, return_dict=True) on "
    "the same messages (tool calls as structured tool_calls for Qwen3, as JSON text for Llama 3.1's template).",
]


def _markdown(results: list[dict[str, Any]], inputs: list[str]) -> str:
    lines = [
        "# shard: tokenizing into bucketed shards vs datasets.map + apply_chat_template",
        "",
        f"Data: {', '.join(inputs)} ({results[0]['rows']:,} rows: zh + en Alpaca, glaive tool-call "
        "conversations), read with winnow.curation.io.read.read_corpus. Machine: 2 cores shared with other jobs "
        "(timings are noisy; measured under `nice`). Produced by `python bench/shard.py`.",
        "",
        "Ours = render each conversation once (replies located with the layout learned once per template; "
        "prefix renderings only as the fallback), batch-tokenize with offsets, label, decode-check every "
        "trained span, bucket and write Parquet; the baseline only produces input_ids.",
        "",
        "| tokenizer | ours end-to-end (2 proc) | ours encode 1 proc | ours encode 2 proc "
        "| datasets.map batched 1 proc | datasets.map batched 2 proc | speed-up (e2e vs map 2 proc / 1 proc) "
        "| speed-up (encode 2 proc vs map 2 proc) | speed-up (encode 1 proc vs map 1 proc) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rps = r["rows_per_s"]
        lines.append(
            f"| {r['tokenizer']} | {rps['ours_end_to_end_2proc']:,.0f} rows/s | {rps['ours_encode_1proc']:,.0f} "
            f"| {rps['ours_encode_2proc']:,.0f} | {rps['datasets_map_1proc']:,.0f} | {rps['datasets_map_2proc']:,.0f} "
            f"| {rps['ours_end_to_end_2proc'] / rps['datasets_map_2proc']:.2f}x "
            f"/ {rps['ours_end_to_end_2proc'] / rps['datasets_map_1proc']:.2f}x "
            f"| {rps['ours_encode_2proc'] / rps['datasets_map_2proc']:.2f}x "
            f"| {rps['ours_encode_1proc'] / rps['datasets_map_1proc']:.2f}x |"
        )
    lines += [
        "",
        "CPU seconds for the whole data (best run; this process and its threads, so ours counts the Rust "
        "tokenizer's pool on both cores; map 2 proc adds its finished workers): less sensitive to the other "
        "jobs than wall time.",
        "",
        "| tokenizer | ours encode 1 proc | datasets.map batched 1 proc | ratio | datasets.map batched 2 proc "
        "(with workers) | load average (start, end) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        cpu = r["cpu_s"]
        lines.append(
            f"| {r['tokenizer']} | {cpu['ours_encode_1proc']:.2f} s | {cpu['datasets_map_1proc']:.2f} s "
            f"| {cpu['datasets_map_1proc'] / cpu['ours_encode_1proc']:.2f}x "
            f"| {cpu['datasets_map_2proc']:.2f} s | {r['load'][0]:.1f}, {r['load'][1]:.1f} |"
        )
    lines += [
        "",
        "| tokenizer | input_ids equal to apply_chat_template | rows dropped | re-shard (no-op) "
        "| conversations located by prefix renders (fallback) | layout learned |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        rate = r["exact"] / r["compared"] if r["compared"] else 0.0
        layout = r["located"].get("layout")
        learned = "none" if layout is None else json.dumps(layout, ensure_ascii=False).replace("|", "\\|")
        lines.append(
            f"| {r['tokenizer']} | {r['exact']:,} / {r['compared']:,} ({rate:.2%}) | {r['dropped'] or 'none'} "
            f"| {r['noop_s']:.1f} s | {r['located'].get('by_prefixes', 'n/a')} of {r['rows']:,} | {learned} |"
        )
    lines += [
        "",
        "Padding efficiency (real tokens / padded tokens; greedy batches up to the token budget, "
        "pad to longest; same seeded order within buckets as globally):",
        "",
        "| tokenizer | buckets | budget | bucketed | random order | batches bucketed / random |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        for budget, p in r["padding"].items():
            lines.append(
                f"| {r['tokenizer']} | {r['bounds']} | {budget:,} | {p['bucketed']['efficiency']:.1%} "
                f"| {p['random']['efficiency']:.1%} | {p['bucketed']['batches']:,} / {p['random']['batches']:,} |"
            )
    lines += ["", *NOTES]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only the first N rows")
    args = parser.parse_args()
    missing = [p for p in INPUTS if not (SHARED / p).exists()]
    if missing:
        sys.exit(f"needs ../shared/data ({', '.join(missing)} absent)")
    frame = read_corpus([str(SHARED / p) for p in INPUTS]).records
    if args.limit:
        frame = frame.head(args.limit)
    run_dir = OUT / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(run_dir / "kept.parquet")
    results = []
    for name in TOKENIZERS:
        print(f"benchmarking {name} on {frame.height:,} rows ...", flush=True)
        results.append(bench_tokenizer(name, run_dir, frame))
        print(json.dumps(results[-1]["rows_per_s"], indent=1), flush=True)
    text = _markdown(results, INPUTS)
    # the hand-written history below the marker survives a re-run; the tables above it are regenerated
    write_results(ROOT / "bench" / "results" / "shard.md", text)
    print(text)


if __name__ == "__main__":
    main()
