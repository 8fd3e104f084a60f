"""Every garbage check: its reason string and exact metric on tiny inline English and Chinese frames."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from winnow.curation.cache import MetricCache
from winnow.curation.checks.stage import run_checks
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import parse_rules


def run_check(
    check: str, params: dict[str, Any], replies: list[str | None], name: str | None = None
) -> pl.DataFrame:
    """The checks stage with one rule on `field: response` over rows whose reply is each of `replies`."""
    rules = parse_rules(
        {"checks": [{"check": check, "name": name or check, "field": "response", "params": params}]}
    )
    frame = frame_from_rows(
        [
            {
                "id": str(i),
                "kind": "sft",
                "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": r}],
            }
            for i, r in enumerate(replies)
        ]
    )
    out, _stats = run_checks(frame, rules.sections["checks"], MetricCache(None))
    return out


def reasons(frame: pl.DataFrame) -> list[str | None]:
    return frame["drop_reason"].to_list()


def metric(frame: pl.DataFrame, name: str) -> list[float | None]:
    return [None if v is None else round(v, 4) for v in frame[f"metric.{name}"].to_list()]


def test_min_length_counts_characters_not_bytes_or_words() -> None:
    out = run_check("min_length", {"min_chars": 3}, ["好的", "你好吗", "ok", "yes", ""])
    assert metric(out, "min_length") == [2.0, 3.0, 2.0, 3.0, 0.0]
    assert reasons(out) == ["min_length", None, "min_length", None, "min_length"]


def test_min_length_renamed_rule_reports_its_own_name() -> None:
    out = run_check("min_length", {"min_chars": 1}, ["", "x"], name="empty_response")
    assert reasons(out) == ["empty_response", None]
    assert out["failed_rules"].to_list() == [["empty_response"], []]


def test_max_length() -> None:
    out = run_check("max_length", {"max_chars": 4}, ["四个汉字", "五个汉字啊", "abcd", "abcde"])
    assert metric(out, "max_length") == [4.0, 5.0, 4.0, 5.0]
    assert reasons(out) == [None, "max_length", None, "max_length"]
    assert out["check_spans"].to_list()[1] == [{"rule": "max_length", "span": "啊"}]


def test_words_count_each_cjk_character_as_a_word() -> None:
    out = run_check(
        "min_words", {"min_words": 3}, ["hello world", "one two three", "你好", "你好吗", "Python 很好"]
    )
    assert metric(out, "min_words") == [2.0, 3.0, 2.0, 3.0, 3.0]
    assert reasons(out) == ["min_words", None, "min_words", None, None]
    out = run_check("max_words", {"max_words": 2}, ["hello world", "a b c", "你好吗"])
    assert reasons(out) == [None, "max_words", "max_words"]


def test_special_char_ratio_counts_symbols_not_punctuation() -> None:
    replies = ["$$$ %%% ^^^ &&& ok", "价格：$$$$$$$$ 好", "Hello, world! (fine)", "你好，世界！（没问题）"]
    out = run_check("max_special_char_ratio", {"max_ratio": 0.5, "min_chars": 5}, replies)
    # 12 symbols of 14 non-space; 8 of 12; punctuation (,!() ，！（）) is not special
    assert metric(out, "max_special_char_ratio") == [round(12 / 14, 4), round(8 / 12, 4), 0.0, 0.0]
    assert reasons(out) == ["max_special_char_ratio", "max_special_char_ratio", None, None]
    fenced = run_check(
        "max_special_char_ratio",
        {"max_ratio": 0.5, "min_chars": 5},
        ["代码：\n```\nx = {a: b} <=> $$$ && ||\n```\n好的"],
    )
    assert metric(fenced, "max_special_char_ratio") == [0.0]  # fenced code may have its symbols


def test_short_texts_are_not_judged_by_ratios() -> None:
    out = run_check(
        "max_digit_ratio", {"max_ratio": 0.5, "min_chars": 5}, ["42", "123456789 ok", "答案是 12"]
    )
    assert metric(out, "max_digit_ratio") == [None, round(9 / 11, 4), round(2 / 5, 4)]
    assert reasons(out) == [None, "max_digit_ratio", None]


def test_alnum_ratio() -> None:
    replies = ["... --- ??? ok", "。。。！！！好", "plain words", "中文内容很正常"]
    out = run_check("min_alnum_ratio", {"min_ratio": 0.5, "min_chars": 5}, replies)
    assert metric(out, "min_alnum_ratio") == [round(2 / 11, 4), round(1 / 7, 4), 1.0, 1.0]
    assert reasons(out) == ["min_alnum_ratio", "min_alnum_ratio", None, None]


def test_url_ratio() -> None:
    replies = [
        "https://a.example.com/x https://b.example.com/y",
        "见 https://example.com/很长 的说明文字在这里",
        "no links here at all",
    ]
    out = run_check("max_url_ratio", {"max_ratio": 0.5, "min_chars": 5}, replies)
    # URLs run to the next space: 46 of 47 characters; 22 of 33 (the URL includes 很长)
    assert metric(out, "max_url_ratio") == [round(46 / 47, 4), round(22 / 33, 4), 0.0]
    assert reasons(out) == ["max_url_ratio", "max_url_ratio", None]
    assert out["check_spans"].to_list()[0] == [{"rule": "max_url_ratio", "span": "https://a.example.com/x"}]


def test_html_ratio_and_markdown_residue() -> None:
    replies = [
        "hi <div><p>there</p></div>",
        "<p>你好</p>&nbsp;",
        "use the <b> tag for bold text in HTML pages",
        '<form>\n  <input type="text" name="name">\n</form>',  # a page or form asked for: markup on purpose
    ]
    out = run_check("max_html_ratio", {"max_ratio": 0.5, "min_chars": 5}, replies)
    assert metric(out, "max_html_ratio") == [round(18 / 26, 4), round(13 / 15, 4), round(3 / 43, 4), None]
    assert reasons(out) == ["max_html_ratio", "max_html_ratio", None, None]
    fenced = run_check(
        "max_html_ratio",
        {"max_ratio": 0.5, "min_chars": 5},
        ["Here:\n```html\n<div><p>hi</p></div>\n```\nDone."],
    )
    assert metric(fenced, "max_html_ratio") == [0.0]
    replies = [
        "See ![logo](img.png) here",
        "北京[编辑]是首都",
        "[link]() and [](x)",
        "a [normal](http://x) link",
    ]
    out = run_check("max_markdown_residue", {"max_count": 0}, replies)
    assert metric(out, "max_markdown_residue") == [1.0, 1.0, 2.0, 0.0]
    assert reasons(out) == ["max_markdown_residue"] * 3 + [None]


def test_char_run_without_backreferences() -> None:
    replies = ["啊啊啊啊啊啊啊好", "1111111", "ok!!!!", "10000 yuan", "code    indented", "好好学习"]
    out = run_check("max_char_run", {"max_run": 5}, replies)
    # rows without four of one character in a row are not measured (null = "no run of 4+")
    assert metric(out, "max_char_run") == [7.0, 7.0, 4.0, 4.0, None, None]
    assert reasons(out) == ["max_char_run", "max_char_run", None, None, None, None]
    assert out["check_spans"].to_list()[:2] == [
        [{"rule": "max_char_run", "span": "啊" * 7}],
        [{"rule": "max_char_run", "span": "1" * 7}],
    ]


def test_duplicate_lines_and_paragraphs() -> None:
    replies = ["a\nb\na\na\nc", "好\n好\n好\n好", "one\ntwo\nthree\nfour", "short\nshort"]
    out = run_check("max_dup_line_fraction", {"max_fraction": 0.3, "min_lines": 3}, replies)
    assert metric(out, "max_dup_line_fraction") == [0.4, 0.75, 0.0, None]
    assert reasons(out) == ["max_dup_line_fraction", "max_dup_line_fraction", None, None]
    replies = ["p1\n\np2\n\np1\n\np1", "第一段\n\n第二段\n\n第三段"]
    out = run_check("max_dup_paragraph_fraction", {"max_fraction": 0.3, "min_paragraphs": 3}, replies)
    assert metric(out, "max_dup_paragraph_fraction") == [0.5, 0.0]
    assert reasons(out) == ["max_dup_paragraph_fraction", None]


def test_top_ngram_share_uses_character_ngrams_for_cjk() -> None:
    replies = ["好的好的好的好的", "ok ok ok ok", "the cat sat on a mat", "今天天气很好"]
    params = {"n": 2, "max_share": 0.5, "min_tokens": 4, "min_chars": 0}
    out = run_check("max_top_ngram_share", params, replies)
    # 好的 ×4 of 8 characters; "ok ok" ×3 → 4 chars × 3 / 8; all bigrams distinct → one bigram's chars
    assert metric(out, "max_top_ngram_share") == [1.0, 1.5, round(6 / 15, 4), round(2 / 6, 4)]
    assert reasons(out) == ["max_top_ngram_share", "max_top_ngram_share", None, None]


def test_dup_ngram_share_covers_repeated_ngrams() -> None:
    replies = ["好的好的好的好的", "x y z x y z x y z q", "a b c d e f g h", "我们今天去公园玩"]
    params = {"n": 3, "max_share": 0.5, "min_tokens": 4, "min_chars": 0}
    out = run_check("max_dup_ngram_share", params, replies)
    assert metric(out, "max_dup_ngram_share") == [0.75, 0.6, 0.0, 0.0]
    assert reasons(out) == ["max_dup_ngram_share", "max_dup_ngram_share", None, None]
    guarded = run_check("max_dup_ngram_share", {**params, "min_chars": 100}, replies)
    assert metric(guarded, "max_dup_ngram_share") == [None, None, None, None]


def test_mojibake() -> None:
    replies = [
        "cafÃ© itâ€™s",
        "锟斤拷锟斤拷",
        "bad \ufffd byte",
        "private \ue000 use",
        "正常的中文",
        "café it’s",
    ]
    out = run_check("mojibake", {"max_count": 0}, replies)
    assert metric(out, "mojibake") == [2.0, 2.0, 1.0, 1.0, 0.0, 0.0]
    assert reasons(out) == ["mojibake"] * 4 + [None, None]
    assert out["check_spans"].to_list()[1] == [{"rule": "mojibake", "span": "锟斤拷"}]


def test_symbol_flood() -> None:
    replies = ["😀😀😀😀😀 ok", "好的👍👍👍👍👍👍", "x = a + b < c and y", "普通文本，没有表情"]
    out = run_check("max_symbol_ratio", {"max_ratio": 0.1, "min_chars": 5}, replies)
    assert metric(out, "max_symbol_ratio") == [round(5 / 7, 4), 0.75, 0.0, 0.0]
    assert reasons(out) == ["max_symbol_ratio", "max_symbol_ratio", None, None]


def test_placeholder_text() -> None:
    replies = [
        "Lorem ipsum dolor sit amet",
        "TODO: write this",
        "Hi {{name}}!",
        "N/A",
        "此处填写答案",
        "Dear [Your Name],",
        "function() { return `${x}`; }",
        "正常回答",
    ]
    out = run_check("placeholder_text", {"max_count": 0}, replies)
    assert metric(out, "placeholder_text") == [2.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert reasons(out) == ["placeholder_text"] * 5 + [None] * 3


def test_blocklist_keywords_and_patterns() -> None:
    params = {"keywords": ["As an AI", "作为一个人工智能"], "patterns": [r"language\s+model"], "max_hits": 0}
    replies = ["as an ai, I cannot", "作为一个人工智能，我不能", "a large Language   Model", "fine"]
    out = run_check("blocklist", params, replies)
    assert metric(out, "blocklist") == [1.0, 1.0, 1.0, 0.0]
    assert reasons(out) == ["blocklist", "blocklist", "blocklist", None]
    strict_case = run_check("blocklist", {**params, "case_sensitive": True}, replies)
    assert reasons(strict_case) == [None, "blocklist", None, None]


@pytest.mark.parametrize("reply", [None])
def test_null_text_never_fails_a_max_check(reply: str | None) -> None:
    out = run_check("mojibake", {"max_count": 0}, [reply])
    assert reasons(out) == [None]
