"""Screenshots of real reports for the README (docs/img/*.png), made from ../shared/data.

    python docs/make_screenshots.py            # needs chromium and ../shared/data; writes docs/img/

Runs `winnow profile` and `winnow curate` twice (the second run loosens one rule and tightens another, so
the comparison section has something to show) on alpaca_zh_demo + alpaca_en_demo + self_instruct davinci predictions, then renders
pages holding one or two sections each and screenshots them with headless Chromium.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
INPUTS = [
    DATA / "llama_factory_demo" / "alpaca_zh_demo.json",
    DATA / "llama_factory_demo" / "alpaca_en_demo.json",
    DATA / "self_instruct" / "predictions" / "davinci_predictions.jsonl",
]
EXTRA_SECTIONS = """
language:
  allowed: [zh, en]
  mismatch: true
dedup:
  key: instruction_input
  near: {threshold: 0.7}
  keep: longest_response
tasks:
  from_data: true
  classifier: true
split:
  fractions: {train: 0.9, val: 0.05, test: 0.05}
  stratify: [task, language]
"""
# The second run loosens one rule and tightens another, so the comparison has rows both ways.
CHANGES = {"max_dup_line_fraction": ("max_fraction", 1.4), "top_2gram_share": ("max_share", 0.8)}


def changed_rules(default: str) -> str:
    raw = yaml.safe_load(default)
    for entry in raw["checks"]:
        name = (entry.get("name") or entry.get("check")) if isinstance(entry, dict) else entry
        if name in CHANGES:
            key, factor = CHANGES[name]
            entry["params"][key] = round(entry["params"][key] * factor, 3)
    return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)


def winnow(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "winnow", *args], check=True, cwd=ROOT)


def shoot(html: Path, png: Path, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                shutil.which("chromium") or "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--window-size=1280,{height}",
                f"--screenshot={png}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
        )


def main() -> None:
    from winnow.reports.html import Page
    from winnow.reports.profile import Corpus, build_profile_page, read_inputs
    from winnow.reports.run_data import load_run
    from winnow.reports.run_report import build_run_page
    from winnow.reports.views.rule_detail import build_rule_detail, render_rule_detail
    from winnow.reports.views.rules import build_rules

    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="winnow-shots-"))
    default = (ROOT / "rules" / "default.yaml").read_text(encoding="utf-8")
    strict, relaxed = work / "rules.yaml", work / "rules-relaxed.yaml"
    strict.write_text(default + EXTRA_SECTIONS, encoding="utf-8")
    relaxed.write_text(changed_rules(default) + EXTRA_SECTIONS, encoding="utf-8")
    run = work / "run"
    for rules in (strict, relaxed):
        winnow("curate", *map(str, INPUTS), "--rules", str(rules), "-o", str(run))

    full = build_run_page(run)
    by_key = {s.key: s for s in full.sections}

    def page_of(keys: list[str], name: str, height: int) -> None:
        page = Page(full.title, full.subtitle, [by_key[k] for k in keys])
        html = work / f"{name}.html"
        html.write_text(page.render(), encoding="utf-8")
        shoot(html, out / f"{name}.png", height)

    page_of(["funnel"], "report-funnel", 1000)
    page_of(["rules", "overlap"], "report-rules", 1500)
    page_of(["compare"], "report-compare", 900)
    page_of(["mix"], "report-mix", 1300)
    page_of(["splits", "dedup"], "report-dedup", 1200)

    data = load_run(run)
    rule = next(r for r in build_rules(data.stats, data.frame).rules if r.name == "max_dup_line_fraction")
    page = Page(full.title, full.subtitle)
    page.add("One rule in detail", render_rule_detail(build_rule_detail(data, rule)), key="rule")
    (work / "rule.html").write_text(page.render(), encoding="utf-8")
    shoot(work / "rule.html", out / "report-rule.png", 1400)

    corpus: Corpus = read_inputs(INPUTS)
    profile, _ = build_profile_page(corpus, tokenizer=DATA / "tokenizers" / "qwen3")
    keys = {s.key: s for s in profile.sections}
    for name, wanted, height in (
        ("profile-overview", ["formats", "composition", "structure"], 1000),
        ("profile-lengths", ["lengths"], 1200),
        ("profile-languages", ["languages"], 900),
        ("profile-checks", ["checks", "duplicates"], 1300),
    ):
        page = Page(profile.title, profile.subtitle, [keys[k] for k in wanted])
        (work / f"{name}.html").write_text(page.render(), encoding="utf-8")
        shoot(work / f"{name}.html", out / f"{name}.png", height)
    shutil.rmtree(work, ignore_errors=True)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
