"""`winnow review RUN_DIR`: a local page to tune a run's rules on its own rows, label them, and save.

    winnow review runs/zh1                       # prints http://127.0.0.1:PORT/?token=…; Ctrl-C stops
    winnow review runs/zh1 --port 8765 --open    # a fixed port; open the default browser
    winnow review runs/zh1 --rules my.yaml       # the rule file to save into (default: the one the run read)

The page moves each rule's threshold over the run's measured metrics (how many rows would newly drop or
come back, and which), takes right/wrong verdicts per row and rule (saved to RUN_DIR/labels.jsonl), shows
each rule's precision on those labels, and saves changed thresholds and actions into a copy of the rule
file (RUN_DIR/rules.reviewed.yaml) or the file itself. The work is in winnow.reports.review.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from winnow.curation.cli.console import cli_console
from winnow.curation.run_folder import check_run_folder


@click.command("review")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--rules",
    "rule_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Rule file that saving edits (default: the one the run read, from stats.json).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 (default: any free)."
)
@click.option(
    "--host",
    default="127.0.0.1",
    help="Only 127.0.0.1 is accepted: the page writes files (use an SSH tunnel to look from elsewhere).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
def review_command(run_dir: Path, rule_file: Path | None, port: int, host: str, open_browser: bool) -> None:
    """Serve a page over RUN_DIR to move thresholds, label flagged rows and save the rule file."""
    from winnow.reports.review.api import ReviewApp  # not on every CLI start-up
    from winnow.reports.review.server import make_server

    console = cli_console(stderr=True)
    check_run_folder(run_dir)  # a folder of one run, or exit 2 with what is wrong
    app = ReviewApp(run_dir, rule_file)
    server = make_server(app, host=host, port=port)
    movable = sum(rule.movable for rule in app.rules)
    console.print(
        f"reviewing {run_dir}: {app.frame.height:,} rows, {len(app.rules)} rules ({movable} with a threshold "
        f"to move), {len(app.labels.all())} labels in {app.labels.path}",
        highlight=False,
    )
    if app.rule_file is not None:
        console.print(f"rule file: {app.rule_file}", highlight=False)
    console.print(f"open {server.url}   (Ctrl-C stops)", highlight=False, soft_wrap=True)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("stopped", highlight=False)
    finally:
        server.server_close()


COMMANDS = [review_command]
