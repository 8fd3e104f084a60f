"""Do winnow's exports load, and train, in the tools that read them? (issue 18)

    python bench/interop.py              # installs the consumers once, then writes bench/results/interop.md
    python bench/interop.py --skip-train # loaders only

1. curates a mixed corpus from ../shared/data (Alpaca rows, glaive tool-calling conversations, FastChat
   multi-turn conversations, DPO preference pairs, KTO rows) with the winnow CLI, and exports it in every
   format (`winnow export --format F --hf`);
2. installs each consumer in its own virtualenv under bench/out/interop/venvs (torch==2.13.0 first, from
   the local wheel, so nothing pulls another torch): LLaMA-Factory 0.9.5, TRL 1.16, datasets 4.0.0 (what
   LLaMA-Factory pins) and datasets 5.2.0;
3. loads every export with the consumer's own loader — `load_dataset(<export folder>)` (the card's configs),
   `load_dataset("json")` per split and `load_from_disk(hf)`; LLaMA-Factory `get_dataset` through the
   export's dataset_info.json with the Qwen3 tokenizer; TRL SFTTrainer's dataset preparation — and trains 2
   steps on stories260K where the consumer trains (LLaMA-Factory sft/dpo/kto/pt by format, TRL SFT);
4. writes the format x consumer table to bench/results/interop.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "out" / "interop"
VENVS = OUT / "venvs"
RESULT = ROOT / "bench" / "results" / "interop.md"
MODEL = SHARED / "models" / "stories260K" / "hf"
TOKENIZER = SHARED / "tokenizers" / "qwen3"
DEMO = SHARED / "llama_factory_demo"
INPUTS = [
    DEMO / "alpaca_en_demo.json",  # plain sft
    DEMO / "glaive_toolcall_en_demo.json",  # tool calling
    SHARED / "fastchat" / "dummy_conversation.json",  # multi-turn
    DEMO / "dpo_en_demo.json",  # preference
    DEMO / "kto_en_demo.json",  # kto
]
RULES = """\
dedup:
  exact: true
  near: false
split:
  fractions: {train: 0.8, validation: 0.1, test: 0.1}
"""
# name -> (pip requirements after torch, packages to remove, stub modules)
CONSUMERS = {
    "llamafactory": (["llamafactory==0.9.5"], ["torchaudio", "torchvision"], ["torchaudio"]),
    "trl": (["trl==1.16.0"], [], []),
    "datasets4": (["datasets==4.0.0"], [], []),
    "datasets5": (["datasets==5.2.0"], [], []),
}
TORCH = "torch==2.13.0"
STUB = '"""Stub written by bench/interop.py: LLaMA-Factory imports torchaudio at import time (audio inputs only);\nthe torchaudio wheels here need another torch."""\n'
# LLaMA-Factory stage per format (pt for plain text); formats not listed are not registered by winnow
LF_STAGE = {"preference_alpaca": "dpo", "preference_sharegpt": "dpo", "kto": "kto", "pretrain": "pt"}


def sh(cmd: list[str], log: Path | None = None, timeout: int = 3600) -> int:
    with open(log, "a") if log else open("/dev/null", "w") as handle:
        return subprocess.run(
            cmd, stdout=handle, stderr=subprocess.STDOUT, timeout=timeout, check=False
        ).returncode


def install(name: str) -> str | None:
    """The venv's python, or None with the reason in the log; idempotent (a marker file)."""
    venv = VENVS / name
    marker = venv / ".winnow-installed"
    requirements, remove, stubs = CONSUMERS[name]
    python = venv / "bin" / "python"
    if marker.is_file() and marker.read_text().split() == requirements:
        return str(python)
    log = OUT / f"install-{name}.log"
    print(f"installing {name} into {venv} (log: {log})", flush=True)
    if sh([sys.executable, "-m", "venv", str(venv)], log) or sh(
        [str(python), "-m", "pip", "install", "-q", TORCH], log
    ):
        return None
    if sh([str(python), "-m", "pip", "install", "-q", *requirements], log):
        return None
    # a dependency may have pulled another torch (and CUDA wheels): put 2.13.0 back, drop what needs another
    sh([str(python), "-m", "pip", "install", "-q", TORCH], log)
    if remove:
        sh([str(python), "-m", "pip", "uninstall", "-q", "-y", *remove], log)
    site = next((venv / "lib").glob("python3*/site-packages"))
    for module in stubs:
        (site / module).mkdir(exist_ok=True)
        (site / module / "__init__.py").write_text(STUB)
    marker.write_text(" ".join(requirements))
    return str(python)


def export_all(python: str) -> dict[str, Path]:
    """Curate the mixed corpus once and export it in every format; {format: export folder}."""
    run = OUT / "run"
    rules = OUT / "rules.yaml"
    rules.write_text(RULES)
    winnow = [python, "-m", "winnow"]
    log = OUT / "winnow.log"
    log.write_text("")
    if not (run / "kept.parquet").is_file():
        sh([*winnow, "curate", *map(str, INPUTS), "--rules", str(rules), "-o", str(run)], log)
    formats = json.loads(subprocess.check_output([python, "-c", PRINT_FORMATS], cwd=ROOT))
    exports: dict[str, Path] = {}
    for fmt in formats:
        out = OUT / "export" / fmt
        code = sh([*winnow, "export", str(run), "--format", fmt, "--hf", "-o", str(out)], log)
        if code == 0:
            exports[fmt] = out
        else:
            print(f"winnow export --format {fmt} failed (see {log})", flush=True)
        if fmt in TRL_SHAPED:  # the same rows shaped for TRL (`--for trl`)
            out = OUT / "export" / f"{fmt}.trl"
            code = sh(
                [*winnow, "export", str(run), "--format", fmt, "--for", "trl", "--hf", "-o", str(out)], log
            )
            if code == 0:
                exports[f"{fmt}.trl"] = out
    return exports


# the formats LLaMA-Factory and TRL read differently (winnow.curation.export.consumers); llamafactory_v1's
# typed content lists ({type, value}) are no TRL layout
TRL_SHAPED = ("openai",)


PRINT_FORMATS = "import json; from winnow.curation.formats.registry import all_formats; print(json.dumps([f.name for f in all_formats()]))"

# ---- probes: one script per consumer, run in its venv; prints one JSON line per format ---------------------

DATASETS_PROBE = """
import json, sys, datasets
from pathlib import Path
datasets.disable_progress_bars()
for folder in sys.argv[1:]:
    folder = Path(folder)
    summary = json.loads((folder / "export.json").read_text())
    want = {s: v["written"] for s, v in summary["splits"].items() if v["written"]}
    out = {"format": folder.name}
    try:
        got = datasets.load_dataset(str(folder))
        files = {s: str(folder / v["file"]) for s, v in summary["splits"].items() if v["written"]}
        by_json = datasets.load_dataset("json", data_files=files)
        disk = datasets.load_from_disk(str(folder / "hf"))
        counts = [{s: d.num_rows for s, d in x.items()} for x in (got, by_json, disk)]
        ok = all(c == want for c in counts)
        out.update(status="ok" if ok else "differs", detail=f"splits {sorted(got)}; rows {counts[0]}" + ("" if ok else f" want {want}"))
    except Exception as error:
        out.update(status="fails", detail=f"{type(error).__name__}: {str(error).splitlines()[0][:300]}")
    print(json.dumps(out), flush=True)
"""

LF_PROBE = """
import json, sys, os, tempfile
from pathlib import Path
os.environ.setdefault("DISABLE_VERSION_CHECK", "1")
from llamafactory.hparams import get_train_args
from llamafactory.model import load_tokenizer
from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
from llamafactory.train.tuner import run_exp
model, tokenizer_dir, train = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
STAGE = json.loads(sys.argv[4])
for folder in sys.argv[5:]:
    folder = Path(folder)
    fmt = folder.name
    out = {"format": fmt}
    info = folder / "dataset_info.json"
    if fmt == "llamafactory_v1":  # read by LLaMA-Factory's v1 data engine, trained by its v1 SFT trainer
        train_file = str(folder / "train.jsonl")
        try:
            from llamafactory.v1.core.data_engine import DataEngine
            engine = DataEngine(train_file)
            rendered = sum(1 for i in range(len(engine)) if engine[i]["messages"])
            out.update(status="ok", detail=f"v1 DataEngine: {len(engine)} rows, {rendered} with messages")
        except Exception as error:
            out.update(status="fails", detail=f"v1 DataEngine: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
            print(json.dumps(out), flush=True); continue
        if train:
            try:
                from llamafactory.v1.trainers.sft_trainer import run_sft
                run_sft(dict(model=model, train_dataset=train_file, output_dir=tempfile.mkdtemp(), max_steps=2,
                             micro_batch_size=2, global_batch_size=2, cutoff_len=256, bf16=False))
                out["trained"] = "2 steps of the v1 SFT trainer on stories260K (its tokenizer, chatml)"
            except Exception as error:
                out["trained"] = f"fails: {type(error).__name__}: {str(error).splitlines()[0][:300]}"
        print(json.dumps(out), flush=True); continue
    if not info.is_file():
        out.update(status="n/a", detail=json.loads((folder / "export.json").read_text())["not_registered"])
        print(json.dumps(out), flush=True); continue
    names = list(json.loads(info.read_text()))
    stage = STAGE.get(fmt, "sft")
    base = dict(stage=stage, do_train=True, model_name_or_path=model, dataset=",".join(names), dataset_dir=str(folder),
                template="qwen3_nothink", cutoff_len=256, finetuning_type="lora", lora_target="all", overwrite_cache=True,
                output_dir=tempfile.mkdtemp(), report_to="none", per_device_train_batch_size=2, max_steps=2,
                logging_steps=1, save_strategy="no", preprocessing_num_workers=1, use_cpu=True, bf16=False)
    try:
        margs, dargs, targs, fargs, gargs = get_train_args({**base, "model_name_or_path": tokenizer_dir})
        tm = load_tokenizer(margs)
        template = get_template_and_fix_tokenizer(tm["tokenizer"], dargs)
        data = get_dataset(template, margs, dargs, targs, stage="rm" if stage == "dpo" else stage, **tm)  # as its dpo workflow
        rows = len(data["train_dataset"])
        out.update(status="ok", detail=f"get_dataset ({stage}, qwen3 tokenizer): {rows} rows of {names}")
    except Exception as error:
        out.update(status="fails", detail=f"get_dataset: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
        print(json.dumps(out), flush=True); continue
    if train:
        try:
            run_exp({**base, "dataset": names[0], "template": "default"})
            out["trained"] = f"2 {stage} steps on stories260K (LoRA)"
        except Exception as error:
            out["trained"] = f"fails: {type(error).__name__}: {str(error).splitlines()[0][:300]}"
    print(json.dumps(out), flush=True)
"""

TRL_PROBE = """
import json, sys, tempfile
from pathlib import Path
import datasets
from transformers import AutoTokenizer, AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer
datasets.disable_progress_bars()
model_dir, tokenizer_dir, train = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
# TRL reads conversational `messages`, `text`, prompt/completion and prompt/chosen/rejected rows
for folder in sys.argv[4:]:
    folder = Path(folder)
    out = {"format": folder.name}
    summary = json.loads((folder / "export.json").read_text())
    train_file = folder / summary["splits"]["train"]["file"] if "train" in summary["splits"] else None
    try:
        data = datasets.load_dataset("json", data_files={"train": str(train_file)})["train"]
    except Exception as error:
        out.update(status="fails", detail=f"load_dataset: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
        print(json.dumps(out), flush=True); continue
    columns = set(data.column_names)
    if not ({"messages"} <= columns or {"text"} <= columns or {"prompt", "completion"} <= columns):
        out.update(status="n/a", detail=f"no TRL SFT layout (columns {sorted(columns)})")
        print(json.dumps(out), flush=True); continue
    try:
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
        config = SFTConfig(output_dir=tempfile.mkdtemp(), max_steps=2, per_device_train_batch_size=2, report_to="none",
                           use_cpu=True, save_strategy="no", logging_steps=1, max_length=256, dataset_num_proc=1)
        model = AutoModelForCausalLM.from_pretrained(model_dir)
        trainer = SFTTrainer(model=model, args=config, train_dataset=data, processing_class=tokenizer)
        out.update(status="ok", detail=f"SFTTrainer prepared {len(trainer.train_dataset)} rows (qwen3 chat template)")
    except Exception as error:
        out.update(status="fails", detail=f"SFTTrainer: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
        print(json.dumps(out), flush=True); continue
    if train:
        try:
            small = AutoTokenizer.from_pretrained(model_dir)
            small.chat_template = tokenizer.chat_template  # stories260K has none: the Qwen3 template as text
            config.output_dir = tempfile.mkdtemp()
            trainer = SFTTrainer(model=model, args=config, train_dataset=data, processing_class=small)
            trainer.train()
            out["trained"] = "2 SFT steps on stories260K (its tokenizer, Qwen3 chat template)"
        except Exception as error:
            out["trained"] = f"fails: {type(error).__name__}: {str(error).splitlines()[0][:300]}"
    print(json.dumps(out), flush=True)
"""


NOTES = [
    "Notes:",
    "- LLaMA-Factory 0.9.5 pulls torch 2.14.1 with CUDA wheels and torchaudio 2.11.1; the bench puts torch 2.13.0 "
    "back, removes torchaudio/torchvision (no build for torch 2.13 here) and writes a torchaudio stub, because "
    "llamafactory.data imports it at import time (only audio inputs use it).",
    "- TRL 1.16's SFTTrainer json-loads a string `tools` in every row: a row without tools in a file where "
    'other rows have them holds "" in the default export (what LLaMA-Factory needs: null there breaks its '
    'converter\'s Arrow output, and "[]" makes its templates emit an empty system block), and '
    '`json.loads("")` fails; `--for trl` writes null there instead. A file where no row has tools has no '
    "`tools` key and loads in both.",
    "- `messages` writes a bare JSON list per row: no `datasets` layout (export `openai` for a column); "
    "the datasets cells say so.",
    '- `openai.trl`: `winnow export --format openai --for trl` (a null `tools` where a row has none, "" as the '
    "content of a message that only calls tools, no dataset_info.json): what TRL reads; the plain `openai` "
    "export is what LLaMA-Factory reads. TRL drops a message's null values before the chat template, and Qwen3's "
    "template reads `message.content`.",
    "- `llamafactory_v1`: LLaMA-Factory 0.9.5 reads it with its v1 data engine (`DataEngine(train.jsonl)`), not "
    "through dataset_info.json; trained with its v1 SFT trainer (`run_sft`).",
    "- `pretrain`: the corpus has no plain-text rows, so nothing is exported in that format.",
    "- TRL on the `kto` export runs SFT on its messages (the label is ignored): TRL's KTOTrainer wants "
    "prompt/completion/label columns, which no winnow format writes.",
]


def probe(name: str, python: str, script: str, args: list[str], timeout: int) -> dict[str, dict[str, str]]:
    path = OUT / f"probe_{name}.py"
    path.write_text(script)
    log = OUT / f"probe-{name}.log"
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [python, str(path), *args], capture_output=True, text=True, timeout=timeout, check=False, cwd=OUT
        )
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as error:
        stdout = error.stdout.decode() if isinstance(error.stdout, bytes) else (error.stdout or "")
        stderr = f"timed out after {timeout} s"
    log.write_text(stdout + "\n----- stderr -----\n" + stderr)
    results = {}
    for line in stdout.splitlines():
        if line.startswith('{"format"'):
            row = json.loads(line)
            results[row["format"]] = row
    print(f"{name}: {len(results)} formats in {time.perf_counter() - started:.0f} s (log: {log})", flush=True)
    if not results:
        tail = (stderr.strip().splitlines() or ["no output"])[-1][:300]
        return {"*": {"status": "fails", "detail": f"probe died: {tail}"}}
    return results


def cell(row: dict[str, str] | None) -> str:
    if row is None:
        return "not run"
    text = f"**{row['status']}**: {row['detail']}"
    if "trained" in row:
        text += f"; train: {row['trained']}"
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-train", action="store_true", help="load only, no training steps")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per consumer probe")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    exports = export_all(sys.executable)
    print(f"exported {len(exports)} formats: {', '.join(exports)}", flush=True)
    folders = [str(path) for path in exports.values()]
    train = "0" if args.skip_train else "1"
    pythons = {name: install(name) for name in CONSUMERS}
    results: dict[str, dict[str, dict[str, str]]] = {}
    for name, python in pythons.items():
        if python is None:
            log = OUT / f"install-{name}.log"
            last = [line for line in log.read_text().splitlines() if not line.startswith("WARNING: Location")]
            results[name] = {"*": {"status": "not installed", "detail": (last or ["?"])[-1][:300]}}
            continue
        if name.startswith("datasets"):
            results[name] = probe(name, python, DATASETS_PROBE, folders, args.timeout)
        elif name == "llamafactory":
            lf_args = [str(MODEL), str(TOKENIZER), train, json.dumps(LF_STAGE)]
            results[name] = probe(name, python, LF_PROBE, [*lf_args, *folders], args.timeout)
        else:
            results[name] = probe(
                name, python, TRL_PROBE, [str(MODEL), str(TOKENIZER), train, *folders], args.timeout
            )
    versions = {name: " ".join(CONSUMERS[name][0]) for name in CONSUMERS}
    lines = [
        "# Exports in their consumers (bench/interop.py, issue 18)",
        "",
        f"Corpus: {', '.join(p.name for p in INPUTS)} (plain, tool-calling, multi-turn, preference, KTO rows), "
        "curated with exact dedup and a train/validation/test split, exported with `winnow export --format F --hf`. "
        f"Each consumer in its own virtualenv with {TORCH} (CPU). "
        "datasets: `load_dataset(<folder>)` (README configs), `load_dataset('json')` per split and "
        "`load_from_disk(hf)`, row counts compared with export.json. LLaMA-Factory: `get_dataset` through the "
        "export's dataset_info.json with the Qwen3 tokenizer, then 2 LoRA steps on stories260K (stage by format). "
        "TRL: SFTTrainer dataset preparation with the Qwen3 tokenizer, then 2 steps on stories260K. "
        "n/a: the consumer has no reader for that layout.",
        "",
        "| format | " + " | ".join(f"{n} ({versions[n]})" for n in CONSUMERS) + " |",
        "|---|" + "---|" * len(CONSUMERS),
    ]
    for fmt in exports:
        if fmt == "messages":  # a bare list per row: not a table datasets (or TRL, through it) reads
            for name in CONSUMERS:
                if name.startswith("datasets") or name == "trl":
                    results[name][fmt] = {"status": "n/a", "detail": "a bare JSON list per row is no table"}
        if fmt in TRL_SHAPED and results.get("trl", {}).get(fmt, {}).get("status") == "fails":
            results["trl"][fmt]["detail"] += (
                f" (this is the LLaMA-Factory shape; TRL reads {fmt}.trl: --for trl)"
            )
        if fmt == "llamafactory_v1" and "trl" in results:
            results["trl"][fmt] = {
                "status": "n/a",
                "detail": "typed content lists ({type, value}) are LLaMA-Factory v1's, no TRL layout (export openai)",
            }
        lines.append(
            f"| {fmt} | "
            + " | ".join(cell(results[n].get(fmt, results[n].get("*"))) for n in CONSUMERS)
            + " |"
        )
    lines += ["", *NOTES]
    RESULT.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULT}")


if __name__ == "__main__":
    main()
