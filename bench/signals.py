"""Are the rows the default rules drop worse than the rows they keep? Measured on every quality signal that
real data in ../shared/data carries, through `winnow curate` as a user runs it (a fresh process).

    python bench/signals.py                 # prints the table (bench/RESULTS.md, section "Judgment")
    python bench/signals.py --rules my.yaml
    python bench/signals.py --out bench/results/signals.md   # also write the table there (bench/RESULTS.md)

Signals:
- KTO (llama_factory_demo/kto_en_demo.json): each row's `label` (false = undesirable reply);
- chosen vs rejected (hh_rlhf harmless-base test, llama_factory_demo dpo_en/dpo_zh): every pair becomes two
  SFT rows, the prompt with the chosen reply and the prompt with the rejected one (written at run time to a
  temporary folder, OpenAI-messages JSONL; nothing is copied into the repository);
- weak vs strong model (self_instruct predictions: 8 models answer the same 252 instructions): vanilla
  davinci, davinci-t0-ft and davinci-superni-ft are the weak side, text-davinci-001/002/003 the strong side,
  as ranked by the human evaluation of Wang et al. 2023 (Self-Instruct, Figure 6); the two self-instruct
  models sit in between and are reported per model only.
The rest of llama_factory_demo (alpaca en/zh, glaive tool calls, identity) runs along, as a user's corpus
would, and carries no signal.

"Worse" means: the bad side's share among dropped rows is higher than among kept rows (equivalently, the
bad side is dropped at a higher rate than the good side). Each comparison prints both drop rates.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RULE_FILE = ROOT / "rules" / "default.yaml"

WEAK = ("davinci", "davinci-t0-ft", "davinci-superni-ft")
MIDDLE = ("davinci-self-instruct", "davinci-self-instruct-and-superni-ft")
STRONG = ("text-davinci-001", "text-davinci-002", "text-davinci-003")
PAIRS = (
    "hh_rlhf/harmless_base_test.jsonl",
    "llama_factory_demo/dpo_en_demo.json",
    "llama_factory_demo/dpo_zh_demo.json",
)
PLAIN = (
    "llama_factory_demo/kto_en_demo.json",
    "llama_factory_demo/alpaca_en_demo.json",
    "llama_factory_demo/alpaca_zh_demo.json",
    "llama_factory_demo/glaive_toolcall_en_demo.json",
    "llama_factory_demo/glaive_toolcall_zh_demo.json",
    "llama_factory_demo/identity.json",
)


def split_pairs(folder: Path) -> dict[str, tuple[Path, Path]]:
    """Each preference file → (chosen.jsonl, rejected.jsonl) of SFT rows, read through winnow's reader."""
    sys.path.insert(0, str(ROOT))
    from winnow.curation.io.read import read_corpus

    written: dict[str, tuple[Path, Path]] = {}
    for name in PAIRS:
        frame = read_corpus([str(SHARED / name)]).records.filter(pl.col("kind") == "preference")
        stem = name.replace("/", "__").rsplit(".", 1)[0]
        paths = (folder / f"{stem}.chosen.jsonl", folder / f"{stem}.rejected.jsonl")
        for side, path in zip(("chosen", "rejected"), paths, strict=True):
            with path.open("w", encoding="utf-8") as handle:
                for row in frame.select("system", "messages", side).iter_rows(named=True):
                    messages = [{"role": "system", "content": row["system"]}] if row["system"] else []
                    messages += [{"role": m["role"], "content": m["content"]} for m in row["messages"]]
                    messages.append({"role": "assistant", "content": row[side]})
                    handle.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
        written[name] = paths
    return written


def drop_rate(rows: pl.DataFrame) -> tuple[int, int]:
    return int(rows["drop_reason"].is_not_null().sum()), rows.height


def line(label: str, bad: pl.DataFrame, good: pl.DataFrame, bad_name: str, good_name: str) -> str:
    bad_dropped, bad_n = drop_rate(bad)
    good_dropped, good_n = drop_rate(good)
    bad_rate = bad_dropped / bad_n if bad_n else 0.0
    good_rate = good_dropped / good_n if good_n else 0.0
    verdict = "yes" if bad_rate > good_rate else ("tie" if bad_rate == good_rate else "NO")
    ratio = f"{bad_rate / good_rate:.2f}x" if good_rate else ("∞" if bad_rate else "—")
    return (
        f"| {label} | {bad_name}: {bad_dropped}/{bad_n} = {bad_rate:.1%} | {good_name}: {good_dropped}/{good_n} = "
        f"{good_rate:.1%} | {ratio} | {verdict} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rules", type=Path, default=RULE_FILE)
    parser.add_argument(
        "--keep",
        type=Path,
        help="also write every row (kept and dropped, with their texts) here, to read the drops",
    )
    parser.add_argument("--out", type=Path, help="also write the table to this markdown file")
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"needs {SHARED} (the real third-party data), which is absent here", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="winnow-signals-") as tmp:
        folder = Path(tmp)
        pairs = split_pairs(folder)
        predictions = [
            SHARED / f"self_instruct/predictions/{m}_predictions.jsonl" for m in WEAK + MIDDLE + STRONG
        ]
        inputs = [str(SHARED / p) for p in PLAIN] + [str(p) for p in predictions]
        inputs += [str(p) for both in pairs.values() for p in both]
        run = folder / "run"
        command = ["winnow", "curate", *inputs, "--rules", str(args.rules), "-o", str(run)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        # rows.parquet is the ledger (no texts): kept and dropped hold every row with its texts
        rows = pl.concat(
            [pl.read_parquet(run / name, glob=False) for name in ("kept.parquet", "dropped.parquet")]
        ).with_columns(
            pl.col("source").map_elements(lambda s: Path(s).name, return_dtype=pl.String).alias("file")
        )
    if args.keep:
        rows.write_parquet(args.keep)
    lines: list[str] = []

    def emit(text: str = "") -> None:
        print(text)
        lines.append(text)

    emit(f"`winnow curate` with {args.rules.name}: {rows.height:,} rows, {drop_rate(rows)[0]:,} dropped.\n")
    emit("| signal | bad side dropped | good side dropped | bad/good drop rate | dropped worse? |")
    emit("|---|---|---|---:|---|")
    kto = rows.filter(pl.col("file") == "kto_en_demo.json")
    emit(
        line(
            "KTO label (kto_en_demo)",
            kto.filter(~pl.col("label")),
            kto.filter(pl.col("label")),
            "undesirable",
            "desirable",
        )
    )
    for name, (chosen, rejected) in pairs.items():
        emit(
            line(
                f"chosen vs rejected ({name})",
                rows.filter(pl.col("file") == rejected.name),
                rows.filter(pl.col("file") == chosen.name),
                "rejected",
                "chosen",
            )
        )
    model = pl.col("file").str.replace("_predictions.jsonl", "", literal=True)
    emit(
        line(
            "weak vs strong model (self_instruct)",
            rows.filter(model.is_in(WEAK)),
            rows.filter(model.is_in(STRONG)),
            "weak",
            "strong",
        )
    )
    emit("\nself_instruct per model (drop rate, weakest first):\n")
    for name in WEAK + MIDDLE + STRONG:
        dropped, n = drop_rate(rows.filter(model == name))
        reasons = (
            rows.filter((model == name) & pl.col("drop_reason").is_not_null())["drop_reason"]
            .value_counts(sort=True)
            .head(4)
            .iter_rows()
        )
        emit(f"- {name}: {dropped}/{n} = {dropped / n:.1%} ({', '.join(f'{r} {c}' for r, c in reasons)})")
    if args.out:
        title = "# Dropped vs kept on every labeled signal (`python bench/signals.py`)\n\n"
        args.out.write_text(title + "\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
