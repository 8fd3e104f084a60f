"""The profile's numbers: formats, structure, check would-drop counts, duplicates; hostile rows escaped."""

from __future__ import annotations

import polars as pl
import pytest
from reports_hostile import SCRIPT, hostile_rows
from reports_runfolder import ints, sft

from winnow.curation.record import frame_from_rows
from winnow.reports.profile import Corpus, build_profile_page

ROWS = [
    sft("a", "Translate to French: cat", "chat", line=1, task="translate"),
    sft("b", "Translate to French: cat", "chat", line=2, task="translate"),  # exact duplicate of a
    sft("c", "Write a poem", "", line=3),  # empty response
    {
        "id": "d",
        "source": "chat.jsonl",
        "line": 1,
        "format": "sharegpt",
        "kind": "sft",
        "system": "You are helpful.",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "user", "content": "how are you?"},
            {"role": "assistant", "content": "fine, thanks"},
        ],
    },
    {
        "id": "e",
        "source": "web.jsonl",
        "line": 1,
        "format": "pretrain",
        "kind": "pretrain",
        "text": "plain text",
    },
]


def _cells(rows: list[dict]) -> tuple[dict[str, int], str]:
    quarantine = pl.DataFrame(
        {"source": ["chat.jsonl"], "line": [7], "error": ["not JSON"], "snippet": ["{oops"]},
        schema={"source": pl.String, "line": pl.Int64, "error": pl.String, "snippet": pl.String},
    )
    corpus = Corpus(
        records=frame_from_rows(rows),
        quarantine=quarantine,
        formats={"demo.jsonl": {"alpaca": 3}, "chat.jsonl": {"sharegpt": 1}, "web.jsonl": {"pretrain": 1}},
        rows_read=len(rows) + 1,
        inputs=["demo.jsonl", "chat.jsonl", "web.jsonl"],
    )
    page, _ = build_profile_page(corpus)
    html_text = page.render()
    return ints(html_text), html_text


@pytest.fixture(scope="module")
def profile() -> tuple[dict[str, int], str]:
    return _cells(ROWS)


def test_formats_composition_and_structure(profile: tuple[dict[str, int], str]) -> None:
    cells, _ = profile
    assert cells["profile.rows_read"] == 6
    assert cells["profile.quarantined"] == 1
    assert cells["profile.format.demo.jsonl.alpaca"] == 3
    assert cells["profile.kind.sft"] == 4
    assert cells["profile.kind.pretrain"] == 1
    assert cells["profile.task.translate"] == 2
    assert cells["profile.with_system"] == 1
    assert cells["profile.multi_turn"] == 1
    assert cells["profile.turns.2"] == 3
    assert cells["profile.turns.4"] == 1
    assert cells["profile.turns.3"] == 0
    assert cells["profile.no_messages"] == 1
    assert cells["profile.role.user"] == 5


def test_default_checks_would_drop_counts(profile: tuple[dict[str, int], str]) -> None:
    cells, html_text = profile
    assert "default.yaml" in html_text
    # empty_response (min 1 char): row c, and the pretrain row e, which has no response at all
    assert cells["profile.check.empty_response.fails"] == 2
    assert cells["profile.check.response_too_long.fails"] == 0


def test_exact_duplicates(profile: tuple[dict[str, int], str]) -> None:
    cells, _ = profile
    assert cells["profile.exact.instruction_input"] == 1
    assert cells["profile.near.pairs"] == 1


def test_hostile_rows_are_escaped_in_the_profile() -> None:
    _, html_text = _cells(hostile_rows())
    assert "<script" not in html_text.lower()
    assert "<img" not in html_text.lower()
    assert "\u202e" not in html_text
    assert "&lt;script&gt;" in html_text
    assert SCRIPT not in html_text
    assert len(html_text.encode()) < 300_000


def test_tokens_not_available_without_tokenizer(profile: tuple[dict[str, int], str]) -> None:
    _, html_text = profile
    assert "Token lengths: not available (no --tokenizer given)" in html_text
