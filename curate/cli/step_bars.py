"""Progress bars for the steps of a long command: one bar per step description, drawn as the step reports.

    with step_bars(console) as bar:
        run_curate(..., progress=step_callback(bar))   # progress("checking 33 rules", done, total)

`winnow curate`, `winnow profile` and `winnow run`'s stages draw their steps this way, so every long step
looks the same; the bars stay once done (a log of the run shows how long each step took) unless `transient`.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

StepProgress = Callable[[str, int, int], None]


def step_bars(console: Console, *, transient: bool = False) -> Progress:
    """A Rich progress display (description, bar, done/total, elapsed); descriptions are never markup."""
    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=console, transient=transient)


def step_callback(bar: Progress) -> StepProgress:
    """`progress(description, done, total)`: a new bar the first time a description is seen, updated after."""
    tasks: dict[str, TaskID] = {}

    def progress(description: str, done: int, total: int) -> None:
        if description not in tasks:
            tasks[description] = bar.add_task(description, total=total)
        bar.update(tasks[description], completed=done, total=total)

    return progress
