"""Write bench/RESULTS.md: bench/SUMMARY.md (every goal vs what was measured) followed by each benchmark's
own results file, in issue order.

    python bench/assemble_results.py
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = (
    "ingest",
    "curate",
    "langid",
    "sanity",
    "dedup",
    "report_scale",
    "tasks",
    "shard",
    "train",
    "pipeline",
    "pipeline_no_train",
)


def main() -> None:
    parts = [(HERE / "SUMMARY.md").read_text(encoding="utf-8").rstrip("\n")]
    known = {path.stem for path in (HERE / "results").glob("*.md")}
    for name in [*ORDER, *sorted(known - set(ORDER))]:
        path = HERE / "results" / f"{name}.md"
        if path.is_file():
            parts.append(path.read_text(encoding="utf-8").rstrip("\n"))
    (HERE / "RESULTS.md").write_text("\n\n---\n\n".join(parts) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'} from {len(parts) - 1} results files")


if __name__ == "__main__":
    main()
