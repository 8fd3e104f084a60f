"""Precision of every default rule, measured on hand-labeled real rows.

    python bench/precision.py                        # the table: flags, precision (95% Wilson), base rate
    python bench/precision.py --write                # ... and rules/precision.json (the run report reads it)
                                                     #     and bench/results/precision.md (bench/RESULTS.md)
    python bench/precision.py --list refusal_response --unlabeled --limit 40   # rows to read and label
    python bench/precision.py --list BASE --limit 100                          # unflagged rows (base rate)

The rules of rules/default.yaml (checks, language) run over the sources below (../shared/data, never
copied here), through the mappers as `winnow curate` runs them. A rule's *flags* are the rows it fails
(`failed_rules`, or `flagged_rules` where it runs with `action: flag`).

The meaning-aware rules (issue 19: `semantic_duplicate` of `semantic_dedup`, `reply_unrelated_to_prompt` of
`relevance`) need an encoder (../shared/data/models/all-MiniLM-L6-v2, English): they run, with the default
rules before them (mappers, checks, language, dedup, tasks) as `winnow curate` would, over the English
sources of SEMANTIC_SOURCES, vectors cached in bench/out/semantic/cache (shared with bench/semantic.py).
`--list semantic_duplicate` shows each flagged row's kept twin beside it; `--list reply_unrelated_to_prompt`
the prompt/reply cosine.

Labels live in bench/labels/<rule>.jsonl, one verdict per flagged row, found again by file and line:

    {"source": "hh_rlhf/harmless_base_test.jsonl", "line": 17, "verdict": "fine", "reason": "..."}

verdict: defective (the rule is right to drop it), fine (the row is a good example: the rule is wrong),
borderline (a careful curator could go either way). bench/labels/base_rate.jsonl labels rows that no rule
flags (defective there = a defect the rules missed). Precision is printed twice, borderline counted as
fine (the lower end) and as defective (the upper end), with the 95% Wilson interval of the lower end.
Only labeled flags count; a flag with no label is listed as unlabeled (a rule that changed since the
labels were written flags rows nobody read yet).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from winnow.curation.io.read import read_corpus  # noqa: E402
from winnow.curation.rulefile.load import RuleFile, load_rule_file, parse_rules  # noqa: E402
from winnow.curation.run_curate import curate_frame  # noqa: E402
from winnow.reports.precision import wilson  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
LABELS = ROOT / "bench" / "labels"
BASE = "base_rate"
RULE_FILE = ROOT / "rules" / "default.yaml"
PRECISION_JSON = ROOT / "rules" / "precision.json"
PRECISION_MD = ROOT / "bench" / "results" / "precision.md"
VERDICTS = ("defective", "fine", "borderline")

# fmt: off
# eight models' answers to the same 252 self-instruct prompts (weak and strong)
SELF_INSTRUCT: tuple[str, ...] = tuple(f"self_instruct/predictions/{m}_predictions.jsonl" for m in (
    "davinci", "davinci-self-instruct", "davinci-self-instruct-and-superni-ft", "davinci-superni-ft",
    "davinci-t0-ft", "text-davinci-001", "text-davinci-002", "text-davinci-003"))
# fmt: on
# Model outputs (weak and strong self-instruct models, hh-rlhf with its harmful requests, KTO and DPO demos),
# math, code, Chinese, roleplay/tool data and multi-turn chats.
# fmt: off
SOURCES: tuple[str, ...] = (
    *SELF_INSTRUCT,
    "hh_rlhf/harmless_base_test.jsonl",
    "llama_factory_demo/kto_en_demo.json",
    "llama_factory_demo/dpo_en_demo.json",
    "llama_factory_demo/dpo_zh_demo.json",
    "llama_factory_demo/alpaca_en_demo.json",
    "llama_factory_demo/alpaca_zh_demo.json",
    "llama_factory_demo/glaive_toolcall_en_demo.json",
    "llama_factory_demo/glaive_toolcall_zh_demo.json",
    "llama_factory_demo/identity.json",
    "alpaca_data_cleaned/gsm_8k_train.json",
    "alpaca_data_cleaned/gpteacher_roleplay_deduped.json",
    "alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json",
    "codealpaca/code_alpaca_2k.json",
    "alpaca_chinese_carbonz0/zh-data-part-00.json",
    "alpaca_chinese_carbonz0/zh-data-part-01.json",
    "fastchat/dummy_conversation.json",
)
# fmt: on
ROW_COLUMNS = ("source", "line", "kind", "system", "messages", "input", "chosen", "rejected", "label")

ENCODER = SHARED / "models" / "all-MiniLM-L6-v2"
SEMANTIC_CACHE = ROOT / "bench" / "out" / "semantic" / "cache"
SEMANTIC_RULES = ("semantic_duplicate", "reply_unrelated_to_prompt")
# English (the encoder is): weak and strong models' answers to the same 252 instructions (off-topic replies,
# near-identical answers), human-written and generated instructions, code, preference and KTO replies, and
# hh-rlhf's multi-turn chats
# fmt: off
SEMANTIC_SOURCES: tuple[str, ...] = (
    *SELF_INSTRUCT,
    "llama_factory_demo/alpaca_en_demo.json",
    "codealpaca/code_alpaca_2k.json",
    "llama_factory_demo/dpo_en_demo.json",
    "llama_factory_demo/kto_en_demo.json",
    "hh_rlhf/harmless_base_test.jsonl",
)
# fmt: on
SEMANTIC_STAGES = ("mappers", "checks", "language", "dedup", "semantic_dedup", "tasks", "relevance")
EXPLAINING = ("id", "sem_dup_kept_id", "sem_dup_cosine", "prompt_reply_cosine", "task")


def relative_source(path: str) -> str:
    """A source as labels name it: its path under ../shared/data."""
    return Path(path).resolve().relative_to(SHARED.resolve()).as_posix()


def flagged_frame(
    rules: RuleFile,
    sources: tuple[str, ...] = SOURCES,
    stages: tuple[str, ...] = ("mappers", "checks", "language"),
    cache_dir: Path | None = None,
) -> pl.DataFrame:
    """Every row of every source through the stages: source, line, the rules it flags (and the columns
    that explain a semantic flag, where those stages ran)."""
    read = read_corpus([str(SHARED / source) for source in sources])
    result = curate_frame(read.records, rules, only_stages=list(stages), cache_dir=cache_dir)
    frame = result.frame
    flags = pl.col("failed_rules")
    if "flagged_rules" in frame.columns:
        flags = pl.concat_list(pl.col("failed_rules"), pl.col("flagged_rules")).list.unique(
            maintain_order=True
        )
    sources_named = {path: relative_source(path) for path in frame["source"].unique().to_list()}
    return frame.select(
        pl.col("source").replace_strict(sources_named, return_dtype=pl.String),
        *ROW_COLUMNS[1:],
        flags.alias("flags"),
        *(c for c in EXPLAINING if c in frame.columns and "semantic_dedup" in stages),
    )


def semantic_rules(rules: RuleFile) -> RuleFile:
    """The rule file with `semantic_dedup` and `relevance` at their defaults, on the English encoder."""
    raw = {**rules.raw, "semantic_dedup": {"model": str(ENCODER)}, "relevance": {"model": str(ENCODER)}}
    return parse_rules(raw, source=f"{rules.source} + semantic_dedup, relevance ({ENCODER.name})")


def semantic_frame(rules: RuleFile) -> pl.DataFrame:
    """SEMANTIC_SOURCES through the default rules, then semantic dedup and relevance at their defaults."""
    return flagged_frame(semantic_rules(rules), SEMANTIC_SOURCES, SEMANTIC_STAGES, SEMANTIC_CACHE)


def rule_names(rules: RuleFile) -> list[str]:
    """The rules of the rule file in order: every check, then the language rules it enables."""
    names = [rule.name for rule in rules.sections["checks"].rules]
    language = rules.sections.get("language")
    if language is not None and getattr(language, "fields", None):
        names += ["language_not_allowed", "language_impure"]
        if getattr(language, "mismatch", False):
            names.append("language_mismatch")
    return names


def rule_actions(rules: RuleFile) -> dict[str, str]:
    """Each rule's action (drop | flag) in the rule file."""
    actions = {rule.name: rule.action for rule in rules.sections["checks"].rules}
    semantic = semantic_rules(rules).sections
    actions["semantic_duplicate"] = semantic["semantic_dedup"].action
    actions["reply_unrelated_to_prompt"] = semantic["relevance"].action
    language = rules.sections.get("language")
    if language is not None:
        actions.update(
            {name: language.action_of(name) for name in rule_names(rules) if name.startswith("language_")}
        )
    return actions


def read_labels(rule: str) -> dict[tuple[str, int], dict[str, Any]]:
    """(source, line) → label of bench/labels/<rule>.jsonl; a malformed label stops with its file:line."""
    path = LABELS / f"{rule}.jsonl"
    labels: dict[tuple[str, int], dict[str, Any]] = {}
    if not path.exists():
        return labels
    for number, text in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not text.strip():
            continue
        label = json.loads(text)
        if label.get("verdict") not in VERDICTS or not str(label.get("reason", "")).strip():
            raise SystemExit(f"{path}:{number}: verdict must be one of {VERDICTS} with a reason: {text}")
        labels[(str(label["source"]), int(label["line"]))] = label
    return labels


@dataclass(frozen=True)
class RulePrecision:
    rule: str
    flags: int  # rows the rule flags on the sources
    labeled: int  # of those, rows with a label
    defective: int
    borderline: int
    sources: int  # distinct sources among the labeled flags

    @property
    def fine(self) -> int:
        return self.labeled - self.defective - self.borderline

    @property
    def precision_low(self) -> float:
        return self.defective / self.labeled if self.labeled else float("nan")

    @property
    def precision_high(self) -> float:
        return (self.defective + self.borderline) / self.labeled if self.labeled else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.defective, self.labeled)

    def to_json(self) -> dict[str, Any]:
        low, high = self.interval
        return {
            "flags": self.flags,
            "labeled_flags": self.labeled,
            "defective": self.defective,
            "borderline": self.borderline,
            "precision_low": round(self.precision_low, 4),
            "precision_high": round(self.precision_high, 4),
            "wilson_low": round(low, 4),
            "wilson_high": round(high, 4),
            "sources": self.sources,
        }


def measure(frame: pl.DataFrame, rule: str) -> RulePrecision:
    flagged = frame.filter(pl.col("flags").list.contains(rule)).select("source", "line")
    labels = read_labels(rule)
    verdicts = [labels[key] for key in flagged.iter_rows() if key in labels]
    counts = Counter(label["verdict"] for label in verdicts)
    return RulePrecision(
        rule=rule,
        flags=flagged.height,
        labeled=len(verdicts),
        defective=counts["defective"],
        borderline=counts["borderline"],
        sources=len({label["source"] for label in verdicts}),
    )


def base_rate(frame: pl.DataFrame) -> dict[str, Any]:
    """Defects among labeled rows that no rule flags (what the rules miss)."""
    unflagged = frame.filter(pl.col("flags").list.len() == 0).select("source", "line")
    labels = read_labels(BASE)
    verdicts = [labels[key] for key in unflagged.iter_rows() if key in labels]
    defective = sum(label["verdict"] == "defective" for label in verdicts)
    borderline = sum(label["verdict"] == "borderline" for label in verdicts)
    low, high = wilson(defective, len(verdicts))
    return {
        "labeled": len(verdicts),
        "defective": defective,
        "borderline": borderline,
        "rate": round(defective / len(verdicts), 4) if verdicts else None,
        "wilson_low": round(low, 4),
        "wilson_high": round(high, 4),
        "unflagged_rows": unflagged.height,
    }


def _result_rows(results: list[RulePrecision], actions: dict[str, str]) -> list[str]:
    lines = [
        "| rule | action | flags | labeled | defective | borderline | fine | precision (borderline fine .. "
        "defective) | 95% Wilson (lower end) | sources |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for r in results:
        low, high = r.interval
        precision = f"{r.precision_low:.2f} .. {r.precision_high:.2f}" if r.labeled else "—"
        lines.append(
            f"| {r.rule} | {actions.get(r.rule, '?')} | {r.flags} | {r.labeled} | {r.defective} | {r.borderline} | {r.fine} | {precision} "
            f"| {low:.2f}–{high:.2f} | {r.sources} |"
        )
    return lines


def table(results: list[RulePrecision], base: dict[str, Any], rows: int, actions: dict[str, str]) -> str:
    lines = [
        f"Rows: {rows:,} from {len(SOURCES)} sources in ../shared/data; rule file rules/default.yaml.",
        "",
        *_result_rows(results, actions),
    ]
    rate = "—" if base["rate"] is None else f"{base['defective']}/{base['labeled']} = {base['rate']:.2f}"
    lines += [
        "",
        f"Base rate (rows no rule flags, labeled): defective {rate} "
        f"(95% Wilson {base['wilson_low']:.2f}–{base['wilson_high']:.2f}; borderline {base['borderline']}).",
    ]
    return "\n".join(lines)


def semantic_table(results: list[RulePrecision], rows: int, actions: dict[str, str]) -> str:
    lines = [
        f"Meaning-aware rules (issue 19), encoder {ENCODER.name}: {rows:,} rows from {len(SEMANTIC_SOURCES)} "
        "English sources, after the default rules (a row they drop is not compared).",
        "",
        *_result_rows(results, actions),
        "",
        "Verdicts: a semantic duplicate is defective when keeping it beside its kept twin adds nothing (the same "
        "answer reworded, or a part of it); fine when it says something else (or better: the keep policy kept a "
        "copy of the input over a real answer); borderline when the two answers overlap in part, or differ but "
        "the row is bad for another reason. A relevance flag is defective when the reply does not answer the "
        "prompt (a non sequitur, a non-answer to a plain question); fine when it answers it (a short reply, "
        '"You\'re welcome!" to thanks, a refusal); borderline when it dodges a harmful request by feigning not '
        "to understand, or answers it in a way that is bad for another reason.",
    ]
    return "\n".join(lines)


def listing(frame: pl.DataFrame, rule: str, *, unlabeled: bool, limit: int, seed: int) -> str:
    """Flagged rows (or unflagged ones for BASE) as JSON lines to read: a seeded sample, sources mixed."""
    if rule == BASE:
        rows = frame.filter(pl.col("flags").list.len() == 0)
        labels = read_labels(BASE)
    else:
        rows = frame.filter(pl.col("flags").list.contains(rule))
        labels = read_labels(rule)
    if unlabeled:
        keys = pl.DataFrame(
            {"source": [k[0] for k in labels], "line": [k[1] for k in labels]},
            schema={"source": pl.String, "line": pl.Int64},
        )
        rows = rows.join(keys, on=["source", "line"], how="anti", maintain_order="left")
    order = list(range(rows.height))
    random.Random(seed).shuffle(order)
    picked = rows[order[:limit]] if rows.height else rows
    if rule == "semantic_duplicate":  # the kept row it duplicates, to read beside it
        twins = frame.select(
            pl.col("id").alias("sem_dup_kept_id"),
            pl.struct("source", "line", "label", "messages", "input", "chosen").alias("kept_twin"),
        ).unique("sem_dup_kept_id", keep="first", maintain_order=True)  # one twin per id, never a row twice
        picked = picked.join(twins, on="sem_dup_kept_id", how="left", maintain_order="left")
    return "\n".join(
        json.dumps({key: _shortened(value) for key, value in row.items()}, ensure_ascii=False, default=str)
        for row in picked.iter_rows(named=True)
    )


def _shortened(value: Any, head: int = 1500, tail: int = 700) -> Any:
    """Long texts as their start and end (a truncation or a loop shows at the end), lists element-wise."""
    if isinstance(value, str) and len(value) > head + tail + 40:
        return f"{value[:head]} […{len(value) - head - tail} chars…] {value[-tail:]}"
    if isinstance(value, list):
        return [_shortened(v, head, tail) for v in value]
    if isinstance(value, dict):
        return {k: _shortened(v, head, tail) for k, v in value.items()}
    return value


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="also write rules/precision.json")
    parser.add_argument(
        "--list", metavar="RULE", help=f"print flagged rows of RULE (or {BASE}) as JSON lines"
    )
    parser.add_argument("--unlabeled", action="store_true", help="with --list: only rows without a label")
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--rules", type=Path, default=RULE_FILE, help="rule file (default rules/default.yaml)"
    )
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"needs {SHARED} (the real third-party data), which is absent here", file=sys.stderr)
        return 2
    rules = load_rule_file(args.rules)
    if args.list in SEMANTIC_RULES:
        frame = semantic_frame(rules)
        print(listing(frame, args.list, unlabeled=args.unlabeled, limit=args.limit, seed=args.seed))
        return 0
    frame = flagged_frame(rules)
    if args.list:
        print(listing(frame, args.list, unlabeled=args.unlabeled, limit=args.limit, seed=args.seed))
        return 0
    results = [measure(frame, rule) for rule in rule_names(rules)]
    base = base_rate(frame)
    actions = rule_actions(rules)
    print(table(results, base, frame.height, actions))
    meaning = semantic_frame(rules)
    semantic = [measure(meaning, rule) for rule in SEMANTIC_RULES]
    print("\n" + semantic_table(semantic, meaning.height, actions))
    if args.write:
        # the default rules only: the run report shows a number where a run's rule has the default rule's
        # settings, and the meaning-aware sections are not in rules/default.yaml
        payload = {
            "source": "bench/precision.py",
            "labels": "bench/labels",
            "rules": {r.rule: r.to_json() for r in results if r.labeled},
            "base_rate": base,
        }
        PRECISION_JSON.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        PRECISION_MD.write_text(
            "# Precision of every default rule on hand-labeled real rows\n\n"
            "`python bench/precision.py --write` (labels: bench/labels/, one verdict per flagged row by file and "
            "line; README there). A rule drops by default only where the lower end of its 95% Wilson interval is "
            ">= 0.9 on >= 60 labeled flags from >= 3 sources; the others run with `action: flag` "
            "(rules/default.yaml says which and why).\n\n"
            + table(results, base, frame.height, actions)
            + "\n\n"
            + semantic_table(semantic, meaning.height, actions)
            + "\n",
            encoding="utf-8",
        )
        print(f"\nwrote {PRECISION_JSON.relative_to(ROOT)} and {PRECISION_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
