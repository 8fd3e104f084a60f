"""A hostile corpus for the escaping tests: script tags, event handlers, broken tags, bidi overrides, huge lines."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from reports_runfolder import build_run, sft

SCRIPT = "<script>document.title='PWNED'</script>"
IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
BROKEN = "<div><b>unclosed <a href='javascript:alert(1)'>click</table></details></section><!--"
RTL = "abc\u202eevil\u202c done \u2066iso\u2069"
HUGE = "A" * 100_000 + SCRIPT


def hostile_rows() -> list[dict]:
    payloads = [SCRIPT, IMG, BROKEN, RTL, HUGE, "</textarea></style>" + SCRIPT]
    rows = []
    for i, payload in enumerate(payloads):
        rows.append(sft(f"h{i}", payload, payload, line=i, source=f"{SCRIPT}.jsonl", task=IMG))
        rows.append(sft(f"k{i}", "fine instruction", "a perfectly fine answer " + payload, line=100 + i))
    rows.append(sft("x", "x", "", line=99, task=SCRIPT))
    return rows


def build_hostile_run(run_dir: Path) -> Path:
    n = len(hostile_rows())
    extra = {
        "lang.response": [SCRIPT if i % 2 else "en" for i in range(n)],
        # row 6 (h3, the RTL payload) is dropped by response_too_short; its span holds the override
        "check_spans": [
            [{"rule": "response_too_short", "span": "\u202eevil"}] if i == 6 else [] for i in range(n)
        ],
        "dup_cluster": ["<b>c</b>"] * 2 + [None] * (n - 2),
        "dup_cluster_size": [2, 2] + [None] * (n - 2),
        "dup_kept_id": [None, "h0"] + [None] * (n - 2),
        "dup_jaccard": [None, 0.9] + [None] * (n - 2),
    }
    stages = {
        "mappers": {
            "mappers": [{"name": SCRIPT, "changed": 1, "examples": [{"before": IMG, "after": SCRIPT}]}]
        }
    }
    return build_run(
        run_dir,
        hostile_rows(),
        rules=[("response_too_short", "response", 30.0, "min"), (SCRIPT, "instruction", 40.0, "max")],
        extra_columns=extra,
        extra_failures=[("near_duplicate", pl.col("dup_kept_id").is_not_null())],
        stages=stages,
    )
