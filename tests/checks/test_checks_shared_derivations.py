"""Shared derivations (`@shared`), fields read by row checks (`field_text`) and gated regexes
(`gated_contains`, `contains_any`) change how the checks stage computes, never what it decides.

The stage builds every rule on materialized `__field.<name>` columns and shares each derivation
(`…|stripped`, `…|comparable`, `…|taskfloor`) between the rules that read it; built plainly, a check
computes everything inline. Both must give the same values, row for row, on real zh/en data.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest
from conftest import shared_path

from winnow.curation.cache import MetricCache, metric_identity
from winnow.curation.checks.engine import build_rule
from winnow.curation.checks.sanity_prompt import UNSEEN_CONTENT, UNSEEN_PARTS
from winnow.curation.checks.sanity_text import stripped
from winnow.curation.checks.stage import reads, run_checks
from winnow.curation.checks.textexpr import (
    DERIVATIONS,
    contains_any,
    count_of,
    derived_columns,
    field_text,
    gated_contains,
    materialized_fields,
    prose,
)
from winnow.curation.rulefile.load import load_rule_file, parse_rules

# UNSEEN_CONTENT as one alternation, as it was before it was split into UNSEEN_PARTS.
OLD_UNSEEN_CONTENT = (
    r"(?i)^\s*<?(?:https?://|www\.)\S+>?\s*$"
    r"|(?i)<\s*(?:picture|image|photo|img|video|audio|file|attachment|graph|chart|diagram)\b[^>\n]{0,30}>"
    r"|(?i)\[\s*(?:picture|image|photo|img|video|audio|attachment|graph|chart|diagram)\b[^\]\n]{0,30}\]"
    r"|(?i)\b(?:attached|above|below|following|provided|given|this|these|shown)\s+"
    r"(?:image|picture|photo|photograph|graph|chart|diagram|figure|screenshot|video|audio|recording|drawing)s?\b"
    r"|(?i)\b(?:image|picture|photo|graph|chart|diagram|figure|screenshot)s?\s+(?:above|below|attached|provided)\b"
    r"|(?i)\bsee (?:the )?(?:attached|attachment|image|picture|figure|graph|chart)\b"
    r"|如图|见图|如下图|(?:^|[^以])[上下]图|附图|图片如下|见附件|附件中|附件里|附件所示"
    r"|(?:这|该|以下|下面|上面|所给|给定的?)(?:张|幅|段)?(?:图片|图像|照片|图表|视频|音频|录音)"
)
TRICKY = [
    None,
    "",
    "describe this image",
    "Describe THIS Images please",
    "describe thisimage",  # no word boundary inside
    "述this image",  # a Han character before: no Unicode word boundary
    "this image述",
    "éthis image",
    "see the chart",
    "seethe chart",
    "如图所示",
    "以上图为例",  # 以上图: not a picture
    "上图",
    "看上图",
    "https://example.com/a.png",
    "  <https://example.com>  ",
    "<image of a cat>",
    "[Picture: a dog]",
    "这张图片",
    "给定的视频",
    "附件里",
    "the graph above",
]


@pytest.fixture(scope="module")
def real() -> pl.DataFrame:
    from winnow.curation.io.read import read_corpus

    return read_corpus(
        [
            shared_path("llama_factory_demo", "alpaca_zh_demo.json"),
            shared_path("llama_factory_demo", "alpaca_en_demo.json"),
            shared_path("codealpaca", "code_alpaca_2k.json"),
        ]
    ).records


def test_unseen_parts_equal_the_old_alternation(real: pl.DataFrame) -> None:
    texts = pl.Series(
        "t",
        TRICKY
        + real.select(pl.col("input")).to_series().to_list()
        + [m["content"] for ms in real["messages"].to_list() for m in ms],
        dtype=pl.String,
    )
    frame = pl.DataFrame([texts])
    got = frame.select(
        new=contains_any(pl.col("t"), UNSEEN_PARTS),
        old=pl.col("t").str.contains(OLD_UNSEEN_CONTENT),
        span_new=pl.col("t").str.extract(f"({UNSEEN_CONTENT})", 1),
        span_old=pl.col("t").str.extract(f"({OLD_UNSEEN_CONTENT})", 1),
    )
    assert got["new"].to_list() == got["old"].to_list()
    assert got["span_new"].to_list() == got["span_old"].to_list()
    assert got["old"].sum() >= 15  # real hits were compared (tricky ones and real inputs)
    assert got["new"][:8].to_list() == [None, False, True, True, False, False, False, False]


def test_gated_contains_is_contains_nulls_included() -> None:
    frame = pl.DataFrame({"t": [None, "", "abc", "xbc", "abd", "ab"]})
    got = frame.select(
        gated=gated_contains(pl.col("t"), r"\bab[cd]", "ab"), plain=pl.col("t").str.contains(r"\bab[cd]")
    )
    assert got["gated"].to_list() == got["plain"].to_list() == [None, False, True, False, True, False]


def test_derivations_reading_other_derivations_come_in_later_levels() -> None:
    from winnow.curation.checks.sanity_text import normalized

    # the prose's counts read the reply's counts (a shortcut: see textexpr._prose_counts)
    levels = derived_columns(
        [count_of(prose(pl.col("__field.response")), "chars"), normalized(stripped(pl.col("__field.input")))]
    )
    assert [sorted(level) for level in levels] == [
        ["__field.input|stripped", "__field.response|counts"],
        ["__field.input|stripped|normalized", "__field.response|prose|counts"],
    ]


def test_field_text_reads_the_materialized_column_only_inside_the_stage() -> None:
    assert "__field.response" not in field_text("response").meta.root_names()
    with materialized_fields():
        assert field_text("response").meta.root_names() == ["__field.response"]
        assert stripped(field_text("response")).meta.root_names() == ["__field.response|stripped"]
    assert "__field.response" not in field_text("response").meta.root_names()


def test_cache_identity_covers_the_derivations_a_metric_reads() -> None:
    expr = stripped(pl.col("__field.response")).str.len_chars()
    depends = reads(expr)
    assert "__field.response|stripped=" in depends
    assert "__field.response=" in depends
    assert metric_identity(expr, "x", depends) != metric_identity(expr, "x", "")
    assert metric_identity(expr, "x", depends) != metric_identity(expr, "x", depends.replace("200b", "200c"))


def test_stage_equals_plain_expressions_for_every_default_check(real: pl.DataFrame) -> None:
    """Every check of rules/default.yaml: metric, failure and span as the stage computes them (shared,
    gated, materialized) equal the check built on plain field expressions."""
    from pathlib import Path

    from winnow.curation.mappers.stage import map_rows

    path = Path(__file__).resolve().parents[2] / "rules" / "default.yaml"
    raw = {k: v for k, v in load_rule_file(str(path)).resolved().items() if k in ("mappers", "checks")}
    rules = parse_rules(raw, "default")
    frame, _, _ = map_rows(real, rules.sections["mappers"])
    config = rules.sections["checks"]
    out, _ = run_checks(frame, config, MetricCache(None))
    plain = [build_rule(rule, materialized=False) for rule in config.rules]
    fails = frame.select([b.fails.fill_null(False).alias(b.rule.name) for b in plain])
    for built in plain:
        name = built.rule.name
        stage_fails = out["failed_rules"].list.contains(name)
        assert stage_fails.to_list() == fails[name].to_list(), name
        if built.metric is not None:
            assert out[f"metric.{name}"].to_list() == frame.select(built.metric)[:, 0].to_list(), name
    spans = out.select(pl.col("check_spans").list.len().sum()).item()
    # fewer than before: HTML answers that are markup on purpose (Code Alpaca's pages and forms) are not
    # judged, a link the reply writes out is not unseen content, template slots in code lines are not slots;
    # refusals, slots and markers the prompt explains (refusal_response, unfilled_template, placeholder_text
    # read the prompt: bench/labels) are not flagged; nor are code asked for (truncated_response,
    # response_too_short_for_task, input_unseen_content), an input corrected or ordered as asked
    # (response_echoes_prompt), a numbered "Input:" step (merged_instructions): 76 rows before those, 52 after
    assert (spans, fails.select(pl.sum_horizontal(pl.all()).gt(0).sum()).item()) == (47, 52)


def test_all_text_column_equals_the_record_field_on_every_null_and_empty_mix(real: pl.DataFrame) -> None:
    import itertools

    from winnow.curation.checks.engine import all_text_column
    from winnow.curation.record import RECORD_SCHEMA, all_text_expr

    values = [None, "", "a"]
    messages = [
        None,
        [],
        [{"role": "user", "content": None}],
        [{"role": "user", "content": ""}],
        [
            {"role": "user", "content": "u"},
            {"role": "assistant", "content": ""},
            {"role": "assistant", "content": "r"},
        ],
    ]
    rows = [
        {"system": s, "messages": m, "input": i, "chosen": c, "rejected": r, "text": t}
        for s, m, i, c, r, t in itertools.product(values, messages, values, values, values, values)
    ]
    schema = {name: RECORD_SCHEMA[name] for name in rows[0]}
    for frame in (pl.DataFrame(rows, schema=schema), real):
        got = frame.select(new=all_text_column(), old=all_text_expr())
        assert got["new"].to_list() == got["old"].to_list()
    assert got["new"].null_count() == 0  # real rows: every one has text


def test_form_gates_are_necessary_conditions(real: pl.DataFrame) -> None:
    """Each EXPECTED_FORMS pattern runs only where its verb gate matches: on real instructions (and forms
    written to match), every instruction a pattern matches passes its gate."""
    from winnow.curation.checks.sanity_length import (
        EXPECTED_FORMS,
        FLOOR_GATE,
        FORM_CANDIDATES,
        _floor,
        _unless_exempt,
    )
    from winnow.curation.checks.textexpr import FIELD_PREFIX

    written = [
        "Write an essay about rain",
        "请写一篇关于春天的文章",
        "详细解释原因",
        "Explain in detail how",
        "写一首诗",
        "WRITE A SHORT STORY",  # (?i): the noun gates fold case as the patterns do
        "Compose an E-mail to the team",
        "给老师写一封感谢信",
        "写一段话介绍你自己",
    ]
    instructions = pl.DataFrame(
        {f"{FIELD_PREFIX}instruction": written + real.select(field_text("instruction")).to_series().to_list()}
    )
    column = pl.col(f"{FIELD_PREFIX}instruction")
    matched = 0
    for (pattern, _), only in zip(EXPECTED_FORMS, FORM_CANDIDATES, strict=True):
        plain = instructions.select(column.str.contains(pattern)).to_series()
        gated = instructions.select(only(column).str.contains(pattern)).to_series()
        assert gated.to_list() == plain.to_list(), pattern
        assert instructions.filter(plain).select(column.str.contains(FLOOR_GATE).all()).item(), pattern
        matched += int(plain.sum())
    assert matched == 116  # real and written instructions were compared
    # the floor as the check computes it (on FLOOR_GATE's instructions only) is the floor everywhere
    as_run = instructions.select(DERIVATIONS["expectedwords"](column)).to_series()
    everywhere = instructions.select(_unless_exempt(column, _floor(column))).to_series()
    assert as_run.to_list() == everywhere.to_list()
    assert as_run[: len(written)].to_list() == [40.0, 40.0, 25.0, 25.0, 6.0, 40.0, 15.0, 15.0, 20.0]


def test_last_line_is_the_text_after_the_last_newline(real: pl.DataFrame) -> None:
    from winnow.curation.checks.sanity_truncated import _last_line

    texts = [None, "", "a", "a\n", "\n\n", "a\r\nb", "x\ny\n z ", "一\n二三"]
    texts += real.select(field_text("response")).to_series().to_list()
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    got = frame.select(new=_last_line(pl.col("t")), old=pl.col("t").str.extract(r"([^\n]*)$", 1))
    assert got["new"].to_list() == got["old"].to_list()
    assert got["new"][:8].to_list() == [None, "", "a", "", "", "b", " z ", "二三"]


def _conversation(*turns: str | None) -> list[dict[str, str | None]]:
    return [{"role": ("user", "assistant")[i % 2], "content": t} for i, t in enumerate(turns)]


def _assert_stage_fails_where(frame: pl.DataFrame, check: str, expected: pl.Expr) -> None:
    """The checks stage fails exactly the rows where `expected` (the unscreened comparison) holds."""
    config = parse_rules({"checks": [{"check": check}]}).sections["checks"]
    out, _ = run_checks(frame, config, MetricCache(None))
    want = frame.select(expected.fill_null(False)).to_series()
    assert out["failed_rules"].list.len().cast(pl.Boolean).to_list() == want.to_list()


def test_repeated_turn_kernel_keeps_every_decision(real: pl.DataFrame) -> None:
    """The compiled comparison of conversation_repeated_turn (with its Polars fallback for Σ) gives the
    values of the Polars definition."""
    from winnow.curation.checks.sanity_conversation import _with_turns
    from winnow.curation.checks.sanity_text import contents, normalized
    from winnow.curation.record import RECORD_SCHEMA

    long_text = "The quick brown fox jumps over the lazy dog. " * 3
    conversations = [
        None,
        [],
        _conversation("Hello there friend", "hello, THERE friend!"),  # equal once normalized
        _conversation("ΟΔΟΣ ΚΑΙ ΔΡΟΜΟΣ", "οδος και δρομος"),  # Σ in the opening
        _conversation("ΟΔΟΣ", "οδος"),
        _conversation("!!! ... ??? --- *** ### @@@ abc def ghi", "abcdefghi"),  # nothing kept in the opening
        _conversation("a" * 30 + "b", "a" * 30 + "c"),  # same opening, different turns
        _conversation(long_text, long_text.upper()),
        _conversation("x", None, "x"),
        _conversation(*[f"turn number {i}" for i in range(9)], "turn number 8"),  # repeat after 8 turns
        _conversation(*[f"turn number {i}" for i in range(3)], "Turn number 2!", "other"),
        _conversation("İSTANBUL IS BIG", "i\u0307stanbul is big"),  # İ lowercases to two characters
        _conversation("ΟΔΟΣ ΚΑΙ ΔΡΟΜΟΣ", "repeated turn here", "repeated turn here!"),  # Σ, then a repeat
    ]
    rows = [{"kind": "sft", "messages": m} for m in conversations]
    tiny = pl.DataFrame(rows, schema={"kind": RECORD_SCHEMA["kind"], "messages": RECORD_SCHEMA["messages"]})
    unscreened = (
        _with_turns()
        & contents()
        .list.eval(
            (normalized(pl.element()) == normalized(pl.element()).shift(1))
            & (normalized(pl.element()).str.len_chars() >= 8)
        )
        .list.any()
    )
    for frame in (tiny, real.select("kind", "messages")):
        _assert_stage_fails_where(frame, "conversation_repeated_turn", unscreened)
    assert tiny.select(unscreened).to_series().to_list() == [
        None,
        False,
        True,
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        True,
        True,
        True,
    ]


def test_echo_kernel_keeps_every_decision(real: pl.DataFrame) -> None:
    """The compiled comparison of response_echoes_prompt (with its Polars fallback for Σ) gives the values
    of the Polars definition."""
    from winnow.curation.checks.sanity_echo import _comparable, _input_done_as_asked
    from winnow.curation.checks.textexpr import with_prompt
    from winnow.curation.record import input_expr, instruction_expr, response_expr

    instruction = "Rewrite the following sentence in passive voice"
    cases = [  # (instruction, input, reply)
        (instruction, "", instruction + "."),  # equal
        (instruction, "", instruction.upper() + " The ball was kicked."),  # opens with it
        ("Fix it", "The cat sat.", "the  cat\nsat"),  # equal to the input
        ("Fix it", "", "Fix it!"),  # short texts, compared whole
        ("ΟΔΟΣ ΚΑΙ ΔΡΟΜΟΣ ΚΑΙ ΑΛΛΑ ΠΟΛΛΑ ΠΡΑΓΜΑΤΑ", "", "οδος και δρομος και αλλα πολλα πραγματα"),
        ("Say it", "", " " * 40 + "say it"),  # nothing comparable in the opening
        ("!!! ??? ... !!! ??? ... !!! ??? ... Name a color", "", "!!!???...!!!???...!!!???...name a color"),
        (instruction, "", "A different answer entirely"),
        (None, None, None),
        ("Describe a cat", None, "Describe a cat"),
        ("İstanbul", "", "i\u0307stanbul."),  # İ lowercases to two characters
        ("ΣΟΦΙΑ", "Say hello", "say hello"),  # a Σ in the instruction, equal to the input
        ("", "", "..."),  # nothing comparable: no reply
        ("Translate to French: good morning and good night", "", "Translate to French: good morning"),
    ]
    rows = [
        {"kind": "sft", "input": given, "chosen": None, "messages": _conversation(ask, reply)}
        for ask, given, reply in cases
    ]
    from winnow.curation.record import RECORD_SCHEMA

    schema = {name: RECORD_SCHEMA[name] for name in ("kind", "input", "chosen", "messages")}
    tiny = pl.DataFrame(rows, schema=schema)
    reply, ask, given = (_comparable(e) for e in (response_expr(), instruction_expr(), input_expr()))
    unscreened = (reply.str.len_chars() > 0) & (
        (reply == ask).fill_null(False)
        | ((given.str.len_chars() > 0) & (reply == given)).fill_null(False)
        | ((ask.str.len_chars() >= 20) & reply.str.starts_with(ask)).fill_null(False)
    )
    # less the echoes of the input done as asked (a correction with nothing to correct: sanity_echo's exemptions)
    done = with_prompt(response_expr(), unscreened, _input_done_as_asked)
    for frame in (tiny, real.select("kind", "input", "chosen", "messages")):
        _assert_stage_fails_where(frame, "response_echoes_prompt", unscreened & ~done)
    assert tiny.select(unscreened).to_series().to_list() == [
        True,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        True,
        True,
        True,
        False,
        False,
    ]


def test_non_space_count_skips_every_unicode_space(real: pl.DataFrame) -> None:
    from winnow.curation.checks.textexpr import count_of

    spaces = (
        "\t\n\x0b\x0c\r \x85\xa0\u1680"
        + "".join(map(chr, range(0x2000, 0x200B)))
        + "\u2028\u2029\u202f\u205f\u3000"
    )
    texts = [None, "", spaces, f"a{spaces}b", "中 文\u3000字", "\u200b"]  # U+200B is not a space
    texts += real.select(field_text("all_text")).to_series().to_list()
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    got = frame.select(
        new=count_of(pl.col("t"), "nonspace"),
        old=pl.col("t").str.len_chars() - pl.col("t").str.count_matches(r"\s"),
    )
    assert got["new"].to_list() == got["old"].to_list()
    assert got["new"][:6].to_list() == [None, 0, 0, 2, 3, 1]


@pytest.mark.parametrize("rules", [1, 33, 64, 65])
def test_recording_by_failure_pattern_equals_the_ledger(rules: int) -> None:
    import numpy as np

    from winnow.curation.checks.stage import _record_by_pattern
    from winnow.curation.ledger import record_failures, with_ledger

    rng = np.random.default_rng(rules)
    flags = pl.DataFrame({f"f{i}": rng.random(500) < 0.2 for i in range(rules)}).with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("f0")).alias("f0")  # nulls pass
    )
    fresh = pl.concat([with_ledger(pl.DataFrame({"x": range(500)})).drop("x"), flags], how="horizontal")
    earlier = fresh.with_columns(  # a ledger some earlier stage filled: recorded row by row
        pl.when(pl.int_range(pl.len()) % 5 == 0).then(pl.lit("earlier")).alias("drop_reason"),
        pl.when(pl.int_range(pl.len()) % 5 == 0)
        .then(pl.lit(["earlier"]))
        .otherwise(pl.col("failed_rules"))
        .alias("failed_rules"),
    )
    failures = [(f"rule{i}", pl.col(f"f{i}")) for i in range(rules)]
    for subset in (fresh, earlier):
        want = record_failures(subset, failures).select("drop_reason", "failed_rules")
        assert _record_by_pattern(subset, failures).select("drop_reason", "failed_rules").equals(want)


def examples_then(examples: list[str | None], columns: list[pl.Series]) -> pl.DataFrame:
    """Column `t`: the examples followed by the real `columns`."""
    return pl.concat([pl.Series("t", examples, dtype=pl.String), *(c.alias("t") for c in columns)]).to_frame()


def gated_and_everywhere(
    examples: list[str | None],
    columns: list[pl.Series],
    gate: str,
    build: Callable[[pl.Expr], pl.Expr],
    text: Callable[[pl.Expr], pl.Expr] = lambda t: t,
) -> tuple[pl.Series, pl.Series]:
    """`build` over the examples followed by the real `columns`, once through on_gated_rows with `gate` and
    once on every text (in that order); `text` derives what both read from the raw text."""
    from winnow.curation.checks.textexpr import on_gated_rows

    texts = examples_then(examples, columns)
    read = text(pl.col("t"))
    return (
        texts.select(on_gated_rows(read, gate, build)).to_series(),
        texts.select(build(read)).to_series(),
    )


def test_unseen_content_gate_keeps_every_decision(real: pl.DataFrame) -> None:
    """references_unseen_content runs its parts only where UNSEEN_GATE matches: the same values as
    running them everywhere, on every part's own examples and on real instructions and inputs."""
    from winnow.curation.checks.sanity_prompt import UNSEEN_GATE, UNSEEN_PARTS
    from winnow.curation.checks.textexpr import contains_any
    from winnow.curation.record import input_expr, instruction_expr

    examples = [
        "<Picture Attached>",
        "[ IMAGE of a cat ]",
        "Describe the attached photographs.",
        "the graphs above show",
        "Please see the attachment",
        "如图所示",
        "上图中的建筑",
        "见附件",
        "这张照片",
        "Write a paragraph",  # passes the gate, matches no part
        "ſee the ſcreenshot below",  # case folding: the gate folds as the parts do
        None,
        "",
    ]
    columns = [real.select(instruction_expr()).to_series(), real.select(input_expr()).to_series()]
    gated, everywhere = gated_and_everywhere(
        examples, columns, UNSEEN_GATE, lambda t: contains_any(t, UNSEEN_PARTS[1:])
    )
    everywhere = everywhere.fill_null(False)
    assert gated.fill_null(False).to_list() == everywhere.to_list()
    assert gated[: len(examples)].to_list() == [True] * 9 + [False, True, None, False]
    assert everywhere[len(examples) :].sum() >= 3  # real rows matched too


def test_gated_rows_are_named_after_their_gate_and_build() -> None:
    """An on_gated_rows expression has no serialized form: its name carries the gate and the patterns,
    so the metric cache tells a changed pattern from an unchanged one."""
    from winnow.curation.checks.textexpr import on_gated_rows

    def contains(pattern: str) -> pl.Expr:
        return on_gated_rows(pl.col("t"), "a", lambda t: t.str.contains(pattern))

    assert contains("ab").meta.output_name() == contains("ab").meta.output_name()
    assert contains("ab").meta.output_name() != contains("ac").meta.output_name()
    assert metric_identity(contains("ab"), "x") != metric_identity(contains("ac"), "x")
    frame = pl.DataFrame({"t": ["xab", "b", None, "ac"]})
    assert frame.select(contains("ab")).to_series().to_list() == [True, False, None, False]
    floors = frame.select(
        on_gated_rows(
            pl.col("t"),
            "a",
            lambda t: pl.when(t.str.contains("ab")).then(2.0),
            dtype=pl.Float64,
            otherwise=None,
        )
    )
    assert floors.to_series().to_list() == [2.0, None, None, None]


def test_template_slot_gate_keeps_every_decision(real: pl.DataFrame) -> None:
    """unfilled_template searches only the texts SLOT_GATE finds: the same values as searching every text."""
    from winnow.curation.checks.sanity_template import SLOT_GATE, TEMPLATE_SLOT, _outside_code
    from winnow.curation.record import response_expr

    examples = [
        "Dear [Your Name],",
        "Hi {{ name }}!",
        "<your email>",
        "【姓名】",
        "⟦name⟧ is here",
        "plain",
        None,
    ]
    gated, everywhere = gated_and_everywhere(
        examples,
        [real.select(response_expr()).to_series()],
        SLOT_GATE,
        lambda t: _outside_code(t).str.contains(TEMPLATE_SLOT),
    )
    assert gated.fill_null(False).to_list() == everywhere.to_list()
    assert gated[: len(examples)].to_list() == [True, True, True, True, False, False, None]
    assert everywhere[len(examples) :].sum() >= 3  # real replies matched too


def test_refusal_gate_keeps_every_decision(real: pl.DataFrame) -> None:
    """refusal_response searches only the replies REFUSAL_GATE finds: the same values as searching all."""
    from winnow.curation.checks.sanity_response import REFUSAL, REFUSAL_GATE, REFUSAL_WINDOW
    from winnow.curation.record import response_expr

    examples = [
        "I'm sorry, but I cannot help with that.",
        "SORRY, WE CAN'T do that",
        "I am unable to browse the internet.",
        "I can not answer this",
        "抱歉，我无法回答。",
        "我不能提供这个信息",
        "Sure! Here it is.",
        None,
    ]

    def refuses(t: pl.Expr) -> pl.Expr:
        return t.str.slice(0, REFUSAL_WINDOW).str.contains(REFUSAL)

    gated, everywhere = gated_and_everywhere(
        examples, [real.select(response_expr()).to_series()], REFUSAL_GATE, refuses
    )
    assert gated.to_list() == everywhere.to_list()
    assert gated[: len(examples)].to_list() == [True] * 6 + [False, None]


def test_stopped_ending_gate_keeps_every_decision(real: pl.DataFrame) -> None:
    """truncated_response examines the mid-sentence stop only on replies ending as STOPPED_ENDING says:
    the same values as examining every reply."""
    from winnow.curation.checks.sanity_text import stripped
    from winnow.curation.checks.sanity_truncated import STOPPED_ENDING, _stops, stops_mid_sentence
    from winnow.curation.record import response_expr

    long = "This sentence is a complete one. And this line runs on for quite a while and then stops on"
    examples = [
        long + " THE",  # a function word in capitals: (?i)
        long + " waſ",  # ſ folds to s
        "这是一个完整的句子。然后这一行写了很长很长的内容还没有写完就",
        "Items we need: eggs, milk,",
        long + " the end.",
        None,
    ]
    gated, everywhere = gated_and_everywhere(
        examples, [real.select(response_expr()).to_series()], STOPPED_ENDING, _stops, text=stripped
    )
    assert gated.to_list() == everywhere.to_list()
    assert gated[: len(examples)].to_list() == [True, True, True, True, False, None]
    assert everywhere[len(examples) :].sum() >= 3  # real replies stop mid-sentence too
    # as the check runs it: the last line computed once on the gated replies, then read by name
    texts = examples_then(examples, [real.select(response_expr()).to_series()])
    as_run = texts.select(stops_mid_sentence(stripped(pl.col("t")))).to_series()
    assert as_run.to_list() == everywhere.to_list()


def test_closed_code_blanking_rewrites_only_texts_with_a_backtick(real: pl.DataFrame) -> None:
    from winnow.curation.checks.sanity_truncated import _blank_closed_code, _without_closed_code
    from winnow.curation.record import response_expr

    examples = ["a ```x``` b `c` d", "``` unclosed", "no code", None]
    frame = examples_then(examples, [real.select(response_expr()).to_series()])
    gated = frame.select(_without_closed_code(pl.col("t"))).to_series()
    assert gated.to_list() == frame.select(_blank_closed_code(pl.col("t"))).to_series().to_list()
    assert gated[: len(examples)].to_list() == ["a   b   d", " ` unclosed", "no code", None]


def test_code_removal_rewrites_only_texts_with_a_backtick(real: pl.DataFrame) -> None:
    """`without_code` runs its three patterns only on texts holding a backtick: the same texts as running
    them on every reply."""
    from winnow.curation.checks.sanity_text import _remove_code, without_code
    from winnow.curation.record import response_expr

    examples = [
        "see ```python\nx = 1\n``` and `y`",
        "```\nrunning to the end",
        "no code at all",
        "a `tick` and a lone ` one",
        "",
        None,
    ]
    texts = examples_then(examples, [real.select(response_expr()).to_series()])
    gated = texts.select(without_code(pl.col("t"))).to_series()
    everywhere = texts.select(_remove_code(pl.col("t"))).to_series()
    assert gated.to_list() == everywhere.to_list()
    assert gated[: len(examples)].to_list() == [
        "see   and  ",
        " ",
        "no code at all",
        "a   and a lone ` one",
        "",
        None,
    ]
    assert texts["t"].str.contains("`").sum() > 10  # real replies with code were rewritten too
