"""The checks stage over a frame in several chunks, as `read_corpus` returns one read from several files."""

from __future__ import annotations

import polars as pl

from tests.sanity.real_rows import sft_row
from winnow.curation.cache import MetricCache
from winnow.curation.checks.section import ChecksConfig
from winnow.curation.checks.stage import run_checks
from winnow.curation.example import example_dir
from winnow.curation.io.read import read_corpus
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import load_rule_file
from winnow.reports.views.profile_checks import default_rule_file

# Each file holds a reply the truncation check fails and a prompt that asks for code (the excuse reads the
# last user turn with a list.eval, which Polars 2.1 ran over a many-chunk column and panicked).
FILES = [
    [
        sft_row(
            "Write a Python function that adds two numbers.",
            "Here it is. def add(first_number, second_number): return first_number + second",
        ),
        sft_row("Name a colour.", "Blue. It is the colour of a clear sky and of many of the things that we"),
    ],
    [
        sft_row(
            "Give me a SQL query listing the users.",
            "Use this. SELECT name, email FROM users WHERE active = 1 ORDER BY name",
        ),
        sft_row("What is rain?", "Rain. It is water that falls from clouds when the drops grow heavy and"),
        sft_row("Say hi.", "Hi there, nice to meet you."),
    ],
    [
        sft_row(
            "Write a bash loop over files.",
            "Try this. for file in *.txt; do echo processing the file named $file",
        )
    ],
]


def test_checks_over_a_frame_read_from_several_files_equal_those_over_one_chunk() -> None:
    pieces = [frame_from_rows(rows) for rows in FILES]
    chunked = pl.concat(pieces, rechunk=False)
    assert chunked["messages"].n_chunks() == 3
    config = load_rule_file(default_rule_file()).sections["checks"]
    assert isinstance(config, ChecksConfig)
    frame, _ = run_checks(chunked, config, MetricCache(None))
    whole, _ = run_checks(chunked.rechunk(), config, MetricCache(None))
    assert frame["failed_rules"].to_list() == whole["failed_rules"].to_list()
    truncated = [("truncated_response" in rules) for rules in frame["failed_rules"].to_list()]
    assert truncated == [False, True, False, True, False, False]


def test_checks_over_the_shipped_example_read_from_its_six_files_equal_those_over_one_chunk() -> None:
    # `winnow demo`'s profile ran exactly this and panicked inside Polars (a list.eval over the candidate
    # rows gathered from a many-chunk batch)
    data = example_dir() / "data"
    records = read_corpus(sorted(data.iterdir())).records
    assert records["messages"].n_chunks() > 1
    config = load_rule_file(default_rule_file()).sections["checks"]
    assert isinstance(config, ChecksConfig)
    frame, _ = run_checks(records, config, MetricCache(None))
    whole, _ = run_checks(records.rechunk(), config, MetricCache(None))
    assert frame["failed_rules"].to_list() == whole["failed_rules"].to_list()
    assert frame["check_spans"].to_list() == whole["check_spans"].to_list()
