"""Benchmark the dedup stage against a datasketch loop, a rensa loop, brute-force Jaccard and Clough & Stevenson.

Run from the repository root (other jobs share the cores, so be nice):

    nice -n 10 python bench/dedup.py                      # 200k rows, writes bench/results/dedup.md
    nice -n 10 python bench/dedup.py --rows 20000 --baseline-rows 1000 --quality-rows 3000 --output bench/out/smoke.md

Corpus: every Alpaca-format row of the real instruction sets in ../shared/data (en, zh, code, math,
GPTeacher), then planted near-copies of random rows (token substitutions, insertions, deletions,
punctuation changes, mixes of them) until there are --rows rows. Generated under bench/out/.

1. Throughput, same rows, same shingles, same (bands, rows): winnow's find_duplicates (exact + MinHash LSH +
   verification + clusters + keep policy) vs two loops a competent user writes:
   - datasketch: per document `MinHash()` + `update_batch(shingles)` + `MinHashLSH.query` + `insert`;
   - rensa (Rust MinHash + LSH, when installed): per document `RMinHash()` + `update(shingles)` +
     `RMinHashLSH.query`, each candidate verified by exact Jaccard of the shingle sets (as winnow verifies),
     + `insert`. rensa needs num_perm divisible by the bands, so it signs bands x rows permutations (120 for
     20 x 6): the same LSH, without the 8 permutations winnow signs but no band reads.
   Each loop is given the corpus rows, as the stage is, and makes the texts its shingles are cut from
   inside its timing (`loop_texts`: the key's text, normalized by winnow's own compiled normalizing, and
   each text's script); until session 12 the loops were handed those texts ready, which the stage is not.
   The datasketch loop runs on the first --baseline-rows rows and is extrapolated linearly (its cost per row
   does not depend on corpus size; the LSH query grows with it, so the extrapolation flatters it). The rensa
   loop runs on those rows too, and on the first --rensa-rows rows (default: every row, the texts winnow
   measures: its LSH queries and verifications grow with the corpus, as winnow's do).
   winnow is measured twice: `find_duplicates` in this process (no cache), and the dedup stage as a cold
   `winnow curate` runs it (`dedup_stage` with an empty cache folder: its dedup memo hashes, stores and
   saves what it computed), both with 1 worker, CPU time of the process.
2. Quality on a --quality-rows subset: every pair with true Jaccard >= threshold, found by brute force
   (sparse X @ X.T over the exact shingle sets = intersection counts of ALL pairs), vs the pairs winnow
   reports, with and without verification.
3. Clough & Stevenson text reuse: each student answer vs its Wikipedia source, flagged or not, per category.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.history import write_results  # noqa: E402
from winnow.curation.dedup.config import SHINGLE_HASHES, DedupConfig, NearConfig  # noqa: E402
from winnow.curation.dedup.find import find_duplicates  # noqa: E402
from winnow.curation.dedup.near import near_duplicates, near_texts, resolve_bands_rows, shingle_spec  # noqa: E402
from winnow.curation.dedup.normalize import key_expr  # noqa: E402
from winnow.curation.dedup.shingle_mix import mix64_hashfunc  # noqa: E402
from winnow.curation.dedup.shingles import prepared, python_shingles  # noqa: E402
from winnow.curation.dedup.signing import SignSpec, sign_batch  # noqa: E402
from winnow.curation.dedup.stage import dedup_stage  # noqa: E402
from winnow.curation.ledger import with_ledger  # noqa: E402
from winnow.curation.record import frame_from_rows  # noqa: E402
from winnow.curation.stages import StageContext  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results" / "dedup.md"
SOURCES = [
    "llama_factory_demo/alpaca_en_demo.json",
    "llama_factory_demo/alpaca_zh_demo.json",
    "alpaca_chinese_carbonz0/zh-data-part-00.json",
    "alpaca_chinese_carbonz0/zh-data-part-01.json",
    "alpaca_data_cleaned/gsm_8k_train.json",
    "alpaca_data_cleaned/gpteacher_roleplay_deduped.json",
    "alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json",
    "alpaca_data_cleaned/gpteacher_toolformer_similarity_0.6.json",
    "alpaca_data_cleaned/gpteacher_toolformer_similarity_0.9.json",
    "codealpaca/code_alpaca_2k.json",
    "codealpaca/new_codealpaca.json",
]
PUNCT = [",", ".", "!", "?", ";", ":", "，", "。", "！", "？"]


# ---- corpus -----------------------------------------------------------------------------------------------


def real_rows() -> list[dict[str, Any]]:
    rows = []
    for name in SOURCES:
        for i, item in enumerate(json.loads((SHARED / name).read_text("utf-8"))):
            rows.append(
                {
                    "instruction": str(item.get("instruction") or ""),
                    "input": str(item.get("input") or ""),
                    "output": str(item.get("output") or item.get("response") or ""),
                    "source": name,
                    "line": i,
                }
            )
    return rows


def _edit_text(text: str, kind: str, rng: random.Random, vocab: list[str]) -> str:
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") > len(text) * 0.3
    units: list[str] = list(text) if cjk else text.split(" ")
    if not units:
        return text
    pos = rng.randrange(len(units))
    if kind == "substitute":
        units[pos] = rng.choice(vocab) if not cjk else chr(0x4E00 + rng.randrange(20000))
    elif kind == "insert":
        units.insert(pos, rng.choice(vocab) if not cjk else chr(0x4E00 + rng.randrange(20000)))
    elif kind == "delete" and len(units) > 1:
        del units[pos]
    elif kind == "punctuation":
        units[pos] = units[pos] + rng.choice(PUNCT)
    return ("" if cjk else " ").join(units)


def planted_copy(row: dict[str, Any], rng: random.Random, vocab: list[str]) -> tuple[dict[str, Any], str]:
    """A near-copy: 1-6 edits of one kind or mixed, on the instruction, input or output."""
    kind = rng.choice(["substitute", "insert", "delete", "punctuation", "mixed"])
    copy = dict(row)
    for _ in range(rng.randint(1, 6)):
        field = rng.choice(["instruction", "instruction", "input", "output"])
        if not copy[field]:
            field = "instruction"
        edit = rng.choice(["substitute", "insert", "delete", "punctuation"]) if kind == "mixed" else kind
        copy[field] = _edit_text(copy[field], edit, rng, vocab)
    return copy, kind


def build_corpus(n_rows: int, seed: int = 1234) -> pl.DataFrame:
    rng = random.Random(seed)
    pool = real_rows()
    vocab = sorted({w for r in pool[:5000] for w in r["instruction"].split()})
    rows = [dict(r, origin=i, edit="original") for i, r in enumerate(pool)][:n_rows]
    while len(rows) < n_rows:
        origin = rng.randrange(len(pool))
        copy, kind = planted_copy(pool[origin], rng, vocab)
        rows.append(dict(copy, origin=origin, edit=kind, source="planted", line=len(rows)))
    order = list(range(len(rows)))
    rng.shuffle(order)  # copies must not sit next to their originals
    records = []
    for position, index in enumerate(order):
        r = rows[index]
        records.append(
            {
                "id": f"b{position:07d}",
                "source": r["source"],
                "line": r["line"],
                "kind": "sft",
                "messages": [
                    {"role": "user", "content": r["instruction"]},
                    {"role": "assistant", "content": r["output"]},
                ],
                "input": r["input"] or None,
                "meta": json.dumps({"origin": r["origin"], "edit": r["edit"]}),
            }
        )
    return frame_from_rows(records)


# ---- 1. throughput ----------------------------------------------------------------------------------------


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its finished children (the signing workers).

    Other jobs share the cores, so wall time is noisy; CPU time is what the work itself cost.
    """
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def loop_texts(rows: pl.DataFrame, key: str, config: NearConfig) -> tuple[list[str | None], list[bool]]:
    """What a loop needs to cut the stage's shingles from the rows: the key's text normalized as the stage
    normalizes it, and each text's script (CJK texts are shingled by characters). Every loop pays this inside
    its timing, as the stage does: with texts given normalized, a loop would skip work the stage does (this
    uses winnow's own compiled normalizing, the cheapest way there is to the same texts)."""
    texts = near_texts(rows.select(key_expr(key).alias("k"))["k"], config)
    return texts.to_list(), prepared(texts, shingle_spec(config))["is_cjk"].to_list()


def baseline_loop(rows: pl.DataFrame, key: str, config: NearConfig) -> tuple[float, float]:
    """Rows per second of the per-document datasketch loop, `update_batch` per document (wall, CPU)."""
    from datasketch import MinHash, MinHashLSH

    bands, band_rows = resolve_bands_rows(config)
    spec = shingle_spec(config)
    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm, params=(bands, band_rows))
    started, cpu = time.perf_counter(), cpu_seconds()
    texts, is_cjk = loop_texts(rows, key, config)
    for i, (text, cjk) in enumerate(zip(texts, is_cjk, strict=True)):
        m = MinHash(num_perm=config.num_perm, seed=config.seed)  # datasketch's own hashfunc, as users run it
        m.update_batch([shingle.encode("utf-8") for shingle in python_shingles(text or "", cjk, spec)])
        lsh.query(m)
        lsh.insert(i, m)
    return len(texts) / (time.perf_counter() - started), len(texts) / (cpu_seconds() - cpu)


def rensa_loop(rows: pl.DataFrame, key: str, config: NearConfig) -> tuple[float, float, int] | None:
    """Rows per second of a per-document rensa loop with exact verification (wall, CPU, verified pairs).

    None when rensa is not installed (`pip install rensa`).
    """
    try:
        from rensa import RMinHash, RMinHashLSH
    except ImportError:
        return None
    bands, band_rows = resolve_bands_rows(config)
    spec = shingle_spec(config)
    lsh = RMinHashLSH(threshold=config.threshold, num_perm=bands * band_rows, num_bands=bands)
    kept: list[set[str]] = []
    verified = 0
    started, cpu = time.perf_counter(), cpu_seconds()
    texts, is_cjk = loop_texts(rows, key, config)
    for i, (text, cjk) in enumerate(zip(texts, is_cjk, strict=True)):
        shingles = python_shingles(text or "", cjk, spec)
        m = RMinHash(num_perm=bands * band_rows, seed=config.seed)
        m.update(list(shingles))
        for j in lsh.query(m):  # exact Jaccard of the shingle sets, as winnow verifies
            other = kept[j]
            inter = len(shingles & other)
            union = len(shingles) + len(other) - inter
            verified += union > 0 and inter / union >= config.threshold
        kept.append(shingles)
        lsh.insert(i, m)
    return len(texts) / (time.perf_counter() - started), len(texts) / (cpu_seconds() - cpu), verified


def check_same_signatures(texts: list[str], is_cjk: list[bool], config: NearConfig) -> bool:
    from datasketch import MinHash

    bands, rows = resolve_bands_rows(config)
    spec = shingle_spec(config)
    ours = sign_batch(texts, SignSpec(spec, config.num_perm, config.seed, config.scheme, bands, rows))[0]
    for i, (text, cjk) in enumerate(zip(texts, is_cjk, strict=True)):
        if config.shingle_hash == "sha1":  # datasketch's default hashfunc, sha1_hash32
            m = MinHash(num_perm=config.num_perm, seed=config.seed)
        else:  # the same hash of each shingle, given to datasketch as its hashfunc
            m = MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=mix64_hashfunc(cjk))
        m.update_batch([shingle.encode("utf-8") for shingle in python_shingles(text or "", cjk, spec)])
        if not np.array_equal(m.hashvalues.astype(np.uint64), ours[i].astype(np.uint64)):
            return False
    return True


def stage_cold(frame: pl.DataFrame, config: DedupConfig) -> dict[str, Any]:
    """The dedup stage as a cold `winnow curate` runs it: an empty cache folder (the stage cache misses; the
    dedup memo starts empty, computes everything and saves it), 1 worker. CPU seconds of this process."""
    import tempfile

    ledgered = with_ledger(frame)
    with tempfile.TemporaryDirectory(prefix="winnow-bench-dedup-") as cache:
        ctx = StageContext(cache_dir=Path(cache), workers=1)
        started, cpu = time.perf_counter(), cpu_seconds()
        dedup_stage(ledgered, {"dedup": config}, ctx)
        seconds, cpu_used = time.perf_counter() - started, cpu_seconds() - cpu
    stats = ctx.stats["dedup"]
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_used,
        "dropped": stats["dropped"],
        "clusters": stats["clusters"],
        "stage_cache": stats["stage_cache"],
        "memo": stats.get("memo"),
    }


def throughput(
    frame: pl.DataFrame, key: str, baseline_rows: int, rensa_rows: int, log: Callable[[str], None]
) -> dict[str, Any]:
    config = DedupConfig(key=key)
    keys = frame.select(key_expr(key).alias("k"))["k"]
    texts = near_texts(keys, config.near)
    flags = prepared(texts, shingle_spec(config.near))["is_cjk"]
    sample_texts = texts.head(baseline_rows).to_list()
    sample_flags = flags.head(baseline_rows).to_list()
    same = check_same_signatures(sample_texts[:300], sample_flags[:300], config.near)
    log(f"[{key}] datasketch loop on {len(sample_texts):,} rows ...")
    base_rate, base_cpu_rate = baseline_loop(frame.head(baseline_rows), key, config.near)
    # rensa on the sample (comparable with the datasketch loop) and on --rensa-rows (the texts winnow measures)
    rensa_runs: list[dict[str, Any]] = []
    for size in dict.fromkeys((len(sample_texts), min(rensa_rows, len(texts)))):
        log(f"[{key}] rensa loop (with exact verification) on {size:,} rows ...")
        found = rensa_loop(frame.head(size), key, config.near)
        if found is not None:
            rensa_runs.append({"rate": found[0], "cpu_rate": found[1], "verified": found[2], "rows": size})
    result: dict[str, Any] = {
        "key": key,
        "baseline_rows_measured": len(sample_texts),
        "baseline_rate": base_rate,
        "baseline_cpu_rate": base_cpu_rate,
        "rensa": rensa_runs,
    }
    result["baseline_seconds_extrapolated"] = frame.height / base_rate
    result["rows"] = frame.height
    result["same_signatures"] = same
    n_shingles = sum(
        len(python_shingles(t or "", c, shingle_spec(config.near)))
        for t, c in zip(sample_texts[:2000], sample_flags[:2000], strict=True)
    )
    result["mean_shingles"] = n_shingles / max(1, min(2000, len(sample_texts)))
    for workers in (2, 1):
        log(f"[{key}] winnow find_duplicates, {workers} worker(s), {frame.height:,} rows ...")
        started, cpu = time.perf_counter(), cpu_seconds()
        out, report = find_duplicates(frame, config, workers=workers)
        seconds = time.perf_counter() - started
        result[f"winnow_cpu_seconds_w{workers}"] = cpu_seconds() - cpu
        result[f"winnow_seconds_w{workers}"] = seconds
        result[f"winnow_rate_w{workers}"] = frame.height / seconds
        result["dropped"] = report.stats["dropped"]
        result["near"] = report.stats["near"]
        result["clusters"] = report.stats["clusters"]
        del out
    log(f"[{key}] winnow dedup stage, cold (empty cache folder), 1 worker, {frame.height:,} rows ...")
    result["stage_cold"] = stage_cold(frame, config)
    # the cost of listing every pair at full size (quadratic in bucket size): 1 worker, CPU time
    log(f"[{key}] winnow find_duplicates with report_pairs, 1 worker, {frame.height:,} rows ...")
    pairs_config = dataclasses.replace(config, near=dataclasses.replace(config.near, report_pairs=True))
    started, cpu = time.perf_counter(), cpu_seconds()
    out, report = find_duplicates(frame, pairs_config, workers=1)
    result["pairs_run"] = {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu,
        "candidates": report.stats["near"]["candidate_pairs"],
        "pairs": report.stats["pairs_reported"],
        "dropped": report.stats["dropped"],
        "clusters": report.stats["clusters"],
        "max_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }
    del out, report
    return result


def sweep(
    frame: pl.DataFrame, keys: list[str], sizes: list[int], log: Callable[[str], None], repeats: int = 3
) -> str:
    """By corpus size: the rensa loop and the dedup stage (cold, 1 worker) on the same first N rows, in a warm
    process (imports done and compiled kernels loaded by a 500-row run first: rensa's import is untimed too),
    each the least CPU time of `repeats` runs, taken in turn."""
    stage_cold(frame.head(500), DedupConfig(key=keys[0]))
    lines = [
        f"| key | rows | rensa loop rows per CPU-s (pairs verified) | winnow stage cold rows per CPU-s (CPU s) "
        f"| stage / rensa (CPU, best of {repeats}) |",
        "|---|---|---|---|---|",
    ]
    for key in keys:
        config = DedupConfig(key=key)
        for size in sizes:
            head = frame.head(size)
            log(f"[{key}] sweep: rensa loop and the stage on {head.height:,} rows, {repeats} times ...")
            found: tuple[float, float, int] | None = None
            cpu = float("inf")
            for _ in range(repeats):
                run = rensa_loop(head, key, config.near)
                if run is not None and (found is None or run[1] > found[1]):
                    found = run
                cpu = min(cpu, stage_cold(head, config)["cpu_seconds"])
            ours = head.height / cpu
            if found is None:
                lines.append(f"| {key} | {head.height:,} | not installed | {ours:,.0f} ({cpu:.3f}) | - |")
                continue
            lines.append(
                f"| {key} | {head.height:,} | {found[1]:,.0f} ({found[2]:,}) | {ours:,.0f} "
                f"({cpu:.3f}) | {ours / found[1]:.2f}x |"
            )
    return "\n".join(lines)


# ---- 2. quality vs brute force ----------------------------------------------------------------------------


def quality_subset(frame: pl.DataFrame, n: int, seed: int = 7) -> pl.DataFrame:
    """Whole families (an original and its planted copies) until n rows, so true pairs are present."""
    origins = frame.select(pl.col("meta").str.json_path_match("$.origin").cast(pl.Int64).alias("origin"))
    frame = frame.with_columns(origins)
    families = frame["origin"].unique().sort().to_list()
    random.Random(seed).shuffle(families)
    sizes = dict(frame.group_by("origin").len().iter_rows())
    chosen, total = [], 0
    for family in families:
        if total >= n:
            break
        chosen.append(family)
        total += sizes[family]
    return frame.filter(pl.col("origin").is_in(chosen)).head(n).drop("origin")


def brute_force_pairs(
    texts: list[str], is_cjk: list[bool], config: NearConfig
) -> dict[tuple[int, int], float]:
    """Every pair with Jaccard >= threshold: X @ X.T gives the intersection of all pairs at once."""
    from scipy import sparse

    spec = shingle_spec(config)
    vocab: dict[str, int] = {}
    indptr, indices = [0], []
    for text, cjk in zip(texts, is_cjk, strict=True):
        for s in python_shingles(text or "", cjk, spec):
            indices.append(vocab.setdefault(s, len(vocab)))
        indptr.append(len(indices))
    x = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.int32), indices, indptr), shape=(len(texts), len(vocab))
    )
    sizes = np.diff(x.indptr)
    xt = x.T.tocsr()
    pairs: dict[tuple[int, int], float] = {}
    for lo in range(0, len(texts), 1000):
        block = (x[lo : lo + 1000] @ xt).tocoo()
        a, b, inter = block.row + lo, block.col, block.data
        keep = a < b
        a, b, inter = a[keep], b[keep], inter[keep]
        jac = inter / (sizes[a] + sizes[b] - inter)
        hit = jac >= config.threshold - 1e-12
        for i, j, v in zip(a[hit].tolist(), b[hit].tolist(), jac[hit].tolist(), strict=True):
            pairs[(i, j)] = v
    return pairs


QUALITY_MODES = (
    # (label, report_pairs, verify): the default clusters; every pair reported, with and without verification
    ("default (cluster edges)", False, True),
    ("report_pairs", True, True),
    ("report_pairs, verify off", True, False),
)


def quality(frame: pl.DataFrame, key: str, log: Callable[[str], None]) -> dict[str, Any]:
    config = DedupConfig(key=key)
    keys = frame.select(key_expr(key).alias("k"))["k"]
    texts = near_texts(keys, config.near)
    flags = prepared(texts, shingle_spec(config.near))["is_cjk"].to_list()
    log(f"[{key}] brute force all pairs on {frame.height:,} rows ...")
    started = time.perf_counter()
    truth = brute_force_pairs(texts.to_list(), flags, config.near)
    brute_seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "key": key,
        "rows": frame.height,
        "true_pairs": len(truth),
        "brute_seconds": brute_seconds,
        "modes": [],
    }
    position = {row_id: i for i, row_id in enumerate(frame["id"].to_list())}
    for label, report_pairs, verify in QUALITY_MODES:
        near = dataclasses.replace(config.near, verify=verify, report_pairs=report_pairs)
        started, cpu = time.perf_counter(), cpu_seconds()
        out, report = find_duplicates(frame, dataclasses.replace(config, near=near), workers=2)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        if report.pairs is not None:  # every pair of rows the tool reports
            pairs = report.pairs
            predicted = {
                (position[a], position[b])
                for a, b in zip(pairs["id_a"].to_list(), pairs["id_b"].to_list(), strict=True)
            }
            edges = None
        else:  # only the verified edges that build the clusters (what the default mode has)
            predicted, edges = None, report.stats["near"]["duplicate_pairs"]
        clusters = out["dup_cluster"].to_list()
        labels = [f"single-{i}" if c is None else c for i, c in enumerate(clusters)]
        same_cluster = sum(1 for a, b in truth if labels[a] == labels[b])
        sizes = np.array(list(out.group_by("dup_cluster").len().drop_nulls()["len"]), dtype=np.int64)
        clustered_pairs = int((sizes * (sizes - 1) // 2).sum())  # every pair that ends in one cluster
        entry: dict[str, Any] = {
            "mode": label,
            "edges": edges,
            "cluster_recall": same_cluster / len(truth) if truth else 1.0,
            "cluster_precision": same_cluster / clustered_pairs if clustered_pairs else 1.0,
            "candidates": report.stats["near"]["candidate_pairs"],
            "seconds": seconds,
            "cpu_seconds": cpu,
            "dropped": report.stats["dropped"],
        }
        if predicted is not None:
            hits = len(predicted & truth.keys())
            entry |= {
                "predicted_pairs": len(predicted),
                "precision": hits / len(predicted) if predicted else 1.0,
                "recall": hits / len(truth) if truth else 1.0,
            }
        result["modes"].append(entry)
    return result


def seed_recall(frame: pl.DataFrame, key: str, seeds: int, log: Callable[[str], None]) -> list[str]:
    """Pair recall of `report_pairs` (precision asserted 1.0) per shingle hash over MinHash seeds 1..seeds on
    the quality subset: how far one seed's recall moves by chance, against how far the hash moves it."""
    config = DedupConfig(key=key)
    texts = near_texts(frame.select(key_expr(key).alias("k"))["k"], config.near)
    flags = prepared(texts, shingle_spec(config.near))["is_cjk"].to_list()
    truth = brute_force_pairs(texts.to_list(), flags, config.near)
    position = {row_id: i for i, row_id in enumerate(frame["id"].to_list())}
    lines = []
    for shingle_hash in SHINGLE_HASHES:
        recalls = []
        for seed in range(1, seeds + 1):
            log(f"[{key}] {shingle_hash}, seed {seed} ...")
            near = dataclasses.replace(config.near, report_pairs=True, shingle_hash=shingle_hash, seed=seed)
            _, report = find_duplicates(frame, dataclasses.replace(config, near=near), workers=2)
            assert report.pairs is not None
            ids = zip(report.pairs["id_a"].to_list(), report.pairs["id_b"].to_list(), strict=True)
            predicted = {(position[a], position[b]) for a, b in ids}
            hits = len(predicted & truth.keys())
            assert hits == len(predicted), "a reported pair below the threshold"
            recalls.append(hits / len(truth))
        spread = statistics.stdev(recalls) if len(recalls) > 1 else 0.0
        lines.append(
            f"| {key} | {shingle_hash} | {' '.join(f'{r:.4f}' for r in recalls)} | "
            f"{statistics.mean(recalls):.4f} +- {spread:.4f} |"
        )
    return lines


# ---- 3. Clough & Stevenson ---------------------------------------------------------------------------------


def clough_stevenson(
    thresholds: tuple[float, ...], containment_thresholds: tuple[float, ...]
) -> dict[str, Any]:
    rows = [
        json.loads(line)
        for line in (SHARED / "clough_stevenson_reuse" / "pairs_dev.jsonl").read_text("utf-8").splitlines()
    ]
    sources = sorted({r["source_text"] for r in rows})
    texts = pl.Series(sources + [r["text"] for r in rows])
    groups = np.array([0] * len(sources) + [1] * len(rows), dtype=np.int8)
    source_index = {s: i for i, s in enumerate(sources)}
    table: list[dict[str, Any]] = []
    settings = [("jaccard", t) for t in thresholds] + [("containment", t) for t in containment_thresholds]
    for measure, threshold in settings:
        config = NearConfig(threshold=threshold, measure=measure)
        found = near_duplicates(texts, config, workers=1, groups=groups, all_pairs=True)
        flagged = {
            (a, b) for a, b in zip(found.pairs["a"].to_list(), found.pairs["b"].to_list(), strict=True)
        }
        per: dict[str, list[int]] = {}
        for k, r in enumerate(rows):
            hit = (source_index[r["source_text"]], len(sources) + k) in flagged
            per.setdefault(r["category"], [0, 0])
            per[r["category"]][0] += int(hit)
            per[r["category"]][1] += 1
        table.append(
            {
                "measure": measure,
                "threshold": threshold,
                "candidate_jaccard": config.candidate_jaccard(),
                "per_category": per,
                "bands": found.bands,
                "rows": found.rows,
                "candidates": found.candidates,
            }
        )
    jaccards: dict[str, list[float]] = {}
    containments: dict[str, list[float]] = {}
    config = NearConfig()
    spec = shingle_spec(config)
    prepped = near_texts(texts, config).to_list()
    for k, r in enumerate(rows):
        a = python_shingles(prepped[len(sources) + k], False, spec)
        b = python_shingles(prepped[source_index[r["source_text"]]], False, spec)
        jaccards.setdefault(r["category"], []).append(round(len(a & b) / len(a | b), 2))
        containments.setdefault(r["category"], []).append(round(len(a & b) / min(len(a), len(b)), 2))
    return {
        "table": table,
        "pairs": len(sources) * len(rows),
        "jaccard": {c: sorted(v) for c, v in jaccards.items()},
        "containment": {c: sorted(v) for c, v in containments.items()},
    }


# ---- report ------------------------------------------------------------------------------------------------


def render(
    args: argparse.Namespace,
    corpus_info: dict[str, Any],
    runs: list[dict[str, Any]],
    qual: list[dict[str, Any]],
    cs: dict[str, Any],
) -> str:
    lines = [
        "# dedup benchmark",
        "",
        f"Command: `nice -n 10 python bench/dedup.py --rows {args.rows} --baseline-rows {args.baseline_rows} "
        f"--quality-rows {args.quality_rows}"
        + (f" --rensa-rows {args.rensa_rows}" if args.rensa_rows is not None else "")
        + "`. Machine: 2 cores shared with other jobs (timings are noisy).",
        "",
        f"Corpus: {corpus_info['rows']:,} rows = {corpus_info['real']:,} real Alpaca-format rows from ../shared/data "
        f"+ {corpus_info['planted']:,} planted near-copies (edits per copy 1-6; kinds {corpus_info['kinds']}), shuffled.",
        "Settings: stage defaults (num_perm 128, threshold 0.7, word 3-grams / CJK character 3-grams, "
        "punctuation-blind shingles, verification on, keep longest_response).",
        "",
        "## 1. Throughput (same rows, same shingles, same bands x rows)",
        "",
        "| key | mean shingles/row | datasketch `update_batch` loop rows/s wall / CPU (measured on) | loop, whole corpus (extrapolated, wall) | winnow 2 workers wall | winnow 1 worker wall | speed-up wall (2 w / 1 w) | speed-up CPU time (1 w) | signatures equal datasketch's (same hashfunc) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['key']} | {r['mean_shingles']:.0f} | {r['baseline_rate']:,.0f} / {r['baseline_cpu_rate']:,.0f} "
            f"({r['baseline_rows_measured']:,} rows) | "
            f"{r['baseline_seconds_extrapolated']:,.0f} s | {r['winnow_seconds_w2']:.1f} s ({r['winnow_rate_w2']:,.0f} rows/s) | "
            f"{r['winnow_seconds_w1']:.1f} s ({r['winnow_rate_w1']:,.0f} rows/s) | "
            f"{r['winnow_rate_w2'] / r['baseline_rate']:.1f}x / {r['winnow_rate_w1'] / r['baseline_rate']:.1f}x | "
            f"{(r['rows'] / r['winnow_cpu_seconds_w1']) / r['baseline_cpu_rate']:.1f}x | {r['same_signatures']} |"
        )
    lines += [
        "",
        "winnow times are end to end (normalize, exact groups, signatures, bands, candidates, exact-Jaccard "
        "verification, union-find, keep policy, explanation columns); the datasketch loop only signs and indexes. "
        "The loops are measured on the first rows and extrapolated linearly (said above).",
        "",
        "rensa loop (Rust MinHash + LSH, `RMinHash.update(shingles)`, `RMinHashLSH.query` + `insert`, every "
        "candidate verified by exact Jaccard of the shingle sets; same shingles, bands x rows, threshold). "
        "winnow: `find_duplicates` (no cache) and the dedup stage as a cold `winnow curate` runs it (empty "
        "cache folder, memo computed and saved), 1 worker each, rows per CPU-second of the process:",
        "",
        "| key | rensa loop rows/s wall / CPU (measured on) | pairs verified in the loop | winnow find_duplicates rows per CPU-s | winnow / rensa (CPU) | winnow stage cold rows per CPU-s (CPU s) | stage / rensa (CPU) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        ours = r["rows"] / r["winnow_cpu_seconds_w1"]
        cold = r["stage_cold"]
        staged = r["rows"] / cold["cpu_seconds"]
        staged_cell = f"{staged:,.0f} ({cold['cpu_seconds']:.1f})"
        if not r["rensa"]:
            lines.append(f"| {r['key']} | not installed | - | {ours:,.0f} | - | {staged_cell} | - |")
            continue
        for rs in r["rensa"]:
            lines.append(
                f"| {r['key']} | {rs['rate']:,.0f} / {rs['cpu_rate']:,.0f} ({rs['rows']:,} rows) | "
                f"{rs['verified']:,} | {ours:,.0f} | {ours / rs['cpu_rate']:.2f}x | {staged_cell} | "
                f"{staged / rs['cpu_rate']:.2f}x |"
            )
    lines += [""]
    for r in runs:
        near = r["near"]
        lines.append(
            f"- {r['key']}: dropped {r['dropped']}, {r['clusters']:,} clusters; b x r = {near['bands']} x {near['rows']}, "
            f"{near['candidate_pairs']:,} candidate pairs -> {near['duplicate_pairs']:,} verified edges "
            f"(candidates already in one cluster are not verified again); S-curve {near['s_curve']}."
        )
    lines += [
        "",
        "Listing every pair (`near.report_pairs: true`) at full size, 1 worker: every pair of every LSH bucket "
        "is a candidate and is verified, so the cost grows with the square of the bucket sizes.",
        "",
        "| key | candidate pairs (all bucket pairs) | pairs reported | CPU s (1 w) | wall s | dropped | clusters | peak RSS of the bench so far |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        p = r["pairs_run"]
        lines.append(
            f"| {r['key']} | {p['candidates']:,} | {p['pairs']:,} | {p['cpu_seconds']:.1f} | {p['seconds']:.1f} | "
            f"{p['dropped']} | {p['clusters']:,} | {p['max_rss_gb']:.1f} GB |"
        )
    lines += [
        "",
        "## 2. Quality vs brute force (all pairs, exact Jaccard)",
        "",
        "find_duplicates on the subset (2 workers). `report_pairs` (`near.report_pairs: true`) lists every pair of rows "
        "(all pairs of every LSH bucket, each verified; rows of one exact group pair with each other); pair precision "
        "and recall are measured on that list. The default mode keeps only the verified edges that build the clusters "
        "(a cluster of k rows needs k - 1), so it has no pair list to score: its clusters are scored.",
        "",
        "| key | rows | true pairs (J >= 0.7) | mode | reported pairs | pair precision | pair recall | same-cluster precision | same-cluster recall | candidates | CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for q in qual:
        for m in q["modes"]:
            if "predicted_pairs" in m:
                pair_cells = f"{m['predicted_pairs']:,} | {m['precision']:.4f} | {m['recall']:.4f}"
            else:
                pair_cells = f"({m['edges']:,} cluster edges) | - | -"
            lines.append(
                f"| {q['key']} | {q['rows']:,} | {q['true_pairs']:,} | {m['mode']} | {pair_cells} | "
                f"{m['cluster_precision']:.4f} | {m['cluster_recall']:.4f} | {m['candidates']:,} | {m['cpu_seconds']:.1f} |"
            )
    lines += [
        "",
        "Brute force: sparse X @ X.T over the exact shingle sets (the intersection of every pair), "
        + ", ".join(f"{q['key']} {q['brute_seconds']:.1f} s" for q in qual)
        + ". Without verification, Jaccard is the signature estimate.",
        "",
        "## 3. Clough & Stevenson text reuse (answer vs its Wikipedia source; dev split, 50 answers)",
        "",
        f"Every answer is compared with every source ({cs['pairs']:,} cross pairs); a pair counts when the answer "
        "is paired with its own source. Containment = |A∩B| / min(|A|, |B|), verified exactly; its LSH bands are "
        "derived for the candidate Jaccard t / (4 - t) (a pair at containment t whose larger set is 3x the smaller).",
        "",
        "| measure | threshold | candidate J | b x r | candidates | cut flagged | light flagged | heavy flagged | non flagged |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in cs["table"]:
        per = row["per_category"]
        cells = " | ".join(f"{per[c][0]}/{per[c][1]}" for c in ("cut", "light", "heavy", "non"))
        lines.append(
            f"| {row['measure']} | {row['threshold']:g} | {row['candidate_jaccard']:.3f} | {row['bands']} x {row['rows']} | "
            f"{row['candidates']:,} | {cells} |"
        )
    for name in ("jaccard", "containment"):
        lines += ["", f"Exact {name} (word 3-grams) of each answer to its source, by category:", ""]
        for category in ("cut", "light", "heavy", "non"):
            lines.append(f"- {category}: {cs[name][category]}")
    lines += [""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--baseline-rows", type=int, default=10_000)
    parser.add_argument("--quality-rows", type=int, default=20_000)
    parser.add_argument("--rensa-rows", type=int, default=None, help="rows the rensa loop runs on (all)")
    parser.add_argument("--keys", default="instruction_input,conversation")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--sweep",
        help="only this: rensa loop vs the stage cold on the first N rows, e.g. 10000,50000; prints a table",
    )
    parser.add_argument("--repeats", type=int, default=3, help="--sweep: runs per side and size (least CPU)")
    parser.add_argument(
        "--seed-recall",
        type=int,
        default=0,
        help="only this: report_pairs recall over MinHash seeds 1..N per shingle hash on the quality subset",
    )
    args = parser.parse_args()

    def log(message: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    corpus_path = OUT / f"dedup_corpus_{args.rows}.parquet"
    if corpus_path.exists():
        frame = pl.read_parquet(corpus_path, glob=False)
    else:
        log(f"building {args.rows:,} rows ...")
        frame = build_corpus(args.rows)
        frame.write_parquet(corpus_path)
    edits = frame.select(pl.col("meta").str.json_path_match("$.edit").alias("edit"))["edit"].value_counts()
    kinds = dict(edits.iter_rows())
    corpus_info = {
        "rows": frame.height,
        "real": kinds.pop("original", 0),
        "planted": sum(kinds.values()),
        "kinds": kinds,
    }
    log(f"corpus {corpus_info}")
    keys = args.keys.split(",")
    if args.sweep:
        print(sweep(frame, keys, [int(n) for n in args.sweep.split(",")], log, args.repeats))
        return
    if args.seed_recall:
        subset = quality_subset(frame, args.quality_rows)
        print("| key | shingle hash | pair recall, seeds 1.. | mean +- sd |\n|---|---|---|---|")
        print("\n".join(line for key in keys for line in seed_recall(subset, key, args.seed_recall, log)))
        return
    rensa_rows = frame.height if args.rensa_rows is None else args.rensa_rows
    runs = [throughput(frame, key, args.baseline_rows, rensa_rows, log) for key in keys]
    subset = quality_subset(frame, args.quality_rows)
    qual = [quality(subset, key, log) for key in keys]
    log("Clough & Stevenson ...")
    cs = clough_stevenson((0.7, 0.3, 0.15), (0.5, 0.3, 0.2, 0.15, 0.12, 0.1))
    text = render(args, corpus_info, runs, qual, cs)
    write_results(args.output, text)  # the hand-written history below the marker is kept
    print(text)


if __name__ == "__main__":
    main()
