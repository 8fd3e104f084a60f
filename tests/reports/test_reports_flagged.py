"""Rules with `action: flag` in the run report: flagged beside dropped counts, flagged samples, the funnel's
"flagged (kept)", and each default rule's measured precision (winnow.reports.precision)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from reports_runfolder import build_run, ints, sft

from winnow.curation.rulefile.load import load_rule_file, parse_rules
from winnow.curation.run_curate import run_curate
from winnow.reports import write_run_report
from winnow.reports.precision import load_precision, precision_note
from winnow.rules import shipped_rule_file

LONG = "x" * 50
# response_too_short (< 5 chars) flags, instruction_too_long (> 40) drops: r2 fails both (dropped, and
# flagged), r3 is dropped, r4 and r5 are kept with a flag; r6 is kept with a near_duplicate flag.
ROWS = [
    sft("r1", "short", "fine answer", line=1),
    sft("r2", LONG, "ok", line=2),
    sft("r3", LONG, "long enough", line=3),
    sft("r4", "hi", "no", line=4),
    sft("r5", "hello", "", line=5),
    sft("r6", "what is 2+2?", "it is four", line=6),
]
FLAGS = frozenset({"response_too_short", "near_duplicate"})


def _report(tmp_path: Path) -> tuple[dict[str, int], dict[str, Any], str]:
    run = build_run(
        tmp_path / "run",
        ROWS,
        quarantined=1,
        extra_failures=[("near_duplicate", pl.col("id") == "r6")],
        flagged=FLAGS,
    )
    html_text = write_run_report(run).read_text(encoding="utf-8")
    return ints(html_text), json.loads((run / "stats.json").read_text()), html_text


def test_flagged_rows_are_counted_beside_dropped_ones(tmp_path: Path) -> None:
    cells, stats, _ = _report(tmp_path)
    assert (stats["kept"], stats["dropped"], stats["flagged"]) == (4, 2, 3)
    assert stats["flagged_by_rule"] == {"response_too_short": 2, "near_duplicate": 1}
    assert cells["rule.response_too_short.failed"] == 3
    assert cells["rule.response_too_short.dropped_first"] == 0
    assert cells["rule.response_too_short.marginal"] == 0
    assert cells["rule.response_too_short.flagged"] == 2
    assert cells["rule.instruction_too_long.dropped_first"] == 2
    assert cells["rule.instruction_too_long.marginal"] == 2  # r2's other failure only flags it
    assert cells["rule.instruction_too_long.flagged"] == 0
    assert (cells["other.near_duplicate.flagged"], cells["other.near_duplicate.dropped_first"]) == (1, 0)
    assert cells["rules.kept"] == 4
    assert cells["rules.flagged_kept"] == 3
    assert cells["rules.total"] == stats["rows_read"] == 7  # 4 kept (3 flagged among them) + 2 + 1


def test_the_funnel_shows_flagged_kept_rows(tmp_path: Path) -> None:
    cells, _, html_text = _report(tmp_path)
    assert cells["funnel.kept"] == 4
    assert cells["funnel.flagged"] == 3
    assert cells["flagged_by_rule.response_too_short"] == 2
    assert cells["flagged_by_rule.near_duplicate"] == 1
    assert "of which flagged (kept)" in html_text
    assert "kept 4 + dropped 2 + quarantined 1 = 7 = rows read" in html_text.replace(",", "")


def test_a_flag_rule_shows_samples_of_the_rows_it_flagged(tmp_path: Path) -> None:
    _, _, html_text = _report(tmp_path)
    detail = html_text[html_text.index('id="s-rule-response_too_short"') :]
    detail = detail[: detail.index("</details>")]
    assert "response_too_short — 0 dropped, 2 flagged (kept)" in detail
    assert "Flagged by this rule, kept (sample)" in detail
    assert "Dropped by this rule" not in detail
    assert "demo.jsonl:4" in detail
    assert "demo.jsonl:5" in detail
    assert "demo.jsonl:2" not in detail  # r2 was dropped by another rule: not a kept flagged row
    near = html_text[html_text.index('id="s-rule-near_duplicate"') :]
    assert "near_duplicate — 0 dropped, 1 flagged (kept)" in near[: near.index("</summary>")]


PRECISION = {
    "source": "bench/precision.py",
    "rules": {
        "refusal_response": {
            "labeled_flags": 64,
            "defective": 59,
            "borderline": 1,
            "precision_low": 0.93,
            "precision_high": 0.95,
            "wilson_low": 0.85,
            "wilson_high": 0.97,
            "sources": 5,
        },
        "mojibake": {
            "labeled_flags": 10,
            "defective": 5,
            "borderline": 0,
            "precision_low": 0.5,
            "precision_high": 0.5,
            "wilson_low": 0.24,
            "wilson_high": 0.76,
            "sources": 2,
        },
        "empty_response": {
            "labeled_flags": 30,
            "defective": 30,
            "borderline": 0,
            "precision_low": 1.0,
            "precision_high": 1.0,
            "wilson_low": 0.89,
            "wilson_high": 1.0,
            "sources": 3,
        },
    },
    "base_rate": {"labeled": 100, "defective": 3, "rate": 0.03},
}


def _default_entry(name: str, **changes: Any) -> dict[str, Any]:
    checks = load_rule_file(shipped_rule_file("default")).resolved()["checks"]
    return {**next(e for e in checks if e["name"] == name), **changes}


def test_default_rules_show_their_measured_precision(tmp_path: Path) -> None:
    precision = tmp_path / "precision.json"
    precision.write_text(json.dumps(PRECISION), encoding="utf-8")
    data = tmp_path / "data.jsonl"
    rows = [("Hi", "Hello there!"), ("Pick a lock", "I'm sorry, but I cannot help with that request.")]
    data.write_text("".join(json.dumps({"instruction": i, "output": o}) + "\n" for i, o in rows))
    checks = [
        _default_entry("refusal_response", action="flag"),  # same settings, another action: measured
        _default_entry("mojibake", action="drop"),  # same settings, dropping although measured below 0.9
        _default_entry("empty_response", params={"min_chars": 2}),  # other params: not measured
        {"check": "min_length", "name": "my_rule", "field": "response", "params": {"min_chars": 1}},
    ]
    run = tmp_path / "run"
    run_curate([data], parse_rules({"checks": checks}), run)
    html_text = write_run_report(run, precision=precision).read_text(encoding="utf-8")

    def detail(name: str) -> str:
        part = html_text[html_text.index(f'id="s-rule-{name}"') :]
        return part[: part.index("</details>")]

    assert (
        "measured precision on winnow&#x27;s labeled real rows: 0.93 (95% CI 0.85–0.97, 64 labeled flags; "
        "0.95 with borderline rows counted as defective); base rate of defects among unflagged rows: 3/100."
    ) in detail("refusal_response")
    assert "consider <code>action: flag</code>" not in detail("refusal_response")
    mojibake = detail("mojibake")
    assert "real rows: 0.50 (95% CI 0.24–0.76, 10 labeled flags); base rate" in mojibake
    assert "Below 0.9: consider <code>action: flag</code> for this rule." in mojibake
    assert (
        "Precision was not measured for these settings (settings differ from the default rule&#x27;s)"
        in detail("empty_response")
    )
    assert "Precision was not measured for these settings (not a default rule)" in detail("my_rule")


def test_without_a_precision_file_nothing_is_claimed(tmp_path: Path) -> None:
    assert load_precision(tmp_path / "absent.json") is None
    assert precision_note("refusal_response", "drop", None, {}) == (
        '<p class="note">No measured precision is shipped with these rules.</p>'
    )


def test_precision_from_a_hostile_file_and_names_is_escaped(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>"
    precision = tmp_path / "precision.json"
    entry = dict(PRECISION["rules"]["refusal_response"], precision_low="<img src=x onerror=alert(1)>")  # type: ignore[arg-type]
    precision.write_text(json.dumps({"rules": {hostile: entry, "refusal_response": entry}}), encoding="utf-8")
    loaded = load_precision(precision)
    assert loaded is not None
    assert loaded.rules == {}  # a non-number is no measurement
    run = build_run(
        tmp_path / "run", ROWS, extra_failures=[(hostile, pl.col("id") == "r1")], flagged=frozenset({hostile})
    )
    (run / "rules.resolved.yaml").write_text(
        yaml.safe_dump({"checks": [{"name": hostile, "check": hostile}]})
    )
    html_text = write_run_report(run, precision=precision).read_text(encoding="utf-8")
    assert hostile not in html_text
    assert "onerror=alert" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text


def test_language_rules_match_the_default_language_section_whatever_their_action() -> None:
    from winnow.reports.precision import settings_of

    default = load_rule_file(shipped_rule_file("default")).resolved()
    flagged = {**default["language"], "action": {"language_mismatch": "flag"}}
    other = {**default["language"], "allowed": ["en"]}
    mine, theirs = settings_of({"language": flagged}), settings_of({"language": default["language"]})
    assert mine["language_mismatch"] == theirs["language_mismatch"]
    assert settings_of({"language": other})["language_impure"] != theirs["language_impure"]
    check = _default_entry("refusal_response")
    assert settings_of({"checks": [{**check, "action": "flag"}]}) == settings_of({"checks": [check]})
