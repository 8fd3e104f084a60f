"""The text mappers: Unicode normalization, control/zero-width removal, newlines, whitespace, strip,
repeated punctuation. Each is one Polars expression, idempotent, and safe for code (indentation kept).

Each mapper but NFKC has a trigger (see winnow.curation.mappers.registry): a regex that matches every text it
would change, so the stage maps only the few rows that need it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import polars as pl

from winnow.curation.checks.params import Range
from winnow.curation.mappers.registry import mapper

# C0/C1 controls except tab, newline, carriage return; zero-width space/non-joiner, word joiner, BOM.
# U+200D (zero-width joiner) is kept unless asked: it glues emoji sequences (👨‍👩‍👧) and Indic conjuncts.
_CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\x{200B}\x{200C}\x{2060}\x{FEFF}]"
_CONTROL_AND_ZWJ = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\x{200B}-\x{200D}\x{2060}\x{FEFF}]"
# Spaces that look like a space but are not U+0020 (NBSP, en/em/thin spaces, narrow NBSP, math space).
# U+3000 (ideographic space) is left alone: Chinese text uses it for indentation on purpose.
_EXOTIC_SPACES = r"[\x{00A0}\x{2000}-\x{200A}\x{202F}\x{205F}]"
# Punctuation whose floods are collapsed: ASCII and their full-width/CJK counterparts.
_PUNCTUATION = "!?.,;:~-=*#。，！？；：～…、·"


@mapper("nfkc")
def nfkc(text: pl.Expr, form: Literal["NFC", "NFKC", "NFD", "NFKD"] = "NFKC") -> pl.Expr:
    """Unicode normalization (NFKC folds full-width forms: off by default for Chinese)."""
    return text.str.normalize(form)


def _control_trigger(keep_zero_width_joiner: bool = True) -> str:
    return _CONTROL if keep_zero_width_joiner else _CONTROL_AND_ZWJ


@mapper("remove_control_chars", trigger=_control_trigger)
def remove_control_chars(text: pl.Expr, keep_zero_width_joiner: bool = True) -> pl.Expr:
    """Remove control characters (not tab/newline) and zero-width characters (BOM, ZWSP, ZWNJ, WJ)."""
    return text.str.replace_all(_CONTROL if keep_zero_width_joiner else _CONTROL_AND_ZWJ, "")


def _newlines_trigger(max_blank_lines: int = 1) -> str:
    return rf"\r|\n(?:[ \t]*\n){{{max_blank_lines + 1},}}"


@mapper("normalize_newlines", trigger=_newlines_trigger)
def normalize_newlines(text: pl.Expr, max_blank_lines: Annotated[int, Range(0, None)] = 1) -> pl.Expr:
    """\\r\\n and \\r become \\n; runs of blank lines are capped at max_blank_lines."""
    unix = text.str.replace_all("\r\n", "\n", literal=True).str.replace_all("\r", "\n", literal=True)
    newlines = max_blank_lines + 1
    # whitespace-only lines count as blank; newlines+1 or more line breaks collapse to exactly `newlines`
    return unix.str.replace_all(rf"\n(?:[ \t]*\n){{{newlines},}}", "\n" * newlines)


def _whitespace_trigger(collapse_inner_spaces: bool = False) -> str:
    # exotic spaces, spaces before a line break or at the very end, and (if asked) inner space runs
    return rf"{_EXOTIC_SPACES}|[ \t]\n|[ \t]$" + (r"|\S {2,}" if collapse_inner_spaces else "")


@mapper("normalize_whitespace", trigger=_whitespace_trigger)
def normalize_whitespace(text: pl.Expr, collapse_inner_spaces: bool = False) -> pl.Expr:
    """Exotic spaces (NBSP, U+2000..200A) become a space; trailing spaces on every line are removed.

    Leading indentation is never touched (code). With collapse_inner_spaces, runs of spaces after a
    non-space character become one space.
    """
    # two capture-free passes: a capture group forces Polars onto a slower regex path
    out = (
        text.str.replace_all(_EXOTIC_SPACES, " ")
        .str.replace_all(r"[ \t]+\n", "\n")
        .str.strip_chars_end(" \t")
    )
    if collapse_inner_spaces:
        out = out.str.replace_all(r"(\S) {2,}", "${1} ")
    return out


@mapper("strip", trigger=lambda: r"^\s|\s$")  # str::trim strips Unicode White_Space, which \s is
def strip(text: pl.Expr) -> pl.Expr:
    """Remove leading and trailing whitespace."""
    return text.str.strip_chars()


def collapse_pattern(max_repeat: int) -> tuple[str, str]:
    """(pattern, replacement) keeping at most `max_repeat` of each punctuation character in a row.

    Rust regexes have no backreferences, so each character gets its own alternative and capture group:
    `(!{3})!+|(\\?{3})\\?+|…` replaced by `${1}${2}…` (groups that did not match are empty).
    """
    alternatives = [f"({re.escape(c)}{{{max_repeat}}}){re.escape(c)}+" for c in _PUNCTUATION]
    replacement = "".join(f"${{{i + 1}}}" for i in range(len(_PUNCTUATION)))
    return "|".join(alternatives), replacement


def _punctuation_trigger(max_repeat: int = 3) -> str:
    return "|".join(f"{re.escape(c)}{{{max_repeat + 1}}}" for c in _PUNCTUATION)


@mapper("collapse_punctuation", trigger=_punctuation_trigger)
def collapse_punctuation(text: pl.Expr, max_repeat: Annotated[int, Range(1, None)] = 3) -> pl.Expr:
    """Runs of one punctuation mark longer than max_repeat ("!!!!!!", "。。。。") are cut to max_repeat."""
    pattern, replacement = collapse_pattern(max_repeat)
    return text.str.replace_all(pattern, replacement)
