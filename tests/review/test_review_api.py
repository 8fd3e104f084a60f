"""The review page's JSON API on a tiny real run (tests/review/review_run.py): every count by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_run import build_review_run

from winnow.curation.errors import UsageError
from winnow.curation.run_curate import run_curate
from winnow.reports.review.api import ReviewApp
from winnow.reports.review.labels import read_labels


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return build_review_run(tmp_path_factory.mktemp("review"))


@pytest.fixture
def app(tiny: tuple[Path, Path, Path]) -> ReviewApp:
    run_dir = tiny[0]
    (run_dir / "labels.jsonl").unlink(missing_ok=True)
    return ReviewApp(run_dir)


def _ids(app: ReviewApp) -> dict[str, str]:
    """response text → row id."""
    rows = app.data.fetch(app.frame["id"].to_list())
    return {row["messages"][1]["content"]: row["id"] for row in rows.iter_rows(named=True)}


def test_state_lists_the_rules_and_what_can_move(app: ReviewApp) -> None:
    state = app.state()
    rules = {r["name"]: r for r in state["rules"]}
    assert list(rules) == ["char_run", "digits", "short"]
    assert (rules["char_run"]["threshold_param"], rules["char_run"]["integer"]) == ("max_run", True)
    assert (rules["char_run"]["low"], rules["char_run"]["high"]) == (3, None)  # max_char_run's declared range
    assert (rules["digits"]["threshold_param"], rules["digits"]["integer"]) == ("max_ratio", False)
    assert (rules["short"]["threshold_param"], rules["short"]["direction"]) == ("min_chars", "min")
    assert rules["char_run"]["candidates"] == [
        4.0,
        5.0,
        6.0,
        8.0,
    ]  # the measured runs and the run's threshold
    assert state["totals"] == {
        "newly_dropped": 0,
        "back": 0,
        "newly_flagged": 0,
        "unflagged": 0,
        "kept": 4,
        "dropped": 2,
        "flagged": 2,
    }
    assert state["run"]["rows"] == 6
    assert state["labels"] == 0


def test_raising_a_threshold_brings_rows_back(app: ReviewApp) -> None:
    ids = _ids(app)
    answer = app.whatif({"settings": {"char_run": {"threshold": 7, "action": "drop"}}, "rule": "char_run"})
    assert answer["totals"] == {
        "newly_dropped": 0,
        "back": 1,
        "newly_flagged": 0,
        "unflagged": 0,
        "kept": 5,
        "dropped": 1,
        "flagged": 2,
    }
    rule = answer["rule"]
    assert (rule["failing_run"], rule["failing"], rule["newly_failing"], rule["no_longer_failing"]) == (
        2,
        1,
        0,
        1,
    )
    [row] = rule["rows"]
    assert (row["id"], row["consequence"], row["newly"], row["metric"]) == (
        ids["yyyyyy is six"],
        "comes back",
        False,
        6.0,
    )
    assert (row["where"], row["line"], row["span"], row["text"]) == (
        "corpus.json:1",
        1,
        "yyyyyy",
        "yyyyyy is six",
    )


def test_lowering_a_threshold_drops_rows_and_null_metrics_pass(app: ReviewApp) -> None:
    ids = _ids(app)
    answer = app.whatif({"settings": {"char_run": {"threshold": 3}}, "rule": "char_run"})
    assert (answer["totals"]["newly_dropped"], answer["totals"]["kept"]) == (1, 3)
    assert [(r["id"], r["consequence"]) for r in answer["rule"]["rows"]] == [(ids["zzzz is four"], "drops")]
    assert answer["rule"]["failing"] == 3  # "plain words only" has no run of 4: its null metric passes


def test_actions_and_min_direction(app: ReviewApp) -> None:
    flag = app.whatif({"settings": {"char_run": {"action": "flag"}}})["totals"]
    assert (flag["back"], flag["newly_flagged"], flag["dropped"], flag["flagged"]) == (2, 2, 0, 4)
    digits = app.whatif({"settings": {"digits": {"threshold": 0.9}}})["totals"]
    assert (digits["unflagged"], digits["flagged"]) == (1, 1)  # 15/17 = 0.88 passes 0.9
    short = app.whatif({"settings": {"short": {"threshold": 13}}, "rule": "short"})
    assert (short["totals"]["newly_flagged"], short["totals"]["flagged"]) == (1, 3)  # "zzzz is four": 12 < 13
    assert short["rule"]["failing"] == 2  # "no" and "zzzz is four"; "yyyyyy is six" has 13


def test_rows_to_label_most_extreme_first(app: ReviewApp) -> None:
    answer = app.rows({"settings": {}, "rule": "char_run"})
    assert answer["total"] == 2
    assert [(r["text"], r["metric"], r["drop_reason"], r["label"]) for r in answer["rows"]] == [
        ("xxxxxxxx is eight", 8.0, "char_run", None),
        ("yyyyyy is six", 6.0, "char_run", None),
    ]
    assert app.rows({"settings": {}, "rule": "char_run", "offset": 1, "limit": 1})["rows"][0]["metric"] == 6.0


def test_labels_persist_and_give_precision(app: ReviewApp, tiny: tuple[Path, Path, Path]) -> None:
    run_dir, corpus, rules = tiny
    ids = _ids(app)
    a, b = ids["xxxxxxxx is eight"], ids["yyyyyy is six"]
    app.label({"id": a, "rule": "char_run", "verdict": "right"})
    answer = app.label({"id": b, "rule": "char_run", "verdict": "wrong", "note": "a word, not noise"})
    assert (answer["right"], answer["labeled"], answer["precision"]) == (1, 2, 0.5)
    assert (round(answer["wilson_low"], 4), round(answer["wilson_high"], 4)) == (0.0945, 0.9055)
    lines = [json.loads(line) for line in (run_dir / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(x["id"], x["rule"], x["verdict"], x["note"]) for x in lines] == [
        (a, "char_run", "right", ""),
        (b, "char_run", "wrong", "a word, not noise"),
    ]
    # a restart reads them back; moving the threshold past the "wrong" row leaves 1 right of 1
    again = ReviewApp(run_dir)
    moved = again.precision({"settings": {"char_run": {"threshold": 7}}})["precision"]
    assert moved[0] | {"wilson_low": None, "wilson_high": None} == {
        "rule": "char_run",
        "right": 1,
        "labeled": 1,
        "precision": 1.0,
        "wilson_low": None,
        "wilson_high": None,
        "outside": 1,
        "not_in_run": 0,
        "failing": 1,
    }
    # low precision first: char_run (0.5) before the unlabeled rules
    assert [p["rule"] for p in again.precision({})["precision"]] == ["char_run", "digits", "short"]
    # a re-run into the same folder keeps labels.jsonl, and the same rows have the same ids
    run_curate([corpus], rules, run_dir, cache_dir=run_dir.parent / "cache")
    assert [(x.id, x.verdict) for x in read_labels(run_dir / "labels.jsonl")] == [(a, "right"), (b, "wrong")]
    assert ReviewApp(run_dir).precision({})["precision"][0]["labeled"] == 2
    again.label({"id": a, "rule": "char_run", "verdict": "clear"})
    assert [x.id for x in read_labels(run_dir / "labels.jsonl")] == [b]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"settings": {"nope": {"threshold": 1}}}, "unknown rule 'nope'"),
        ({"settings": {"char_run": {"threshold": 2}}}, "must be >= 3"),
        ({"settings": {"char_run": {"threshold": "5"}}}, "must be a number"),
        ({"settings": {"char_run": {"action": "delete"}}}, "must be one of drop, flag"),
    ],
)
def test_bad_settings_are_refused(app: ReviewApp, body: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        app.whatif(body)


def test_a_label_needs_a_row_of_the_run_and_a_verdict(app: ReviewApp) -> None:
    with pytest.raises(UsageError, match="no row with id"):
        app.label({"id": "0" * 24, "rule": "char_run", "verdict": "right"})
    row_id = next(iter(_ids(app).values()))
    with pytest.raises(UsageError, match="verdict must be one of right, wrong"):
        app.label({"id": row_id, "rule": "char_run", "verdict": "maybe"})


def test_a_metric_that_disagrees_with_the_run_moves_nothing(tmp_path: Path) -> None:
    import polars as pl

    run_dir, _, _ = build_review_run(tmp_path)
    rows = pl.read_parquet(run_dir / "rows.parquet")
    # as if the check also exempted the "yyyyyy" row by something its metric does not hold
    exempted = pl.col("line") == 1
    rows = rows.with_columns(
        pl.when(exempted)
        .then(pl.lit([], pl.List(pl.String)))
        .otherwise(pl.col("failed_rules"))
        .alias("failed_rules"),
        pl.when(exempted).then(None).otherwise(pl.col("drop_reason")).alias("drop_reason"),
    )
    rows.write_parquet(run_dir / "rows.parquet")
    app = ReviewApp(run_dir)
    rule = next(r for r in app.state()["rules"] if r["name"] == "char_run")
    assert (rule["movable"], rule["not_movable"]) == (
        False,
        "its metric at the threshold disagrees with the run on 1 rows",
    )
    with pytest.raises(UsageError, match="has no threshold that can be moved here"):
        app.whatif({"settings": {"char_run": {"threshold": 7}}})
    assert (
        app.whatif({"settings": {"char_run": {"action": "flag"}}})["totals"]["back"] == 1
    )  # the action still moves
