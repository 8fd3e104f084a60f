"""Write the built-in example corpus: `python -m winnow.curation.example.generate [OUTDIR]` (default: the shipped data/).

About 2,500 rows, zh and en, in six files of five formats (Alpaca JSON and JSONL, ShareGPT multi-turn, OpenAI
messages, Dolly, ShareGPT preference pairs), with planted problems of every kind the checks look for: garbage,
mixed languages, exact and near duplicates, broken pairs, refusals, truncations and lines that must be quarantined.
Deterministic for the seed, so the shipped files and the demo's numbers repeat.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from winnow.curation.example.content import QUOTAS, Pair
from winnow.curation.example.problems import PROBLEMS, near_copy

SEED = 20261124
PROBLEM_ROWS_EACH = 12
EXACT_DUPLICATES = 80
NEAR_DUPLICATES = 80
SYSTEM_PROMPTS = ["You are a helpful assistant.", "你是一个乐于助人的助手。", "Answer concisely."]
DOLLY_CATEGORY = {
    "open_qa": "open_qa",
    "classification": "classification",
    "extraction": "information_extraction",
    "summarization": "summarization",
    "brainstorming": "brainstorming",
    "creative_writing": "creative_writing",
}


def _unique_clean(
    rng: random.Random, lang: str, seen: set[tuple[str, str]], scale: float = 1.0
) -> list[Pair]:
    """Each generator's quota (times `scale`) of rows whose (instruction, input) was not generated before."""
    pairs: list[Pair] = []
    for generate, full_quota in QUOTAS[lang]:
        quota = max(1, round(full_quota * scale))
        made = attempts = 0
        while made < quota and attempts < quota * 50:
            attempts += 1
            pair = generate(rng)
            if pair.lang != lang:  # _translate serves both languages
                continue
            key = (pair.instruction, pair.input)
            if key not in seen:
                seen.add(key)
                pairs.append(pair)
                made += 1
    return pairs


def build_pairs(
    rng: random.Random, seen: set[tuple[str, str]] | None = None
) -> tuple[list[Pair], list[Pair]]:
    """Clean unique pairs, and the damaged ones (problems, exact and near duplicates)."""
    seen = set() if seen is None else seen
    clean = [p for lang in ("en", "zh") for p in _unique_clean(rng, lang, seen)]
    rng.shuffle(clean)
    damaged: list[Pair] = []
    for problem in PROBLEMS.values():
        for _ in range(PROBLEM_ROWS_EACH):
            damaged.append(problem(rng.choice(clean), rng))
    damaged += [rng.choice(clean) for _ in range(EXACT_DUPLICATES)]
    damaged += [near_copy(rng.choice(clean), rng) for _ in range(NEAR_DUPLICATES)]
    return clean, damaged


def _alpaca(pair: Pair, rng: random.Random) -> dict[str, Any]:
    row: dict[str, Any] = {"instruction": pair.instruction, "input": pair.input, "output": pair.response}
    if rng.random() < 0.1:
        row["system"] = rng.choice(SYSTEM_PROMPTS)
    return row


def _sharegpt(pairs: list[Pair], rng: random.Random) -> dict[str, Any]:
    turns = []
    for pair in pairs:
        prompt = f"{pair.instruction}\n{pair.input}" if pair.input else pair.instruction
        turns += [{"from": "human", "value": prompt}, {"from": "gpt", "value": pair.response}]
    row: dict[str, Any] = {"conversations": turns}
    if rng.random() < 0.3:
        row["system"] = rng.choice(SYSTEM_PROMPTS)
    return row


def _openai(pair: Pair, rng: random.Random) -> dict[str, Any]:
    prompt = f"{pair.instruction}\n{pair.input}" if pair.input else pair.instruction
    messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": pair.response}]
    if rng.random() < 0.2:
        messages.insert(0, {"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
    return {"messages": messages}


def _dolly(pair: Pair) -> dict[str, Any]:
    return {
        "instruction": pair.instruction,
        "context": pair.input,
        "response": pair.response,
        "category": DOLLY_CATEGORY.get(pair.task, "general_qa"),
    }


def _jsonl(rows: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(row, ensure_ascii=False) for row in rows]


def write_example(out: Path, seed: int = SEED) -> dict[str, int]:
    """Write the example files into `out`; returns rows (lines or array items) per file."""
    rng = random.Random(seed)
    seen: set[tuple[str, str]] = set()
    clean, damaged = build_pairs(rng, seen)
    pool = clean + damaged
    rng.shuffle(pool)
    en = [p for p in pool if p.lang == "en"]
    zh = [p for p in pool if p.lang == "zh"]
    chat_pairs, en, zh = en[:300] + zh[:240], en[300:], zh[240:]
    rng.shuffle(chat_pairs)
    dolly_pairs = [p for p in en if p.task in DOLLY_CATEGORY][:250]
    dolly_ids = {id(p) for p in dolly_pairs}
    en = [p for p in en if id(p) not in dolly_ids]
    openai_pairs, en, zh = en[:200] + zh[:150], en[200:], zh[150:]

    files: dict[str, list[str] | list[dict[str, Any]]] = {}
    alpaca_en: list[dict[str, Any]] = [_alpaca(p, rng) for p in en]
    alpaca_en += [  # rows the reader must quarantine: a wrong type, a missing required field
        {"instruction": "Give the answer as a number.", "input": "", "output": 42},
        {"instruction": "This row has no output field."},
    ]
    files["alpaca_en.json"] = alpaca_en
    alpaca_zh = _jsonl([_alpaca(p, rng) for p in zh])
    alpaca_zh[17:17] = [
        '{"instruction": "这一行的 JSON 没有写完", "input": "", "output": "半截',
        "not json at all",
    ]
    files["alpaca_zh.jsonl"] = alpaca_zh

    chats: list[dict[str, Any]] = []
    index = 0
    while index < len(chat_pairs):
        size = rng.choice([1, 2, 2, 3])
        chats.append(_sharegpt(chat_pairs[index : index + size], rng))
        index += size
    chats.append({"conversations": [{"from": "human", "value": "hi"}, {"from": "robot", "value": "beep"}]})
    files["sharegpt_chat.json"] = chats

    openai_lines = _jsonl([_openai(p, rng) for p in openai_pairs])
    openai_lines.insert(
        33, json.dumps({"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}]})
    )
    openai_lines.insert(90, json.dumps({"messages": "not a list"}))
    files["openai_messages.jsonl"] = openai_lines
    files["dolly_en.jsonl"] = _jsonl([_dolly(p) for p in dolly_pairs])

    preference = []
    # Preference prompts of their own: an SFT row and a preference row with one prompt would be duplicates.
    fresh = [p for lang in ("en", "zh") for p in _unique_clean(rng, lang, seen, scale=0.05)]
    for pair in rng.sample(fresh, 60):
        bad = PROBLEMS[rng.choice(["truncated", "refusal", "wrong_language", "placeholder_response"])](
            pair, rng
        )
        prompt = f"{pair.instruction}\n{pair.input}" if pair.input else pair.instruction
        preference.append(
            {
                "conversations": [{"from": "human", "value": prompt}],
                "chosen": {"from": "gpt", "value": pair.response},
                "rejected": {"from": "gpt", "value": bad.response},
            }
        )
    files["preference_pairs.json"] = preference

    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, rows in files.items():
        if name.endswith(".jsonl"):
            (out / name).write_text("\n".join(str(r) for r in rows) + "\n", encoding="utf-8")
        else:
            (out / name).write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        counts[name] = len(rows)
    return counts


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).parent / "data"
    counts = write_example(out)
    for name, rows in counts.items():
        print(f"{rows:6d}  {out / name}")
    print(f"{sum(counts.values()):6d}  rows in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
