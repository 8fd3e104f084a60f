"""What a person sees and what is kept: a rich progress line (step, loss, lr, real tokens/s, ETA) and
metrics.jsonl (one JSON object per optimizer step or evaluation, after a first `shards` record at step 0: the
rows `winnow shard` dropped, by reason, and truncated, read from the shards' manifest)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class MetricsLog:
    """Append-only metrics.jsonl; on resume, records after the checkpoint's step are cut off first."""

    def __init__(self, path: Path, resume_step: int | None) -> None:
        self.path = Path(path)
        if resume_step is None:
            self.path.write_text("", encoding="utf-8")
        else:
            kept = [r for r in read_metrics(self.path) if r["step"] <= resume_step]
            self.path.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def read_metrics(path: Path) -> list[dict[str, Any]]:
    if not Path(path).is_file():
        return []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


class TrainProgress:
    """A rich progress bar whose description carries loss, lr and real tokens/s, and, while an evaluation
    runs, a second bar over its eval batches (a full eval split can take minutes: never a silent pause)."""

    def __init__(self, console: Console, total: int, completed: int, enabled: bool = True) -> None:
        self.progress = Progress(
            TextColumn("{task.fields[stage]}", style="bold", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}", markup=False),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self.task = self.progress.add_task("", total=total, completed=completed, stage="train")

    def eval_batches(self, step: int, total: int) -> Callable[[int, int], None]:
        """A bar `eval` over `total` eval batches at optimizer step `step`; the returned callback moves it
        and removes it after the last batch (the eval loss is then printed as a line by `note`)."""
        task = self.progress.add_task(f"eval batches at step {step}", total=total, stage="eval")

        def moved(done: int, of: int) -> None:
            self.progress.update(task, completed=done, total=of)
            self.progress.refresh()  # an eval batch takes far longer than a redraw: show every one
            if done >= of:
                self.progress.remove_task(task)

        return moved

    def __enter__(self) -> TrainProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, record: dict[str, Any]) -> None:
        text = f"loss {record['loss']:.4f}  lr {record['lr']:.2e}  {record['tokens_per_s']:,.0f} tok/s"
        self.progress.update(self.task, completed=record["step"], description=text)

    def note(self, text: str) -> None:
        self.progress.console.print(text, highlight=False)
