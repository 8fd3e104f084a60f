"""How far the built-in task classifier agrees with the labels real data carries.

    python bench/tasks.py            # writes bench/results/tasks.md (reads ../shared/data)

Gold labels, each mapped onto winnow's task set with winnow.curation.tasks.labels (the mapping is part of what is
measured): MT-Bench and Vicuna-bench `category` (first turn only, so the question decides and not the
fact that MT-Bench has two turns), Code Alpaca = code, GSM8K = math, GPTeacher roleplay = creative_writing,
glaive tool-call conversations = tool_use, FastChat dummy conversations (multi-turn) = multi_turn_chat,
self-instruct seed tasks `is_classification` (true = classification; false only says "not classification").
The classifier never sees those labels: it reads instruction, input, reply and structure only.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from winnow.curation.io.read import read_corpus  # noqa: E402
from winnow.curation.record import frame_from_rows  # noqa: E402
from winnow.curation.tasks.classifier import classify  # noqa: E402
from winnow.curation.tasks.labels import TASKS, label_map, normalize_label  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "results" / "tasks.md"
MAP = label_map()


def _question_rows(path: Path) -> pl.DataFrame:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        rows.append(
            {
                "id": str(item["question_id"]),
                "kind": "sft",
                "messages": [{"role": "user", "content": item["turns"][0]}],
                "gold": MAP[normalize_label(item["category"])],
                "raw": item["category"],
            }
        )
    return _with_gold(rows)


def _with_gold(rows: list[dict]) -> pl.DataFrame:
    frame = frame_from_rows(rows)
    return frame.with_columns(
        pl.Series("gold", [r["gold"] for r in rows], dtype=pl.String),
        pl.Series("raw", [r.get("raw", r["gold"]) for r in rows], dtype=pl.String),
    )


def _whole(paths: list[Path], gold: str, where: pl.Expr | None = None) -> pl.DataFrame:
    records = read_corpus(paths).records
    if where is not None:
        records = records.filter(where)
    return records.with_columns(pl.lit(gold).alias("gold"), pl.lit(gold).alias("raw"))


ROLES = pl.col("messages").list.eval(pl.element().struct.field("role"))
# glaive rows offered no tool ("tools": "[]") are plain chats; FastChat's dummy set is one third single-turn
OFFERS_TOOLS = ROLES.list.contains("tool_call") | (pl.col("tools").fill_null("[]").str.strip_chars() != "[]")
MULTI_TURN = ROLES.list.eval(pl.element() == "user").list.sum() >= 2


def _seed_tasks(path: Path) -> pl.DataFrame:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        first = item["instances"][0]
        rows.append(
            {
                "id": item["id"],
                "kind": "sft",
                "input": first["input"] or None,
                "messages": [
                    {"role": "user", "content": item["instruction"]},
                    {"role": "assistant", "content": first["output"]},
                ],
                "gold": "classification" if item["is_classification"] else "not_classification",
                "raw": f"is_classification={item['is_classification']}",
            }
        )
    return _with_gold(rows)


def load_sets() -> dict[str, pl.DataFrame]:
    fastchat, lf, cleaned = SHARED / "fastchat", SHARED / "llama_factory_demo", SHARED / "alpaca_data_cleaned"
    return {
        "MT-Bench (category)": _question_rows(fastchat / "mt_bench_question.jsonl"),
        "Vicuna bench (category)": _question_rows(fastchat / "vicuna_bench_question.jsonl"),
        "Code Alpaca 2k + new (= code)": _whole(
            [SHARED / "codealpaca" / "code_alpaca_2k.json", SHARED / "codealpaca" / "new_codealpaca.json"],
            "code",
        ),
        "GSM8K train (= math)": _whole([cleaned / "gsm_8k_train.json"], "math"),
        "GPTeacher roleplay (= creative_writing)": _whole(
            [cleaned / "gpteacher_roleplay_deduped.json"], "creative_writing"
        ),
        "glaive tool calls en+zh, rows offering tools (= tool_use)": _whole(
            [lf / "glaive_toolcall_en_demo.json", lf / "glaive_toolcall_zh_demo.json"],
            "tool_use",
            OFFERS_TOOLS,
        ),
        "FastChat dummy conversations, >= 2 user turns (= multi_turn_chat)": _whole(
            [fastchat / "dummy_conversation.json"], "multi_turn_chat", MULTI_TURN
        ),
        "self-instruct seed tasks (is_classification)": _seed_tasks(
            SHARED / "self_instruct" / "seed_tasks.jsonl"
        ),
    }


def _confusion(gold: list[str], predicted: list[str]) -> str:
    golds = [t for t in [*TASKS, "not_classification"] if t in set(gold)]
    preds = [t for t in TASKS if t in set(predicted)]
    counts = Counter(zip(gold, predicted, strict=True))
    short = {t: t.replace("_", " ") for t in preds}
    lines = ["| gold \\ predicted | " + " | ".join(short[p] for p in preds) + " | n | agree |"]
    lines.append("|" + "---|" * (len(preds) + 3))
    for g in golds:
        n = sum(counts[(g, p)] for p in preds)
        agree = counts[(g, g)] if g != "not_classification" else n - counts[(g, "classification")]
        cells = [str(counts[(g, p)]) if counts[(g, p)] else "" for p in preds]
        lines.append(f"| {g} | " + " | ".join(cells) + f" | {n} | {agree / n:.1%} |")
    return "\n".join(lines)


def combined_corpus() -> tuple[str, float, int]:
    """Label distribution and speed of the whole tasks stage on every instruction set in ../shared/data."""
    from winnow.curation.tasks.section import TasksConfig
    from winnow.curation.tasks.stage import label_tasks

    files = [
        *sorted((SHARED / "alpaca_chinese_carbonz0").glob("*.json")),
        *sorted((SHARED / "alpaca_data_cleaned").glob("*.json")),
        *sorted((SHARED / "codealpaca").glob("*.json")),
        SHARED / "fastchat" / "dummy_conversation.json",
        *sorted((SHARED / "llama_factory_demo").glob("*.json")),
    ]
    files = [f for f in files if f.name != "dataset_info.json"]
    records = read_corpus(files).records
    start = time.perf_counter()
    labelled, stats = label_tasks(records, TasksConfig())
    seconds = time.perf_counter() - start
    lines = ["| task | rows | share |", "|---|---|---|"]
    for task, n in stats["by_task"].items():  # type: ignore[union-attr]
        lines.append(f"| {task} | {n} | {n / labelled.height:.1%} |")
    lines.append(f"\nsources: {stats['by_source']}")
    return "\n".join(lines) + "\n\n" + split_tradeoff(labelled), seconds, labelled.height


def split_tradeoff(labelled: pl.DataFrame) -> str:
    """Exact vs hash split on the combined corpus: share deviation per task, rows moved when 10% more arrive."""
    from winnow.curation.split.assign import assign_splits
    from winnow.curation.split.section import SplitConfig

    order = labelled.with_columns(pl.Series("u", range(labelled.height))).sample(
        fraction=1.0, shuffle=True, seed=0
    )
    base = order.head(int(order.height / 1.1)).select("id", "task")
    grown = order.select("id", "task")
    lines = [
        "| method | max deviation from fractions, tasks >= 50 rows (pp) | rows moved when 10% rows are added | seconds |",
        "|---|---|---|---|",
    ]
    for method, pinned in (("exact", False), ("exact + previous", True), ("hash", False)):
        config = SplitConfig(fractions=(0.9, 0.05, 0.05), method=method.split(" ")[0])
        start = time.perf_counter()
        before = assign_splits(base, ["task"], config)
        after = assign_splits(grown, ["task"], config, before.select("id", "split") if pinned else None)
        seconds = time.perf_counter() - start
        moved = (
            before.join(after, on="id", suffix="_after")
            .filter(pl.col("split") != pl.col("split_after"))
            .height
        )
        worst = 0.0
        for (_task,), group in after.group_by("task"):
            if group.height >= 50:
                for name, fraction in zip(("train", "val", "test"), config.fractions, strict=True):
                    worst = max(worst, abs((group["split"] == name).mean() - fraction) * 100)  # type: ignore[operator]
        lines.append(f"| {method} | {worst:.2f} | {moved} of {before.height} | {seconds:.2f} |")
    return "\n".join(lines)


def main() -> None:
    sets = load_sets()
    sections: list[str] = []
    all_gold: list[str] = []
    all_pred: list[str] = []
    summary = ["| data set | rows | agreement | mean confidence when agreeing / not |", "|---|---|---|---|"]
    total_rows, total_seconds = 0, 0.0
    for name, frame in sets.items():
        start = time.perf_counter()
        result = classify(frame)
        total_seconds += time.perf_counter() - start
        total_rows += frame.height
        gold = frame["gold"].to_list()
        pred = result["task"].to_list()
        conf = result["confidence"].to_list()
        hit = [
            (p == g) if g != "not_classification" else (p != "classification")
            for g, p in zip(gold, pred, strict=True)
        ]
        agree_conf = [c for c, h in zip(conf, hit, strict=True) if h]
        miss_conf = [c for c, h in zip(conf, hit, strict=True) if not h]
        mean = lambda xs: f"{sum(xs) / len(xs):.2f}" if xs else "-"  # noqa: E731
        summary.append(
            f"| {name} | {frame.height} | {sum(hit) / len(hit):.1%} | {mean(agree_conf)} / {mean(miss_conf)} |"
        )
        sections.append(f"### {name}\n\n{_confusion(gold, pred)}\n")
        if "not_classification" not in gold:
            all_gold.extend(gold)
            all_pred.extend(pred)
    rate = total_rows / total_seconds if total_seconds else 0.0
    distribution, stage_seconds, stage_rows = combined_corpus()
    text = "\n".join(
        [
            "# Task classifier agreement with the labels real data carries",
            "",
            "Produced by `python bench/tasks.py` over ../shared/data. Gold labels are mapped onto winnow's task set",
            "with `winnow.curation.tasks.labels` (MT-Bench writing/roleplay -> creative_writing, reasoning/stem/humanities ->",
            "open_qa, coding -> code; Vicuna generic/knowledge/common-sense/counterfactual/fermi -> open_qa).",
            "In a curate run a label the data carries wins over the classifier; this measures the classifier alone,",
            "i.e. how far to trust it on data without labels.",
            "",
            *summary,
            "",
            f"Speed: {total_rows} rows classified in {total_seconds:.2f} s ({rate:,.0f} rows/s, one Polars pass per set;",
            "shared 2-core machine, noisy).",
            "",
            "## The tasks stage on the combined instruction corpus (and the split trade-off on it)",
            "",
            f"{stage_rows} rows (every instruction file in ../shared/data) labelled in {stage_seconds:.2f} s",
            f"({stage_rows / stage_seconds:,.0f} rows/s, data labels + classifier; shared machine, noisy).",
            "",
            "Splits 0.9/0.05/0.05 stratified by task (the table at the end): `exact` cuts each task's hash order at",
            "the fractions, `hash` thresholds each row's own hash; `exact + previous` pins the earlier assignment.",
            "",
            distribution,
            "",
            "## All labelled sets together (self-instruct left out: its label is binary)",
            "",
            _confusion(all_gold, all_pred),
            "",
            "## Per data set",
            "",
            *sections,
        ]
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
