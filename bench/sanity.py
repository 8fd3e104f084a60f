"""Sanity checks on real data: how many rows each check flags per set, five examples each, and the precision
found by reading up to 30 flags per check by hand.

    nice python bench/sanity.py                  # bench/results/sanity.md (+ bench/out/sanity_flags.md)

Sets (../shared/data): self_instruct predictions of the eight models, alpaca_zh_demo, alpaca_chinese_carbonz0
(both parts), hh_rlhf harmless-base test, GPTeacher roleplay + toolformer. Every check runs with its default
parameters through the rule engine (winnow.curation.checks.engine). bench/out/sanity_flags.md lists up to 30 flags per
check (a seeded random sample) for reading; the verdicts of that reading are written in PRECISION below by
hand and copied into the results, so anyone can re-read the same 30 and disagree.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from winnow.curation.checks.engine import build_rule  # noqa: E402
from winnow.curation.checks.section import RuleConfig  # noqa: E402
from winnow.curation.io.read import read_corpus  # noqa: E402
from winnow.curation.record import input_expr, instruction_expr, response_expr  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
# fmt: off
MODELS = (
    "davinci", "davinci-self-instruct", "davinci-self-instruct-and-superni-ft", "davinci-superni-ft",
    "davinci-t0-ft", "text-davinci-001", "text-davinci-002", "text-davinci-003",
)
# fmt: on
SETS: dict[str, list[str]] = {
    "self_instruct": [f"self_instruct/predictions/{name}_predictions.jsonl" for name in MODELS],
    "alpaca_zh_demo": ["llama_factory_demo/alpaca_zh_demo.json"],
    "carbonz0": [
        "alpaca_chinese_carbonz0/zh-data-part-00.json",
        "alpaca_chinese_carbonz0/zh-data-part-01.json",
    ],
    "hh_rlhf": ["hh_rlhf/harmless_base_test.jsonl"],
    "gpteacher": [
        "alpaca_data_cleaned/gpteacher_roleplay_deduped.json",
        "alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json",
    ],
    # Not in the list: the conversation, preference and KTO checks need multi-turn, pair and label rows.
    "structured": [
        "llama_factory_demo/dpo_en_demo.json",
        "llama_factory_demo/dpo_zh_demo.json",
        "llama_factory_demo/kto_en_demo.json",
        "llama_factory_demo/glaive_toolcall_en_demo.json",
        "llama_factory_demo/glaive_toolcall_zh_demo.json",
        "fastchat/dummy_conversation.json",
    ],
}
# (rule name, check, field) — text checks on the reply unless the check is about the prompt.
RULES: list[tuple[str, str, str | None]] = [
    ("empty_response", "empty_response", "response"),
    ("placeholder_response", "placeholder_response", "response"),
    ("response_echoes_prompt", "response_echoes_prompt", None),
    ("merged_instructions", "merged_instructions", "response"),
    ("references_unseen_content.input", "references_unseen_content", "input"),
    ("references_unseen_content.instruction", "references_unseen_content", "instruction"),
    ("refusal_response", "refusal_response", "response"),
    ("ai_self_reference", "ai_self_reference", "response"),
    ("truncated_response", "truncated_response", "response"),
    ("response_too_short_for_task", "response_too_short_for_task", None),
    ("unfilled_template", "unfilled_template", "response"),
    ("conversation_role_order", "conversation_role_order", None),
    ("conversation_last_turn", "conversation_last_turn", None),
    ("conversation_empty_turn", "conversation_empty_turn", None),
    ("conversation_repeated_turn", "conversation_repeated_turn", None),
    ("preference_identical_pair", "preference_identical_pair", None),
    ("preference_empty_side", "preference_empty_side", None),
    ("kto_missing_label", "kto_missing_label", None),
]

# Verdicts from reading bench/out/sanity_flags.md (up to 30 flags per check, seeded sample):
# rule → (flags that really are the defect the check names, flags read, what the misses were).
PRECISION: dict[str, tuple[int, int, str]] = {
    "placeholder_response": (
        6,
        6,
        "All six are stand-ins: 不适用 x3 (carbonz0), '...', '............' and '?' (hh_rlhf).",
    ),
    "response_echoes_prompt": (
        24,
        30,
        "Misses: the input was already right (capitals already matched, a sentence already grammatical, "
        "an APA citation already in APA), or the only change is a final full stop / question mark on a "
        "'punctuate this' task. Hits: weak models repeating the prompt, and carbonz0 machine-translation "
        "artifacts (English-only tasks such as 'convert to American spelling' or 'remove the spaces' whose "
        "Chinese input cannot change).",
    ),
    "merged_instructions": (
        14,
        14,
        "All carry the next task ('##', 'N. 说明：… N.输入：… N.输出：', '11. 指令：').",
    ),
    "references_unseen_content.input": (
        29,
        30,
        "Re-read in session 3: a URL-only input that the reply writes out (code or a tool call that fetches "
        "it, as GPTeacher toolformer's request('…')) is no longer flagged, which removed 161 of the 162 "
        "GPTeacher flags behind the earlier 14/30. Miss: 'output the domain of this URL' (the address is all "
        "the task needs). Hits: summaries, titles, reviews and descriptions of articles, videos and paintings "
        "behind a link the model never saw (carbonz0), one answered from the file name (Van_Gogh_018.jpg).",
    ),
    "references_unseen_content.instruction": (
        12,
        14,
        "Misses: two rows whose input describes the chart in words ('饼图显示…').",
    ),
    "refusal_response": (
        27,
        30,
        "Misses: a 'make it formal' rewrite of an apology (…我明天不能来了), a translated poem line "
        "('抱歉我不能同时旅行'), a tone rewrite ('抱歉，我不能参加会议'). The 11 hh_rlhf flags are real refusals "
        "but they are the harmless *chosen* replies: keep this rule off safety preference data.",
    ),
    "ai_self_reference": (
        20,
        30,
        "Misses: GPTeacher roleplay rows whose instruction asks the model to play an AI (7), a chatbot script "
        "with an 'AI:' speaker, and two confused replies that say 'you, as an AI assistant'. A text check "
        "cannot see the instruction; on roleplay data expect these.",
    ),
    "truncated_response": (
        22,
        30,
        "Re-read in session 3 (the dangling-ending rule changed the flags, 337 -> 343, and so the "
        "sample; the earlier sample read 21/26). Misses: complete Chinese sentences or list lines without a "
        "final 。 (x3), complete English lines without a full stop (x4: a link, a poem list, two sentences), "
        "a rewrite of `if …:` that ends in '：'. Hits: weak-model generations cut at the token limit "
        "(mid-row, after 'and' / 'the' / 'It is'), hh_rlhf replies cut mid-sentence or right after "
        "'Here's an example:', an unclosed quote in a shell command, an unclosed \\begin{tabular, a reply "
        "ending in a broken multi-byte character.",
    ),
    "response_too_short_for_task": (
        18,
        19,
        "Miss: a 32-word blog-post section. Hits: 'compose ABC notation for a song' → 'ABCDEFG', a review "
        "'4 stars', a rejection letter of 7 words, a letter that is only '亲爱的史密斯博士，', a 1850-字 story "
        "of ~500 characters. Earlier versions of this check read 8/30 and 14/30; the misses (重写/大小写/"
        "信息/写论文时/1000 字的文章中…) became exemptions and tests.",
    ),
    "unfilled_template": (
        26,
        30,
        "Misses: the instruction asked for a template (LinkedIn summary, two e-mail signatures), and one "
        "sample greeting for the user to adapt ('嗨，我是[你的名字]'). Hits: letters signed '[Your Name]' / "
        "'[你的名字]', '[公司名称]', '[date]'.",
    ),
    "conversation_repeated_turn": (1, 1, "The reply repeats the instruction verbatim (carbonz0)."),
    "conversation_role_order": (
        2,
        2,
        "Both in `structured` (glaive_toolcall_zh_demo): the translated data turned the function call into a "
        "plain gpt turn ('AI 计算折扣: {…}') that an observation then follows: user, assistant, tool.",
    ),
}


def load_sets() -> pl.DataFrame:
    frames = []
    for name, paths in SETS.items():
        present = [SHARED / p for p in paths if (SHARED / p).exists()]
        if not present:
            continue
        records = read_corpus(present).records
        frames.append(records.with_columns(pl.lit(name).alias("set")))
    return pl.concat(frames, how="vertical_relaxed")


def clip(text: str | None, limit: int = 220) -> str:
    if text is None:
        return "∅"
    flat = text.replace("\n", "⏎").replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit // 2] + " … " + flat[-limit // 2 :]


def run(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for rule, check, field in RULES:
        built = build_rule(RuleConfig(name=rule, check=check, field=field, params={}))
        exprs.append(built.fails.fill_null(False).alias(f"fails.{rule}"))
        span = built.span if built.span is not None else pl.lit(None, dtype=pl.String)
        exprs.append(span.cast(pl.String).alias(f"span.{rule}"))
    views = [
        instruction_expr().alias("v_instruction"),
        input_expr().alias("v_input"),
        response_expr().alias("v_response"),
    ]
    return frame.with_columns(*exprs, *views)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "sanity.md")
    parser.add_argument("--flags", type=Path, default=ROOT / "bench" / "out" / "sanity_flags.md")
    args = parser.parse_args()
    started = time.perf_counter()
    frame = load_sets()
    print(f"{frame.height} rows in {frame['set'].n_unique()} sets", flush=True)
    flagged = run(frame)
    elapsed = time.perf_counter() - started
    sets = list(SETS)
    lines = [
        "# Sanity checks on real data\n",
        f"Produced by `nice python bench/sanity.py` ({frame.height} rows, load + all checks {elapsed:.1f}s on a "
        "shared 2-core machine). Counts are rows flagged per set with default parameters; a row may be "
        "flagged by several checks. Precision: flags read by hand (a seeded sample of up to 30 per check "
        "from the five sets the issue names, in bench/out/sanity_flags.md) that really are the defect the "
        "check names. `structured` (LLaMA-Factory dpo/kto/glaive demos + FastChat dummy conversations) is "
        "there to exercise the conversation, preference and KTO checks; its flags were looked at, not "
        "counted into the precision.\n",
        "| check | "
        + " | ".join(f"{s} ({frame.filter(pl.col('set') == s).height})" for s in sets)
        + " | precision (read) |",
        "|---|" + "---|" * (len(sets) + 1),
    ]
    flags_out = ["# Flags to read (up to 30 per check, seeded sample)\n"]
    examples = ["\n## Five examples per check\n"]
    for rule, _, _ in RULES:
        hits = flagged.filter(pl.col(f"fails.{rule}"))
        counts = [hits.filter(pl.col("set") == s).height for s in sets]
        verdict = PRECISION.get(rule)
        precision = (
            f"{verdict[0]}/{verdict[1]}" if verdict else ("no flags" if hits.height == 0 else "not read")
        )
        lines.append(f"| {rule} | " + " | ".join(str(c) for c in counts) + f" | {precision} |")
        # The read sample comes from the five sets only (the verdicts in PRECISION are about it).
        readable = hits.filter(pl.col("set") != "structured")
        sample = readable.sample(n=min(30, readable.height), seed=0, shuffle=True)
        extra = hits.filter(pl.col("set") == "structured").head(5)
        flags_out.append(f"\n## {rule} ({hits.height} flagged)\n")
        examples.append(f"\n### {rule} ({hits.height} flagged)\n")
        if verdict:
            examples.append(f"Read {verdict[1]}, {verdict[0]} real. {verdict[2]}\n")
        for i, row in enumerate([*sample.iter_rows(named=True), *extra.iter_rows(named=True)]):
            entry = (
                f"{i + 1}. [{row['set']}] `{row['id']}` span: {clip(row[f'span.{rule}'], 80)}\n"
                f"   - instruction: {clip(row['v_instruction'])}\n"
                f"   - input: {clip(row['v_input'], 120)}\n"
                f"   - response: {clip(row['v_response'])}\n"
            )
            flags_out.append(entry)
            if i < 5 or (i >= sample.height and row["set"] == "structured" and i < sample.height + 2):
                examples.append(entry)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines + examples) + "\n", encoding="utf-8")
    args.flags.parent.mkdir(parents=True, exist_ok=True)
    args.flags.write_text("\n".join(flags_out) + "\n", encoding="utf-8")
    print(f"wrote {args.out} and {args.flags}")


if __name__ == "__main__":
    main()
