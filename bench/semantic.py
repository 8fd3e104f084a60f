"""Benchmark issue 19's meaning-aware stages: semantic dedup vs MinHash on paraphrase sets, and throughput.

Run from the repository root (other jobs share the cores, so be nice):

    nice -n 10 python bench/semantic.py                    # writes bench/results/semantic.md
    nice -n 10 python bench/semantic.py --throughput-texts 300 --ifd-rows 60 --output bench/out/smoke.md
    flock /tmp/winnow-heavy.lock python bench/semantic.py --only ifd   # IFD alone: rewrites its row in place
    flock /tmp/winnow-heavy.lock python bench/semantic.py --only ifd --ifd-model-config small-llama

Models: ../shared/data/models/all-MiniLM-L6-v2 (encoder), ../shared/data/models/stories260K/hf (causal LM).

1. Same meaning, MRPC dev (label 1 = paraphrase) and STS 2012-2014 dev (score >= 4 = same meaning): every
   distinct sentence of the set is one row (the sentence its instruction), and the stages run as a rule file
   runs them (curate_frame, key `instruction`): `semantic_dedup` at its default threshold and `dedup` (exact +
   MinHash) at its defaults. A labelled pair is called "same" when both sentences land in one duplicate
   cluster. Precision and recall over the labelled pairs; plus the per-pair cosine at other thresholds.
2. Relevance (`reply_unrelated_to_prompt` at its default minimums): the Alpaca en demo rows and 800 Code Alpaca
   rows (task `code`), each prompt with its own reply (related) and with another row's reply (a seeded
   derangement: unrelated). Flags on both halves,
   precision at this 50/50 mix and as it would be at 1% and 5% mismatched rows (from the two flag rates), and
   the real pairs it flags, to read by hand.
3. Embedding throughput (rows/s, CPU, torch on 2 threads): winnow's encoder (one tokenizer call, batches by
   token budget) vs a plain sentence-transformers-style loop (sentence-transformers is not installed here:
   the loop is what its `encode` does: texts sorted by length, batches of 32 tokenized with padding, mean
   pooling, normalization). Same texts, same model, cold (no cache). Best of two runs each, interleaved.
4. IFD throughput (rows/s): winnow's ModelScorer (shard Encoder, batches by length) vs a plain per-row HF
   loop (apply_chat_template, tokenize, `model(ids, labels).loss` with and without the prompt), same rows,
   same template, no cache, torch on the same number of threads (--threads). The loop's losses are checked
   against winnow's (max abs difference reported). Best of --repeats runs each, interleaved; the process's
   CPU-seconds of each best run and the load average are reported beside the wall times.
   `--ifd-model-config small-llama` runs the same comparison on a randomly initialised LlamaForCausalLM of a
   realistic small shape (SMALL_LLAMA below; small-llama-512 at hidden 512), built from a config in code with a fixed seed and saved with
   stories260K's tokenizer to a temporary folder that both sides load like any model folder. No model hub is
   reachable here, and throughput does not depend on weight values: this measures speed only (its IFD values
   are meaningless). It gets its own row, so the stories260K row stays.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from winnow.curation.record import content_hash, frame_from_rows, prompt_messages  # noqa: E402
from winnow.curation.rulefile.load import parse_rules  # noqa: E402
from winnow.curation.run_curate import curate_frame  # noqa: E402
from winnow.curation.semantic.section import DEFAULT_THRESHOLD  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "out" / "semantic"
RESULTS = ROOT / "bench" / "results" / "semantic.md"
ENCODER = SHARED / "models" / "all-MiniLM-L6-v2"
CAUSAL_LM = SHARED / "models" / "stories260K" / "hf"
# A small Llama with real models' head size (64 dimensions, unlike stories260K's 8), so per-token linear work,
# which batching amortises, weighs as it does in a model people fine-tune. 6.6M parameters: the plain loop over
# 300 rows takes ~20-30 s on 2 cores (~90 s at 2 threads when other jobs hold the cores); small-llama-512's
# ~78 s at 1 thread. Vocab and context: the stories260K tokenizer's.
SMALL_LLAMA: dict[str, Any] = {
    "hidden_size": 256,
    "intermediate_size": 688,
    "num_hidden_layers": 8,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "head_dim": 64,
    "vocab_size": 512,
    "max_position_embeddings": 512,
    "rms_norm_eps": 1e-05,
    "rope_theta": 10000.0,
    "tie_word_embeddings": False,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "initializer_range": 0.02,
}
# The same with hidden 512 (8 heads x 64, intermediate 1376; 25.8M parameters): ~4x the plain loop's work.
IFD_MODEL_CONFIGS = {
    "small-llama": SMALL_LLAMA,
    "small-llama-512": {
        **SMALL_LLAMA,
        "hidden_size": 512,
        "intermediate_size": 1376,
        "num_attention_heads": 8,
        "num_key_value_heads": 8,
    },
}
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "generation_config.json")
SETS: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "MRPC dev": ("mrpc/mrpc_dev.jsonl", lambda r: r["label"] == 1),
    "STS 2012-2014 dev": ("semeval_sts/sts_2012_2014_dev.jsonl", lambda r: r["score"] >= 4),
}
COSINES = (0.8, 0.85, 0.9, 0.95)


def _pairs(relative: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (SHARED / relative).read_text("utf-8").splitlines()]


def _sentence_frame(pairs: list[dict[str, Any]]) -> tuple[pl.DataFrame, dict[str, str]]:
    """One sft row per distinct sentence (the sentence as instruction); sentence -> row id."""
    ids: dict[str, str] = {}
    for pair in pairs:
        for text in (pair["text1"], pair["text2"]):
            ids.setdefault(text, content_hash(text, digest_size=8))
    rows = [
        {
            "id": row_id,
            "kind": "sft",
            "messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}],
        }
        for text, row_id in ids.items()
    ]
    return frame_from_rows(rows), ids


def _scores(called: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    tp = int((called & truth).sum())
    return {
        "called": int(called.sum()),
        "precision": tp / max(1, int(called.sum())),
        "recall": tp / max(1, int(truth.sum())),
    }


def same_meaning(name: str, relative: str, label: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    pairs = _pairs(relative)
    frame, ids = _sentence_frame(pairs)
    truth = np.array([label(p) for p in pairs])
    results: dict[str, Any] = {"pairs": len(pairs), "positives": int(truth.sum()), "sentences": frame.height}
    runs = {
        "semantic_dedup": (
            {"semantic_dedup": {"model": str(ENCODER), "key": "instruction"}},
            "sem_dup_cluster",
        ),
        "MinHash dedup": ({"dedup": {"key": "instruction"}}, "dup_cluster"),
    }
    for run, (raw, column) in runs.items():
        started = time.perf_counter()
        out = curate_frame(frame, parse_rules(raw), cache_dir=OUT / "cache").frame
        cluster = dict(zip(out["id"].to_list(), out[column].to_list(), strict=True))
        called = np.array(
            [
                cluster[ids[p["text1"]]] is not None and cluster[ids[p["text1"]]] == cluster[ids[p["text2"]]]
                for p in pairs
            ]
        )
        results[run] = {**_scores(called, truth), "seconds": round(time.perf_counter() - started, 1)}
    from winnow.curation.embed.embed import Embedder
    from winnow.curation.embed.settings import EncoderSettings

    embedder = Embedder(EncoderSettings(model=str(ENCODER)), OUT / "cache")  # the vectors of the run above
    first = embedder.embed([p["text1"] for p in pairs])
    second = embedder.embed([p["text2"] for p in pairs])
    cosine = (first * second).sum(axis=1)
    results["per_pair"] = {t: _scores(cosine >= t, truth) for t in COSINES}
    print(f"{name}: {json.dumps({k: v for k, v in results.items() if k != 'per_pair'})}", flush=True)
    return results


RELEVANCE_SETS = (  # (name, file, task label given to its rows, rows used)
    ("Alpaca en demo", "llama_factory_demo/alpaca_en_demo.json", None, 999),
    ("Code Alpaca 2k", "codealpaca/code_alpaca_2k.json", "code", 800),
)


def relevance(name: str, relative: str, task: str | None, count: int) -> dict[str, Any]:
    from winnow.curation.semantic.relevance_section import DEFAULT_MIN_SIMILARITY, DEFAULT_TASKS

    data = json.loads((SHARED / relative).read_text("utf-8"))[:count]
    rng = np.random.default_rng(0)
    other = rng.permutation(len(data))
    while (clash := np.flatnonzero(other == np.arange(len(data)))).size:  # no row keeps its own reply
        other[clash] = rng.permutation(len(data))[: clash.size]
    rows = []
    for i, item in enumerate(data):
        for label, reply in (("real", item["output"]), ("mismatched", data[int(other[i])]["output"])):
            rows.append(
                {
                    "id": f"{label}-{i}",
                    "kind": "sft",
                    "task": task,
                    "messages": [
                        {"role": "user", "content": item["instruction"]},
                        {"role": "assistant", "content": reply},
                    ],
                    "input": item.get("input") or None,
                }
            )
    started = time.perf_counter()
    out = curate_frame(
        frame_from_rows(rows), parse_rules({"relevance": {"model": str(ENCODER)}}), cache_dir=OUT / "cache"
    ).frame
    flagged = out.filter(pl.col("flagged_rules").list.contains("reply_unrelated_to_prompt"))
    real = flagged.filter(pl.col("id").str.starts_with("real-"))
    mismatched = flagged.height - real.height
    recall, false_rate = mismatched / len(data), real.height / len(data)

    def precision_at(base: float) -> float:
        return recall * base / max(1e-12, recall * base + false_rate * (1 - base))

    result = {
        "name": name,
        "rows": len(data),
        "min_similarity": dict(DEFAULT_TASKS).get(task, DEFAULT_MIN_SIMILARITY)
        if task
        else DEFAULT_MIN_SIMILARITY,
        "mismatched_flagged": mismatched,
        "real_flagged": real.height,
        "precision_50": mismatched / max(1, flagged.height),
        "precision_5": precision_at(0.05),
        "precision_1": precision_at(0.01),
        "recall": recall,
        "seconds": round(time.perf_counter() - started, 1),
        "real_cases": [
            (float(r["prompt_reply_cosine"]), r["messages"][0]["content"], r["messages"][-1]["content"])
            for r in real.sort("prompt_reply_cosine").iter_rows(named=True)
        ],
    }
    print(f"relevance: { {k: v for k, v in result.items() if k != 'real_cases'} }", flush=True)
    return result


def _plain_encode(tokenizer: Any, model: Any, texts: list[str]) -> np.ndarray:
    """sentence-transformers' encode loop: sorted by length (longest first), batches of 32, mean + normalize."""
    import torch

    order = np.argsort([-len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), 32):
            rows = order[start : start + 32]
            batch = tokenizer(
                [texts[i] for i in rows], padding=True, truncation=True, max_length=256, return_tensors="pt"
            )
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[rows] = torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()
    return out


def embedding_throughput(count: int, threads: int = 2) -> dict[str, Any]:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from winnow.curation.embed.encoder import TextEncoder
    from winnow.curation.embed.settings import EncoderSettings

    torch.set_num_threads(threads)
    texts = list(dict.fromkeys(t for p in _pairs("mrpc/mrpc_dev.jsonl") for t in (p["text1"], p["text2"])))
    texts = texts[:count]
    ours = TextEncoder(EncoderSettings(model=str(ENCODER), device="cpu"))
    tokenizer = AutoTokenizer.from_pretrained(str(ENCODER))
    model = AutoModel.from_pretrained(str(ENCODER)).eval()
    best = {"winnow": float("inf"), "plain loop": float("inf")}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(2):
        for name, run in (
            ("winnow", lambda: ours.encode(texts)),
            ("plain loop", lambda: _plain_encode(tokenizer, model, texts)),
        ):
            started = time.perf_counter()
            vectors[name] = run()
            best[name] = min(best[name], time.perf_counter() - started)
    result = {name: round(len(texts) / seconds, 1) for name, seconds in best.items()}
    result["texts"] = len(texts)
    result["max_abs_difference"] = float(np.abs(vectors["winnow"] - vectors["plain loop"]).max())
    print(f"embedding throughput: {result}", flush=True)
    return result


def _alpaca_rows(count: int) -> list[dict[str, Any]]:
    data = json.loads((SHARED / "llama_factory_demo" / "alpaca_en_demo.json").read_text("utf-8"))
    short = [d for d in data if len(d["instruction"]) + len(d["input"]) + len(d["output"]) < 600][:count]
    return [
        {
            "kind": "sft",
            "messages": [
                {"role": "user", "content": d["instruction"]},
                {"role": "assistant", "content": d["output"]},
            ],
            "input": d["input"] or None,
        }
        for d in short
    ]


def _plain_ifd(model: Any, tokenizer: Any, template: str, rows: list[dict[str, Any]]) -> list[float | None]:
    """The per-row loop people write: render, tokenize, one forward with labels per conversation."""
    import torch

    def loss(messages: list[dict[str, str]]) -> float | None:
        full = tokenizer.apply_chat_template(messages, chat_template=template, tokenize=False)
        prompt = tokenizer.apply_chat_template(
            messages[:-1], chat_template=template, tokenize=False, add_generation_prompt=True
        )
        end = len(prompt) + len(messages[-1]["content"]) + len(tokenizer.eos_token)
        encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
        if len(encoded["input_ids"]) > 512:
            return None
        labels = [
            t if s >= len(prompt) and e <= end else -100
            for t, (s, e) in zip(encoded["input_ids"], encoded["offset_mapping"], strict=True)
        ]
        with torch.no_grad():
            out = model(input_ids=torch.tensor([encoded["input_ids"]]), labels=torch.tensor([labels]))
        return float(out.loss)

    ratios: list[float | None] = []
    for row in rows:
        messages = prompt_messages(row)
        with_prompt = loss(messages)
        without = loss([{"role": "user", "content": ""}, messages[-1]])
        ratios.append(None if with_prompt is None or without is None else with_prompt / without)
    return ratios


def random_model_folder(name: str, folder: Path, seed: int = 0) -> Path:
    """Save a seeded, randomly initialised LlamaForCausalLM of shape `name` with stories260K's tokenizer."""
    import shutil

    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)  # the same weights every run, so reruns score the same numbers
    model = LlamaForCausalLM(LlamaConfig(**IFD_MODEL_CONFIGS[name], dtype="float32")).eval()
    model.save_pretrained(folder)  # safetensors, as a downloaded model folder holds
    for file in TOKENIZER_FILES:
        shutil.copy2(CAUSAL_LM / file, folder / file)
    params = sum(p.numel() for p in model.parameters())
    print(f"random {name}: {params / 1e6:.1f}M parameters, seed {seed}, saved to {folder}", flush=True)
    return folder


def ifd_throughput(
    count: int, threads: int = 2, repeats: int = 2, model_config: str | None = None
) -> dict[str, Any]:
    if model_config is None:
        return _ifd_throughput(CAUSAL_LM, count, threads, repeats)
    import tempfile

    with tempfile.TemporaryDirectory(prefix=f"winnow-{model_config}-") as folder:
        result = _ifd_throughput(random_model_folder(model_config, Path(folder)), count, threads, repeats)
    result["model_config"] = model_config
    return result


def _ifd_throughput(model: Path, count: int, threads: int, repeats: int) -> dict[str, Any]:
    import torch

    from winnow.curation.scores.cache import ScoreCache
    from winnow.curation.scores.ifd import ModelScorer, ScoreSettings
    from winnow.curation.shard.templates import BUILTIN_TEMPLATES

    torch.set_num_threads(threads)
    rows = _alpaca_rows(count)
    scorer = ModelScorer(ScoreSettings(model=str(model), template="alpaca", device="cpu"), None)

    def winnow_side() -> list[float | None]:
        scorer.cache = ScoreCache(None)  # cold every time: the second run must not read the first's scores
        return scorer.score(rows).ifd

    def plain_side() -> list[float | None]:
        return _plain_ifd(scorer.model, scorer.tokenizer, BUILTIN_TEMPLATES["alpaca"], rows)

    best = {"winnow": (float("inf"), 0.0), "plain loop": (float("inf"), 0.0)}  # (wall s, CPU s)
    ratios: dict[str, list[float | None]] = {}
    load = os.getloadavg()[0]
    for _ in range(repeats):
        for name, run in (("winnow", winnow_side), ("plain loop", plain_side)):
            wall, cpu = time.perf_counter(), time.process_time()
            ratios[name] = run()
            timing = (time.perf_counter() - wall, time.process_time() - cpu)
            best[name] = min(best[name], timing)
    both = [
        (a, b)
        for a, b in zip(ratios["winnow"], ratios["plain loop"], strict=True)
        if a is not None and b is not None
    ]
    result: dict[str, Any] = {name: round(len(rows) / wall, 1) for name, (wall, _) in best.items()}
    result["cpu_seconds"] = {name: round(cpu, 2) for name, (_, cpu) in best.items()}
    result["wall_seconds"] = {name: round(wall, 2) for name, (wall, _) in best.items()}
    result["threads"] = threads
    result["repeats"] = repeats
    result["load"] = round(max(load, os.getloadavg()[0]), 1)
    result["rows"] = len(rows)
    result["scored"] = len(both)
    result["max_abs_ifd_difference"] = max(abs(a - b) for a, b in both) if both else None
    print(f"IFD throughput: {result}", flush=True)
    return result


def _ifd_label(model_config: str | None) -> str:
    """The first cell of an IFD row: one row per model, so each run rewrites only its own."""
    if model_config is None:
        return "IFD (Alpaca en rows, alpaca template)"
    shape = IFD_MODEL_CONFIGS[model_config]
    return (
        f"IFD, {model_config} (RANDOM weights: hidden {shape['hidden_size']}, intermediate "
        f"{shape['intermediate_size']}, {shape['num_hidden_layers']} layers, {shape['num_attention_heads']} heads "
        f"x {shape['head_dim']}, vocab {shape['vocab_size']}; throughput only)"
    )


def _ifd_lines(ifd: dict[str, Any]) -> tuple[str, str]:
    """The IFD row of the throughput table and the line under the table that gives its CPU-seconds."""
    model_config = ifd.get("model_config")
    cpu, wall = ifd["cpu_seconds"], ifd["wall_seconds"]
    # the speed-up from the wall times, not the rounded rows/s (3.3 rows/s hides up to 1.5%)
    row = (
        f"| {_ifd_label(model_config)} | {ifd['rows']:,} | {ifd['winnow']} | {ifd['plain loop']} | "
        f"{wall['plain loop'] / wall['winnow']:.2f}x | {ifd['scored']} rows scored by both, max abs IFD "
        f"difference {ifd['max_abs_ifd_difference']:.1e} |"
    )
    detail = (
        f"IFD run{f' ({model_config})' if model_config else ''}: torch on {ifd['threads']} thread(s) on both "
        f"sides, load average {ifd['load']} (1 min, highest of start and end); best of {ifd['repeats']} runs "
        f"winnow {wall['winnow']} s wall / {cpu['winnow']} CPU-s, plain loop {wall['plain loop']} s wall / "
        f"{cpu['plain loop']} CPU-s."
    )
    return row, detail


def update_ifd(path: Path, ifd: dict[str, Any]) -> None:
    """Rewrite one model's IFD row (and its CPU-seconds line) of an existing results file; the rest stays.

    A model's first row goes under the last IFD row, its line under the last IFD line.
    """
    text = path.read_text(encoding="utf-8")
    model_config = ifd.get("model_config")
    row, detail = _ifd_lines(ifd)
    label = re.escape(_ifd_label(model_config))
    text, rows = re.subn(rf"^\| {label} \|.*$", lambda _: row, text, count=1, flags=re.MULTILINE)
    if not rows:
        last = [m.end() for m in re.finditer(r"^\| IFD[ ,(].*$", text, flags=re.MULTILINE)]
        if not last:
            raise SystemExit(f"{path} has no IFD row to update: run the whole benchmark once")
        text = text[: last[-1]] + "\n" + row + text[last[-1] :]
    run = re.escape(f"IFD run ({model_config}):" if model_config else "IFD run:")
    text, details = re.subn(rf"^{run} .*$", lambda _: detail, text, count=1, flags=re.MULTILINE)
    if not details:  # this model's first line: under the other IFD lines, or under the table
        last = [m.end() for m in re.finditer(r"^IFD run[ :(].*$", text, flags=re.MULTILINE)]
        if last:
            text = text[: last[-1]] + "\n\n" + detail + text[last[-1] :]
        else:
            text = text.replace(row + "\n", row + "\n\n" + detail + "\n", 1)
    path.write_text(text, encoding="utf-8")
    print(f"updated the IFD row of {path}")


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def write(
    path: Path,
    quality: dict[str, Any],
    related: list[dict[str, Any]],
    embed: dict[str, Any],
    ifd: dict[str, Any],
    argv: str,
) -> None:
    lines = [
        "# Semantic dedup and model-aware scores (issue 19)",
        "",
        f"`python bench/semantic.py {argv}`. Machine: 2 cores shared with other jobs (timings are noisy), CPU only, "
        "torch on 2 threads. Encoder all-MiniLM-L6-v2, causal LM stories260K (both in ../shared/data).",
        "",
        "## Same meaning: semantic dedup vs MinHash dedup, at their defaults",
        "",
        f"Every distinct sentence is a row (its instruction); `semantic_dedup` (key instruction, threshold "
        f"{DEFAULT_THRESHOLD}) and `dedup` (key instruction, exact + MinHash at threshold 0.7) as a rule file runs "
        "them; a labelled pair is called the same when both sentences land in one duplicate cluster.",
        "",
        "| set | pairs | same-meaning pairs | stage | pairs called same | precision | recall | seconds |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for name, result in quality.items():
        for run in ("semantic_dedup", "MinHash dedup"):
            r = result[run]
            lines.append(
                f"| {name} | {result['pairs']:,} | {result['positives']:,} | {run} | {r['called']:,} | "
                f"{_pct(r['precision'])} | {_pct(r['recall'])} | {r['seconds']} |"
            )
    lines += [
        "",
        "Per pair (cosine of the two sentences alone, no clustering), to choose a threshold:",
        "",
        "| set | cosine >= | pairs called same | precision | recall |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, result in quality.items():
        for threshold, r in result["per_pair"].items():
            lines.append(
                f"| {name} | {threshold} | {r['called']:,} | {_pct(r['precision'])} | {_pct(r['recall'])} |"
            )
    lines += [
        "",
        "MRPC counts a pair as the same when it is a paraphrase, STS when its similarity score is 4 or more "
        "(of 5). Neither set holds near-copies: MinHash, which measures shared wording, finds few of these "
        "pairs by design. Precision stays below 0.9 at the default threshold on both sets, so the rule "
        "`semantic_duplicate` flags by default (`action: drop` in a rule file to drop). Seconds: the stage as "
        "run here, vectors read from the cache an earlier run wrote when bench/out/semantic/cache holds them "
        "(cold, encoding dominates: see the throughput table).",
        "",
        "## Relevance: replies unrelated to their prompt",
        "",
        "Each prompt with its own reply (real) and with another row's reply (mismatched, a seeded derangement); "
        "rule `reply_unrelated_to_prompt` at its default minimum (all-MiniLM-L6-v2 cosine of prompt and reply; "
        "Code Alpaca rows carry task `code`, whose default minimum is its own).",
        "",
        "| set | rows | min cosine | mismatched flagged (recall) | real flagged | precision at 50% mismatched "
        "| at 5% | at 1% |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {r['name']} | {r['rows']:,} | {r['min_similarity']} | {r['mismatched_flagged']:,} "
            f"({_pct(r['recall'])}) | {r['real_flagged']:,} | {_pct(r['precision_50'])} | "
            f"{_pct(r['precision_5'])} | {_pct(r['precision_1'])} |"
            for r in related
        ],
        "",
        "The 5% and 1% columns are what precision would be if that share of a corpus were mismatched (from the "
        "two flag rates). Real pairs it flags, to read by hand:",
        "",
        "| set | cosine | prompt | reply |",
        "|---|---:|---|---|",
        *[
            f"| {r['name']} | {c:.3f} | {_short(p)} | {_short(reply)} |"
            for r in related
            for c, p, reply in r["real_cases"]
        ],
        "",
        "## Throughput",
        "",
        "| what | texts / rows | winnow (rows/s) | plain loop (rows/s) | speed-up | agreement |",
        "|---|---:|---:|---:|---:|---|",
        f"| embeddings (MRPC sentences) | {embed['texts']:,} | {embed['winnow']} | {embed['plain loop']} | "
        f"{embed['winnow'] / embed['plain loop']:.2f}x | max abs vector difference "
        f"{embed['max_abs_difference']:.1e} |",
        _ifd_lines(ifd)[0],
        "",
        _ifd_lines(ifd)[1],
        "",
        "Embeddings: the plain loop is sentence-transformers' `encode` loop (the package is not installed here): "
        "sorted by length, batches of 32 tokenized with padding. winnow tokenizes all texts in one call and cuts "
        "batches by a padded-token budget. IFD: the plain loop renders, tokenizes and runs two forwards per row; "
        "winnow renders and tokenizes through the shard Encoder and runs batches by length.",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--throughput-texts", type=int, default=2000)
    parser.add_argument("--ifd-rows", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2, help="torch threads, both sides of each throughput")
    parser.add_argument("--repeats", type=int, default=2, help="IFD runs per side (best is reported)")
    parser.add_argument(
        "--only", choices=("ifd",), help="run one part and rewrite its lines of an existing --output"
    )
    parser.add_argument(
        "--ifd-model-config",
        choices=sorted(IFD_MODEL_CONFIGS),
        help="IFD throughput on a randomly initialised model of this shape (speed only) instead of stories260K",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    for needed in (ENCODER, CAUSAL_LM):
        if not needed.exists():
            raise SystemExit(f"needs {needed} (../shared/data), which is absent here")
    if args.only == "ifd":
        ifd = ifd_throughput(args.ifd_rows, args.threads, args.repeats, args.ifd_model_config)
        update_ifd(args.output, ifd)
        return
    quality = {name: same_meaning(name, relative, label) for name, (relative, label) in SETS.items()}
    related = [relevance(*spec) for spec in RELEVANCE_SETS]
    embed = embedding_throughput(args.throughput_texts, args.threads)
    ifd = ifd_throughput(args.ifd_rows, args.threads, args.repeats, args.ifd_model_config)
    write(args.output, quality, related, embed, ifd, " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
