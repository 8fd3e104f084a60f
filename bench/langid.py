"""Language-ID benchmark: winnow's language pass against plain per-row langdetect.

    nice python bench/langid.py                 # everything, results to bench/results/langid.md
    nice python bench/langid.py --plain-rows 2000 --skip-udhr

1. Accuracy on ../shared/data/lingua_langid (en zh ja ko de fr es ru ar; sentence, word_pair, single_word):
   winnow with every language it knows as a candidate, winnow told the nine benchmark languages
   (`candidates:` in the rule file), and plain langdetect on the whole text (seeded, so it repeats).
   "und" counts as wrong.
2. The English function-word fast path: how many non-English lingua texts (all 75 languages) it settles as en.
3. Throughput on a zh/en instruction corpus (alpaca_zh_demo, alpaca_en_demo, alpaca_chinese_carbonz0,
   gpteacher toolformer, code_alpaca_2k): winnow per field (instruction, input, response) in one process,
   cold (no cache, langdetect's profiles read again) and warm (cache filled), against plain langdetect per
   row on a seeded random sample of rows (its speed does not depend on corpus size). Wall time and CPU
   seconds (this process and its children); a shared 2-core machine, so wall times are noisy.
4. UDHR long texts (../shared/data/udhr_langid): accuracy on the varieties whose language either side knows
   (winnow with the stage's default settings).
5. All 75 lingua languages per granularity: the detector with its word model (winnow.curation.language.words) against
   the same detector on n-grams alone (WORD_WEIGHT 0: winnow-bayes-1's answers), split into the nine
   benchmark languages and the 66 others, and every per-language loss among the 66.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import polars as pl
from langdetect import DetectorFactory
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException
from langdetect.utils.lang_profile import LangProfile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.history import write_results  # noqa: E402
from winnow.curation.language import bayes, profiles  # noqa: E402
from winnow.curation.language.annotate import annotate_languages  # noqa: E402
from winnow.curation.language.cache import LanguageCache  # noqa: E402
from winnow.curation.language.detect import DETECTOR_VERSION  # noqa: E402
from winnow.curation.language.identify import IdentifySettings, identify, script_pass  # noqa: E402
from winnow.curation.language.resolve import make_resolution  # noqa: E402
from winnow.curation.language.scripts import SUPPORTED_LANGUAGES  # noqa: E402
from winnow.curation.language.section import LanguageConfig  # noqa: E402
from winnow.curation.record import all_text_expr  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
HISTORY_MARKER = "<!-- hand-written history: bench/langid.py keeps everything from this line on -->"
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


class _LanguageDetector(Detector):
    """langdetect's Detector converging on languages, not profiles (zh-cn + zh-tw summed): the baseline
    exactly as winnow-3 ran it, so the baseline's speed and answers are the ones measured before."""

    def __init__(self, factory: DetectorFactory) -> None:
        super().__init__(factory)
        self._chinese = [i for i, lang in enumerate(self.langlist) if lang.startswith("zh-")]

    def _normalize_prob(self, prob: list[float]) -> float:
        maxp: float = super()._normalize_prob(prob)
        return max(maxp, sum(prob[i] for i in self._chinese)) if len(self._chinese) > 1 else maxp


@functools.cache
def _seeded_factory() -> DetectorFactory:
    names = sorted(os.listdir(PROFILES_DIRECTORY))
    DetectorFactory.seed = 0
    factory = DetectorFactory()
    for index, name in enumerate(names):
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
            factory.add_profile(LangProfile(**json.load(handle)), index, len(names))
    factory.set_seed(0)
    return factory


def plain_one(text: str) -> str:
    """Seeded langdetect on the whole text, every profile; zh-cn and zh-tw count as zh; "und" where it
    raises (no n-gram it knows)."""
    detector = _LanguageDetector(_seeded_factory())
    detector.append(text)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return "und"
    by_code: dict[str, float] = {}
    for language in ranked:
        code = "zh" if language.lang.startswith("zh-") else language.lang
        by_code[code] = by_code.get(code, 0.0) + language.prob
    return max(sorted(by_code), key=lambda code: by_code[code]) if by_code else "und"


def plain_langdetect(texts: list[str]) -> list[str]:
    """The baseline: langdetect on the whole text, one row at a time, seeded."""
    return [plain_one(text) for text in texts]


def plain_langdetect_parallel(texts: list[str]) -> list[str]:
    """The same answers as plain_langdetect (seeded before every text), on two processes: for accuracy
    tables only, where the baseline's speed is not what is measured."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        return list(pool.map(plain_one, texts, chunksize=256))


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (user + system)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def forget_profiles() -> None:
    """Drop the detector's loaded tables, so a cold run pays for reading the profiles again."""
    profiles.load_profiles.cache_clear()
    profiles.normalize_table.cache_clear()
    bayes.candidate_table.cache_clear()


def winnow_langs(
    texts: list[str], candidates: tuple[str, ...] | None, min_words: int, cache: LanguageCache
) -> list[str]:
    settings = IdentifySettings(resolution=make_resolution(candidates, min_words=min_words))
    result, _ = identify(pl.Series(texts, dtype=pl.String), settings, cache=cache)
    return result["lang"].to_list()


@contextmanager
def ngrams_only() -> Iterator[None]:
    """The detector without its word model: exactly winnow-bayes-1 (the n-gram part is unchanged)."""
    with mock.patch.object(bayes, "WORD_WEIGHT", 0.0):
        yield


def winnow_fresh(texts: list[str], candidates: tuple[str, ...] | None, min_words: int) -> list[str]:
    """winnow_langs with a cache of its own (both variants share DETECTOR_VERSION, so no cache is shared)."""
    with tempfile.TemporaryDirectory() as tmp:
        return winnow_langs(texts, candidates, min_words, LanguageCache(Path(tmp)))


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
    with path.open("rb") as handle:  # a handle: read_ndjson reads a path as a glob pattern
        everything = pl.read_ndjson(handle)
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


def bench_throughput(
    report: list[str], plain_rows: int, label: str, corpus: tuple[str, ...]
) -> tuple[float, float]:
    """Appends the throughput section for one corpus; returns winnow's cold speed-up over plain langdetect
    (wall, CPU)."""
    from winnow.curation.io.read import read_corpus

    paths = [SHARED / p for p in corpus if (SHARED / p).exists()]
    records = read_corpus(paths).records
    print(f"throughput corpus {label}: {records.height} rows", flush=True)
    fields = ("instruction", "input", "response")
    settings = LanguageConfig().identify_settings()  # what the stage runs with by default
    with tempfile.TemporaryDirectory() as tmp:
        forget_profiles()  # cold: the profiles are read again, as in a fresh process
        started, cpu = time.perf_counter(), cpu_seconds()
        cache = LanguageCache(Path(tmp)).load()
        annotated, stats = annotate_languages(records, fields, settings, cache=cache)
        cache.save()
        cold, cold_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        started, cpu = time.perf_counter(), cpu_seconds()
        cache = LanguageCache(Path(tmp)).load()
        _, warm_stats = annotate_languages(records, fields, settings, cache=cache)
        warm, warm_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    sample = records.sample(n=min(plain_rows, records.height), seed=0, shuffle=True)
    whole = sample.select(all_text_expr()).to_series().to_list()
    _seeded_factory()  # loaded before the clock starts: the baseline is timed on detection alone
    started, cpu = time.perf_counter(), cpu_seconds()
    plain_langdetect(whole)
    plain_time, plain_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    plain_rate, plain_cpu_rate = len(whole) / plain_time, len(whole) / plain_cpu
    rates = {
        "cold": (records.height / cold, records.height / cold_cpu),
        "warm": (records.height / warm, records.height / warm_cpu),
    }
    counts = annotated["lang.response"].value_counts(sort=True).head(6).rows()
    rows = [
        f"| plain langdetect per row (1 process) | {plain_rate:.0f} | 1.0x | {plain_cpu_rate:.0f} | 1.0x |",
        *(
            f"| winnow {name} ({'no cache' if name == 'cold' else 'cache filled'}, 1 process) | "
            f"{wall:.0f} | {wall / plain_rate:.1f}x | {cpu_rate:.0f} | {cpu_rate / plain_cpu_rate:.1f}x |"
            for name, (wall, cpu_rate) in rates.items()
        ),
    ]
    report.append(
        f"\n## 3{label}. Throughput on a zh/en instruction corpus\n\n"
        f"Corpus: {', '.join(p.name for p in paths)}: {records.height} rows. winnow detects three fields "
        f"per row (instruction, input, response: {stats.texts} texts, {stats.unique_texts} unique); plain "
        f"langdetect one whole-row text per row, on a seeded sample of {len(whole)} rows.\n\n"
        "| run | rows/s (wall) | speed-up | rows per CPU-second | speed-up (CPU) |\n|---|---|---|---|---|\n"
        + "\n".join(rows)
        + f"\n\nCold run: {stats.settled_by_script} unique texts settled by script, {stats.langdetect_texts} "
        f"sent to the n-gram detector (profiles read again first); warm run: {warm_stats.cache_hits} cache "
        f"hits. Response languages: {counts}. Wall / CPU seconds: winnow cold {cold:.1f} / {cold_cpu:.1f}, "
        f"warm {warm:.1f} / {warm_cpu:.1f}, plain {plain_time:.1f} / {plain_cpu:.1f} for its sample.\n"
    )
    return rates["cold"][0] / plain_rate, rates["cold"][1] / plain_cpu_rate


def bench_udhr(report: list[str]) -> None:
    with (SHARED / "udhr_langid" / "udhr_langid_dev.jsonl").open("rb") as handle:
        udhr = pl.read_ndjson(handle)
    frame = udhr.filter(
        pl.col("iso6393").is_in(list(ISO3_TO_1)) & (pl.col("bcp47") != "vi-Hani")
    ).with_columns(pl.col("iso6393").replace_strict(ISO3_TO_1).alias("lang"))
    texts = frame["text"].to_list()
    print(f"udhr: {len(texts)} texts", flush=True)
    winnow = winnow_fresh(texts, None, 3)
    with ngrams_only():
        ngrams = winnow_fresh(texts, None, 3)
    frame = frame.with_columns(
        pl.Series("winnow", winnow),
        pl.Series("ngrams_only", ngrams),
        pl.Series("plain", plain_langdetect_parallel(texts)),
    )
    columns = ["winnow", "ngrams_only", "plain"]
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


def bench_all_lingua(report: list[str]) -> None:
    with (SHARED / "lingua_langid" / "lingua_langid_dev.jsonl").open("rb") as handle:
        frame = pl.read_ndjson(handle)
    texts = frame["text"].to_list()
    print(f"lingua, all languages: {len(texts)} texts", flush=True)
    started = time.perf_counter()
    words = winnow_fresh(texts, None, 1)
    with ngrams_only():
        ngrams = winnow_fresh(texts, None, 1)
    print(f"  both variants {time.perf_counter() - started:.1f}s", flush=True)
    frame = frame.with_columns(
        pl.Series("ngrams_only", ngrams),
        pl.Series("words", words),
        pl.when(pl.col("lang").is_in(BENCH_LANGS))
        .then(pl.lit("nine"))
        .otherwise(pl.lit("other 66"))
        .alias("languages"),
    )
    columns = ["ngrams_only", "words"]
    scored = [(pl.col(c) == pl.col("lang")).mean().alias(c) for c in columns]
    by_set = pl.concat(
        [
            frame.group_by("granularity", "languages").agg(pl.len().alias("rows"), *scored),
            frame.group_by("granularity")
            .agg(pl.len().alias("rows"), *scored)
            .with_columns(pl.lit("all 75").alias("languages")),
        ],
        how="diagonal",
    ).sort("granularity", "languages")
    per_lang = (
        frame.filter(pl.col("languages") == "other 66")
        .group_by("lang", "granularity")
        .agg(pl.len().alias("rows"), *[(pl.col(c) == pl.col("lang")).sum().alias(c) for c in columns])
        .with_columns((pl.col("words") - pl.col("ngrams_only")).alias("change"))
    )
    losses = per_lang.filter(pl.col("change") < 0).sort("change", "lang")
    gains = per_lang.filter(pl.col("change") > 0)
    unnamed = sorted(set(frame["lang"].to_list()) - set(profiles.load_profiles().names) - {"zh"})
    report.append(
        "\n## 5. All 75 lingua languages: with the word model vs n-grams alone\n\n"
        "`words`: this detector, every language a candidate, `min_words: 1`. `ngrams_only`: the same with "
        "`WORD_WEIGHT` 0, i.e. the previous detector (winnow-bayes-1) exactly. The 66 others include "
        f"{len(unnamed)} languages langdetect has no profile for, always wrong either way "
        f"({', '.join(unnamed)}).\n\n"
        + md_table(by_set)
        + f"\nAmong the 66 others, {gains.height} (language, granularity) pairs gain "
        f"({int(gains['change'].sum())} rows) and {losses.height} lose ({int(losses['change'].sum())} rows)"
        + (":\n\n" + md_table(losses) if losses.height else ".\n")
    )


def goals(table: pl.DataFrame, speedups: dict[str, tuple[float, float]]) -> str:
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
    for label, (wall, cpu) in speedups.items():
        met = "yes" if min(wall, cpu) >= 10 else "no"
        lines.append(
            f"| >= 10x plain langdetect, cold (corpus 3{label}) | {wall:.1f}x wall, {cpu:.1f}x CPU | {met} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--plain-rows", type=int, default=3000, help="rows of the corpus plain langdetect reads"
    )
    parser.add_argument("--skip-udhr", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "langid.md")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    report = [
        "# Language ID: winnow vs plain langdetect\n",
        f"Produced by `nice -n 10 python bench/langid.py`; winnow's detector {DETECTOR_VERSION}; plain "
        "langdetect seeded (0). Machine: 2 cores, shared with other agents' jobs when there are any (1-minute "
        f"load average {load:.1f} at the start, {{end_load}} at the end; above ~2 the wall times are noisy, CPU "
        "seconds less so).\n",
    ]
    table = bench_lingua(report)
    speedups = {
        label: bench_throughput(report, args.plain_rows, label, corpus)
        for label, corpus in (("a", CORPUS_ZH), ("b", CORPUS_MIXED))
    }
    if not args.skip_udhr:
        bench_udhr(report)
    bench_all_lingua(report)
    report.append(goals(table, speedups))
    report[1] = report[1].replace("{end_load}", f"{os.getloadavg()[0]:.1f}")
    write_results(args.out, "\n".join(report), HISTORY_MARKER)  # the hand-written history below it is kept
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
