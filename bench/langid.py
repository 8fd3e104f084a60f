"""Language-ID benchmark: winnow's language pass against plain per-row langdetect.

    nice python bench/langid.py                 # everything, results to bench/results/langid.md
    nice python bench/langid.py --plain-rows 2000 --skip-udhr

1. Accuracy on ../shared/data/lingua_langid (en zh ja ko de fr es ru ar; sentence, word_pair, single_word):
   winnow with every language it knows as a candidate, winnow told the nine benchmark languages
   (`candidates:` in the rule file), and plain langdetect on the whole text (seeded, so it repeats).
   "und" counts as wrong.
2. The English function-word fast path: how many non-English lingua texts (all 75 languages) it settles as en.
3. Throughput on a zh/en instruction corpus (alpaca_zh_demo, alpaca_en_demo, alpaca_chinese_carbonz0,
   gpteacher toolformer, code_alpaca_2k): winnow per field (instruction, input, response) with two worker
   processes, cold (no cache) and warm (cache filled), against plain langdetect per row on a seeded random
   sample of rows (its speed does not depend on corpus size). Timings on a shared 2-core machine: noisy.
4. UDHR long texts (../shared/data/udhr_langid): accuracy on the varieties whose language either side knows
   (winnow with the stage's default settings).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curate.language.annotate import annotate_languages  # noqa: E402
from curate.language.cache import LanguageCache  # noqa: E402
from curate.language.detect import DETECTOR_VERSION, detect_many, detect_one  # noqa: E402
from curate.language.identify import IdentifySettings, identify, script_pass  # noqa: E402
from curate.language.resolve import make_resolution  # noqa: E402
from curate.language.scripts import SUPPORTED_LANGUAGES  # noqa: E402
from curate.language.section import LanguageConfig  # noqa: E402
from curate.record import all_text_expr  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
BENCH_LANGS = ("en", "zh", "ja", "ko", "de", "fr", "es", "ru", "ar")
GRANULARITIES = ("sentence", "word_pair", "single_word")
# The corpus (mostly Chinese), and the same with two English sets added (about a third English).
CORPUS_ZH = (
    "llama_factory_demo/alpaca_zh_demo.json",
    "llama_factory_demo/alpaca_en_demo.json",
    "alpaca_chinese_carbonz0/zh-data-part-00.json",
    "alpaca_chinese_carbonz0/zh-data-part-01.json",
)
CORPUS_MIXED = (
    *CORPUS_ZH,
    "alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json",
    "codealpaca/code_alpaca_2k.json",
)
# ISO 639-3 (UDHR) → ISO 639-1 for languages winnow or langdetect can name.
ISO3_TO_1 = {
    "afr": "af", "als": "sq", "arb": "ar", "ben": "bn", "bul": "bg", "cat": "ca", "ces": "cs", "cmn": "zh",
    "cym": "cy", "dan": "da", "deu": "de", "ekk": "et", "ell": "el", "eng": "en", "fin": "fi", "fra": "fr",
    "guj": "gu", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "ind": "id", "ita": "it",
    "jpn": "ja", "kan": "kn", "kat": "ka", "kor": "ko", "lit": "lt", "lvs": "lv", "mal": "ml", "mar": "mr",
    "mkd": "mk", "nld": "nl", "nno": "no", "nob": "no", "npi": "ne", "pan": "pa", "pes": "fa", "pol": "pl",
    "por": "pt", "ron": "ro", "rus": "ru", "slk": "sk", "slv": "sl", "som": "so", "spa": "es", "swe": "sv",
    "swh": "sw", "tam": "ta", "tel": "te", "tgl": "tl", "tha": "th", "tur": "tr", "ukr": "uk", "urd": "ur",
    "vie": "vi",
}  # fmt: skip


def plain_langdetect(texts: list[str]) -> list[str]:
    """The baseline: langdetect on the whole text, one row at a time, seeded; "und" where it raises."""
    return [detect_one(text) for text in texts]


def plain_langdetect_parallel(texts: list[str]) -> list[str]:
    """The same answers as plain_langdetect (seeded, whole text, every language), on two processes: for
    accuracy tables only, where the baseline's speed is not what is measured."""
    return detect_many([(text, ()) for text in texts], workers=2)


def winnow_langs(
    texts: list[str], candidates: tuple[str, ...] | None, min_words: int, cache: LanguageCache
) -> list[str]:
    settings = IdentifySettings(resolution=make_resolution(candidates, min_words=min_words))
    result, _ = identify(pl.Series(texts, dtype=pl.String), settings, workers=2, cache=cache)
    return result["lang"].to_list()


def accuracy_table(frame: pl.DataFrame, columns: list[str], by: str) -> pl.DataFrame:
    return (
        frame.group_by(by)
        .agg(pl.len().alias("rows"), *[(pl.col(c) == pl.col("lang")).mean().alias(c) for c in columns])
        .sort(by)
    )


def md_table(frame: pl.DataFrame, digits: int = 4) -> str:
    head = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    lines = []
    for row in frame.iter_rows():
        cells = [f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def bench_lingua(report: list[str]) -> pl.DataFrame:
    path = SHARED / "lingua_langid" / "lingua_langid_dev.jsonl"
    everything = pl.read_ndjson(path)
    frame = everything.filter(pl.col("lang").is_in(BENCH_LANGS))
    texts = frame["text"].to_list()
    print(f"lingua: {len(texts)} texts in {len(BENCH_LANGS)} languages", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        cache = LanguageCache(Path(tmp))  # the settings below share langdetect answers where keys agree
        frame = frame.with_columns(
            pl.Series("winnow", winnow_langs(texts, None, 1, cache)),
            pl.Series("winnow_stage", winnow_langs(texts, None, 3, cache)),
            pl.Series("winnow_9", winnow_langs(texts, BENCH_LANGS, 1, cache)),
        )
    print(f"  winnow (three settings) {time.perf_counter() - started:.1f}s", flush=True)
    started = time.perf_counter()
    frame = frame.with_columns(pl.Series("plain", plain_langdetect_parallel(texts)))
    print(f"  plain langdetect {time.perf_counter() - started:.1f}s", flush=True)
    columns = ["winnow", "winnow_stage", "winnow_9", "plain"]
    report.append("## 1. lingua_langid accuracy (dev half; und counts as wrong)\n")
    report.append(
        "`winnow`: the detector with every language it knows as a candidate and `min_words: 1` (a single "
        "word is judged). `winnow_stage`: the `language` section's default, `min_words: 3` (one or two words "
        'left for langdetect are "und", on purpose: that is a guess, not a detection). `winnow_9`: '
        "`candidates: [en, zh, ja, ko, de, fr, es, ru, ar]`, `min_words: 1`. `plain`: seeded langdetect on "
        "the whole text, every language.\n"
    )
    table = accuracy_table(frame, columns, "granularity")
    report.append(md_table(table))
    report.append("\nPer language and granularity:\n")
    per_lang = (
        frame.group_by("granularity", "lang")
        .agg(
            pl.len().alias("rows"),
            *[(pl.col(c) == pl.col("lang")).mean().alias(c) for c in columns],
            (pl.col("winnow") == "und").sum().alias("winnow_und"),
            (pl.col("winnow_stage") == "und").sum().alias("stage_und"),
        )
        .sort("granularity", "lang")
    )
    report.append(md_table(per_lang, 3))

    # The English fast path must not claim other languages: run the script pass alone over all 75.
    settled = script_pass(everything["text"], IdentifySettings()).select("text", "settled")
    joined = everything.join(settled, on="text", how="left")
    claimed = joined.filter(pl.col("settled") == "en")
    wrong = claimed.filter(pl.col("lang") != "en")
    report.append(
        f"\n## 2. English function-word fast path\n\nOver all {everything.height} lingua dev texts (75 "
        f"languages) the fast path settled {claimed.height} as English without langdetect; "
        f"{wrong.height} of them are not English"
        + (f" ({', '.join(sorted(set(wrong['lang'].to_list())))})" if wrong.height else "")
        + ".\n"
    )
    return table


def bench_throughput(report: list[str], plain_rows: int, label: str, corpus: tuple[str, ...]) -> float:
    """Appends the throughput section for one corpus; returns winnow's cold speed-up over plain langdetect."""
    from curate.io.read import read_corpus

    paths = [SHARED / p for p in corpus if (SHARED / p).exists()]
    records = read_corpus(paths).records
    print(f"throughput corpus {label}: {records.height} rows", flush=True)
    fields = ("instruction", "input", "response")
    settings = LanguageConfig().identify_settings()  # what the stage runs with by default
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        cache = LanguageCache(Path(tmp)).load()
        annotated, stats = annotate_languages(records, fields, settings, cache=cache, workers=2)
        cache.save()
        cold = time.perf_counter() - started
        started = time.perf_counter()
        cache = LanguageCache(Path(tmp)).load()
        _, warm_stats = annotate_languages(records, fields, settings, cache=cache, workers=2)
        warm = time.perf_counter() - started
    sample = records.sample(n=min(plain_rows, records.height), seed=0, shuffle=True)
    whole = sample.select(all_text_expr()).to_series().to_list()
    started = time.perf_counter()
    plain_langdetect(whole)
    plain_time = time.perf_counter() - started
    plain_rate = len(whole) / plain_time
    cold_rate, warm_rate = records.height / cold, records.height / warm
    counts = annotated["lang.response"].value_counts(sort=True).head(6).rows()
    report.append(
        f"\n## 3{label}. Throughput on a zh/en instruction corpus\n\n"
        f"Corpus: {', '.join(p.name for p in paths)}: {records.height} rows. winnow detects three fields "
        f"per row (instruction, input, response: {stats.texts} texts, {stats.unique_texts} unique); plain "
        f"langdetect one whole-row text per row, on a seeded sample of {len(whole)} rows.\n\n"
        f"| run | rows/s | speed-up vs plain |\n|---|---|---|\n"
        f"| plain langdetect per row (1 process) | {plain_rate:.0f} | 1.0x |\n"
        f"| winnow cold (no cache, 2 workers) | {cold_rate:.0f} | {cold_rate / plain_rate:.1f}x |\n"
        f"| winnow warm (cache filled) | {warm_rate:.0f} | {warm_rate / plain_rate:.1f}x |\n\n"
        f"Cold run: {stats.settled_by_script} unique texts settled by script, {stats.langdetect_texts} sent "
        f"to langdetect; warm run: {warm_stats.cache_hits} cache hits. Response languages: {counts}. "
        f"Wall times: winnow cold {cold:.1f}s, warm {warm:.1f}s, plain {plain_time:.1f}s for its sample.\n"
    )
    return cold_rate / plain_rate


def bench_udhr(report: list[str]) -> None:
    frame = (
        pl.read_ndjson(SHARED / "udhr_langid" / "udhr_langid_dev.jsonl")
        .filter(pl.col("iso6393").is_in(list(ISO3_TO_1)) & (pl.col("bcp47") != "vi-Hani"))
        .with_columns(pl.col("iso6393").replace_strict(ISO3_TO_1).alias("lang"))
    )
    texts = frame["text"].to_list()
    print(f"udhr: {len(texts)} texts", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        winnow = winnow_langs(texts, None, 3, LanguageCache(Path(tmp)))
    frame = frame.with_columns(
        pl.Series("winnow", winnow), pl.Series("plain", plain_langdetect_parallel(texts))
    )
    columns = ["winnow", "plain"]
    overall = frame.select(
        pl.len().alias("rows"), *[(pl.col(c) == pl.col("lang")).mean().alias(c) for c in columns]
    )
    nine = frame.filter(pl.col("lang").is_in(BENCH_LANGS))
    nine_acc = nine.select(
        pl.len().alias("rows"), *[(pl.col(c) == pl.col("lang")).mean().alias(c) for c in columns]
    )
    misses = (
        frame.filter(pl.col("winnow") != pl.col("lang"))
        .group_by("lang", "winnow")
        .len()
        .sort("len", descending=True)
        .head(8)
        .rows()
    )
    report.append(
        f"\n## 4. UDHR long texts\n\n{len(SUPPORTED_LANGUAGES)} languages either side can name; "
        f"{frame.height} texts (20-3000 characters; Vietnamese in Han script left out: neither side knows it).\n\n"
        + md_table(overall)
        + "\nThe nine benchmark languages only:\n\n"
        + md_table(nine_acc)
        + f"\nwinnow's misses (truth, answer, count): {misses}\n"
    )


def goals(table: pl.DataFrame, speedups: dict[str, float]) -> str:
    """The issue's three goals, met or not, from the numbers above."""
    lines = ["\n## Goals\n", "| goal | result | met |", "|---|---|---|"]
    for row in table.iter_rows(named=True):
        ok = row["winnow"] >= row["plain"]
        lines.append(
            f"| winnow >= plain on {row['granularity']} | {row['winnow']:.4f} vs {row['plain']:.4f} | "
            f"{'yes' if ok else 'no'} |"
        )
    sentence = table.filter(pl.col("granularity") == "sentence").row(0, named=True)
    for column in ("winnow", "winnow_9"):
        lines.append(
            f"| >= 99.5% on sentences ({column}) | {sentence[column]:.4f} | "
            f"{'yes' if sentence[column] >= 0.995 else 'no'} |"
        )
    for label, speedup in speedups.items():
        lines.append(
            f"| >= 10x plain langdetect, cold (corpus 3{label}) | {speedup:.1f}x | {'yes' if speedup >= 10 else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--plain-rows", type=int, default=4000, help="rows of the corpus plain langdetect reads"
    )
    parser.add_argument("--skip-udhr", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "langid.md")
    args = parser.parse_args()
    report = [
        "# Language ID: winnow vs plain langdetect\n",
        f"Produced by `nice python bench/langid.py`; detector {DETECTOR_VERSION}, seed 0. Machine: 2 shared "
        "cores (other jobs running), so timings are noisy.\n",
    ]
    table = bench_lingua(report)
    speedups = {
        label: bench_throughput(report, args.plain_rows, label, corpus)
        for label, corpus in (("a", CORPUS_ZH), ("b", CORPUS_MIXED))
    }
    if not args.skip_udhr:
        bench_udhr(report)
    report.append(goals(table, speedups))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(report), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
