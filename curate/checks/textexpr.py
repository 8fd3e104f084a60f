"""Building blocks shared by the garbage checks: character classes, guarded ratios, metric checks.

Everything here returns Polars expressions; nothing runs per row in Python.

Derived columns: several checks need the same derivation of a field (its text without code fences, its
character-class counts), and Polars' common-subexpression elimination does not share all of them
(it recomputed the fence-stripped reply three times for the three ratio checks). When a check reads a
field from its materialized `__field.<name>` column, `prose` and `char_counts` return a reference to
a derived column `__field.<name>|prose` / `…|counts` instead, which the checks stage computes once
(`derived_columns`); on any other expression (`pl.element()` for messages) they are plain expressions.
Any check module declares its own with `@shared("kind")` (stripped text, last line, comparable
opening, …); row checks read fields through `field_text`, the materialized column inside the stage.

Gated regexes (`gated_contains`, `contains_any`): a pattern with Unicode word boundaries, or one big
alternation with a branch that starts with a character class, leaves Rust regex's fast paths on
non-ASCII text; split into branches, the slow ones behind a cheap literal necessary condition, they
give the same values several times faster.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import Final

import polars as pl
from polars._typing import PolarsDataType

from winnow.curation.cache import expression_definition
from winnow.curation.checks.registry import Check, Direction
from winnow.curation.kernels import char_counts as counts_kernel
from winnow.curation.kernels.joined_counts import joined_counts, newline_is_neutral
from winnow.curation.kernels.unicode_classes import TOKEN_PATTERN, class_table
from winnow.curation.record import all_text_pieces, field_expr

FIELD_PREFIX: Final = "__field."  # materialized field columns (see winnow.curation.checks.engine)
DERIVED_SEPARATOR: Final = "|"  # `__field.response|prose|counts` = character counts of the prose


_MATERIALIZED: contextvars.ContextVar[bool] = contextvars.ContextVar("materialized", default=False)


@contextlib.contextmanager
def materialized_fields() -> Iterator[None]:
    """While active, `field_text` reads fields from their `__field.<name>` columns (see winnow.curation.checks.engine)."""
    token = _MATERIALIZED.set(True)
    try:
        yield
    finally:
        _MATERIALIZED.reset(token)


def field_text(name: str) -> pl.Expr:
    """A field's text for row checks: its materialized column when the checks stage builds the rule
    (so the field and every shared derivation of it are computed once), else the field expression."""
    if _MATERIALIZED.get():
        return pl.col(f"{FIELD_PREFIX}{name}")
    return field_expr(name)


def field_beside(text: pl.Expr, name: str) -> pl.Expr:
    """Another field of the row `text` belongs to (a text check reading the instruction, say): its
    materialized column when `text` is one (computed once for every rule in the checks stage), else the field
    expression (`field_text`)."""
    own = text.meta.output_name(raise_if_undetermined=False) or ""
    if text.meta.is_column() and own.startswith(FIELD_PREFIX):
        return pl.col(f"{FIELD_PREFIX}{name}")
    return field_text(name)


def chars(text: pl.Expr) -> pl.Expr:
    """Length in characters (not bytes): one CJK character counts one."""
    return text.str.len_chars()


def _derived(text: pl.Expr, kind: str) -> pl.Expr:
    """`kind` of `text`: a derived column when `text` is a materialized field, else the expression."""
    if text.meta.is_column():
        name = text.meta.output_name(raise_if_undetermined=False) or ""
        if name.startswith(FIELD_PREFIX):
            return pl.col(f"{name}{DERIVED_SEPARATOR}{kind}")
    return DERIVATIONS[kind](text)


def char_counts(text: pl.Expr) -> pl.Expr:
    """Struct of character-class counts of `text`, in one compiled pass (winnow.curation.kernels.char_counts):
    chars, nonspace (not \\s), alnum (\\p{L}\\p{M}\\p{N}), digits (\\p{Nd}), special, symbols, mojibake."""
    return _derived(text, "counts")


def count_of(text: pl.Expr, kind: str) -> pl.Expr:
    """One count of `char_counts(text)`: "chars", "nonspace", "alnum", "digits", "special", "symbols",
    "mojibake"."""
    return char_counts(text).struct.field(kind)


def counted_ratio(text: pl.Expr, kind: str | pl.Expr, min_chars: int, *, per: str = "nonspace") -> pl.Expr:
    """`kind` characters (a kind of `count_of`, or a count) per `per` character of `text` (non-space, or
    "chars": every character); null (not judged) on texts shorter than `min_chars` characters."""
    judged = count_of(text, "chars") >= min_chars
    count = count_of(text, kind) if isinstance(kind, str) else kind
    return pl.when(judged).then(ratio(count, count_of(text, per)))


def ratio(count: pl.Expr, total: pl.Expr) -> pl.Expr:
    """count / total as Float64; null where total is 0 (nothing to judge)."""
    return pl.when(total > 0).then(count.cast(pl.Float64) / total.cast(pl.Float64))


def guarded(metric: pl.Expr, text: pl.Expr, min_chars: int) -> pl.Expr:
    """The metric on texts of at least `min_chars` characters, null (not judged) on shorter ones."""
    return pl.when(chars(text) >= min_chars).then(metric)


def prose(text: pl.Expr) -> pl.Expr:
    """The text without fenced code blocks (```…```): code is allowed its symbols and markup."""
    return _derived(text, "prose")


def _prose(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"(?s)```.*?(?:```|$)", "")


DERIVATIONS: Final[dict[str, Callable[[pl.Expr], pl.Expr]]] = {
    "counts": counts_kernel.char_counts,
    "prose": _prose,
}


def shared(kind: str) -> Callable[[Callable[[pl.Expr], pl.Expr]], Callable[[pl.Expr], pl.Expr]]:
    """Register a derivation of a text under `kind`: the decorated function then returns a reference to
    the derived column `…|kind` when given a materialized field (or derived) column, so every rule that
    asks for it shares one computation; on any other expression it returns the plain expression.

    Polars' common-subexpression elimination does not share a chain such as `stripped(text)` used ten
    times in one check (it shares only the innermost call), which made some checks cost 10x their parts.
    """

    def register(function: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Expr], pl.Expr]:
        if kind in DERIVATIONS or DERIVED_SEPARATOR in kind:
            raise ValueError(f"derivation {kind!r} registered twice or named with {DERIVED_SEPARATOR!r}")
        DERIVATIONS[kind] = function

        @functools.wraps(function)
        def derived(text: pl.Expr) -> pl.Expr:
            return _derived(text, kind)

        return derived

    return register


def derivation(name: str) -> pl.Expr:
    """The definition of the derived column `name` (`<base>|<kind>`): `DERIVATIONS[kind]` of the base, or
    an expression that gives the same values for less (see `_SHORTCUTS`)."""
    base, kind = name.rsplit(DERIVED_SEPARATOR, 1)
    for shortcut in _SHORTCUTS:
        definition = shortcut(base, kind)
        if definition is not None:
            return definition
    return DERIVATIONS[kind](pl.col(base))


def _prose_counts(base: str, kind: str) -> pl.Expr | None:
    """Counts of a text's prose are the text's own counts, except on the texts holding a ``` fence (the
    only ones `_prose` changes; a fraction of a percent of real replies): counted again on those only."""
    suffix = f"{DERIVED_SEPARATOR}prose"
    if kind != "counts" or not base.endswith(suffix):
        return None
    text = base.removesuffix(suffix)
    on_fenced = on_gated_rows(
        pl.col(text),
        "```",
        lambda fenced: DERIVATIONS["counts"](DERIVATIONS["prose"](fenced)),
        dtype=counts_kernel.STRUCT,
        otherwise=None,
    )
    return pl.coalesce(on_fenced, pl.col(f"{text}{DERIVED_SEPARATOR}counts"))


def _all_text_counts(base: str, kind: str) -> pl.Expr | None:
    """Counts of `all_text` added up from its pieces (winnow.curation.kernels.joined_counts): the joined text,
    which only its counts read in the default rules, is then not built at all."""
    if kind != "counts" or base != f"{FIELD_PREFIX}all_text" or not newline_is_neutral(class_table()):
        return None
    return joined_counts(all_text_pieces(), pl.col("messages").is_not_null())


_SHORTCUTS: Final = (_prose_counts, _all_text_counts)


def derived_columns(exprs: Iterable[pl.Expr]) -> list[dict[str, pl.Expr]]:
    """The derived columns `exprs` read, in levels: each level only reads fields and earlier levels.

    A derivation may itself read other derived columns (not only its own base): they are found through
    the root names of its expression, and placed in an earlier level.
    """
    definitions: dict[str, pl.Expr] = {}

    def want(name: str) -> None:
        if name in definitions or not name.startswith(FIELD_PREFIX) or DERIVED_SEPARATOR not in name:
            return
        definitions[name] = derivation(name)
        for root in definitions[name].meta.root_names():
            want(root)

    for expr in exprs:
        for root in expr.meta.root_names():
            want(root)
    depths: dict[str, int] = {}

    def depth(name: str) -> int:
        if name not in definitions:
            return 0  # a field column
        if name not in depths:
            depths[name] = 1 + max(map(depth, definitions[name].meta.root_names()), default=0)
        return depths[name]

    levels: list[dict[str, pl.Expr]] = [{} for _ in range(max(map(depth, definitions), default=0))]
    for name in sorted(definitions, key=lambda n: (depth(n), n)):
        levels[depth(name) - 1][name] = definitions[name]
    return levels


def gated_contains(text: pl.Expr, pattern: str, gate: str) -> pl.Expr:
    """`text.str.contains(pattern)`, with `pattern` run only on texts where `gate` matches.

    `gate` must be a necessary condition of `pattern` (every text `pattern` matches, `gate` matches too)
    and cheap: a literal or a short alternation the regex engine finds with a prefilter. Patterns with
    Unicode word boundaries or a leading character class make Rust's regex leave its fast DFA on
    non-ASCII text (10-60x slower on Chinese); gated, they run on the few rows that can match. Values
    are those of the plain `contains`, nulls included.
    """
    hit = text.str.contains(gate)
    # Masked with "", not null: Polars' string kernels run on the values behind nulls too.
    candidates = pl.when(hit).then(text).otherwise(pl.lit(""))
    return pl.when(hit).then(candidates.str.contains(pattern)).otherwise(hit)


def contains_any(text: pl.Expr, patterns: Iterable[str | tuple[str, str]]) -> pl.Expr:
    """`text` contains any of `patterns` (each a regex, or (regex, gate) for `gated_contains`).

    Equal to `contains` of the patterns' alternation when each carries the flags it had in it; one big
    alternation defeats the regex engine's literal prefilter as soon as one branch starts with a class.
    """
    parts = [
        gated_contains(text, *pattern) if isinstance(pattern, tuple) else text.str.contains(pattern)
        for pattern in patterns
    ]
    return pl.any_horizontal(parts)


class Unchanged(enum.Enum):
    """`on_gated_rows(..., otherwise=KEEP_TEXT)`: a rewrite, which leaves the texts the gate passes over
    as they are."""

    TEXT = "the text itself"


KEEP_TEXT: Final = Unchanged.TEXT


def on_gated_rows(
    text: pl.Expr,
    gate: str,
    build: Callable[[pl.Expr], pl.Expr],
    *,
    dtype: PolarsDataType = pl.Boolean,
    otherwise: bool | int | Unchanged | None = False,
    columns: Callable[[pl.Expr], dict[str, pl.Expr]] | None = None,
) -> pl.Expr:
    """`build(text)` (an expression of the text alone) evaluated only on the texts where `gate` matches;
    `otherwise` on the other texts (KEEP_TEXT: the text itself), null on null texts. `columns(text)`:
    columns computed first, once, on those texts, which `build` reads by name (Polars would compute a
    sub-expression used ten times ten times).

    `gate` must be a necessary condition of `build` giving anything but `otherwise` (a cheap literal
    alternation the regex engine finds with a prefilter). Unlike masking with "" (`gated_contains`), the
    other rows are not visited at all: a check of nine regexes over short texts costs nine passes of
    per-row overhead even over empty strings; here it costs one gate pass plus nine over the candidates.
    The expression is named after a digest of `gate` and `build`: its Python callback has no serialized
    form, and the metric cache identifies it by that name (a changed pattern is a changed metric).
    """
    shared_columns = columns(pl.col("t")) if columns is not None else {}
    definition = ";".join(
        expression_definition(expr)
        for expr in [*(e.alias(name) for name, e in shared_columns.items()), build(pl.col("t"))]
    )
    digest = hashlib.blake2b(f"{gate}|{definition}|{otherwise}".encode(), digest_size=8).hexdigest()

    def evaluate(texts: pl.Series) -> pl.Series:
        hit = texts.str.contains(gate).fill_null(False)
        if otherwise is KEEP_TEXT:
            out = texts.cast(dtype)
        else:
            default = pl.lit(otherwise, dtype=dtype)
            out = pl.select(pl.when(pl.lit(texts).is_not_null()).then(default)).to_series().alias(texts.name)
        rows = hit.arg_true()
        if len(rows):
            gated = texts.filter(hit).to_frame("t")  # (a gather copies a many-chunk column first)
            if shared_columns:
                gated = gated.with_columns(e.alias(name) for name, e in shared_columns.items())
            found = gated.select(build(pl.col("t"))).to_series()
            if otherwise is not None and otherwise is not KEEP_TEXT:
                found = found.fill_null(otherwise)
            out = _scatter(out, rows, found.cast(dtype))
        return out

    return text.map_batches(evaluate, return_dtype=dtype, is_elementwise=_per_piece(text)).alias(
        f"gated[{digest}]"
    )


def on_candidate_rows(
    candidates: pl.Expr,
    text: pl.Expr,
    build: Callable[[pl.Expr], pl.Expr],
    *,
    otherwise: bool = False,
) -> pl.Expr:
    """`build(text)` (a Boolean expression of the text alone) on the rows where `candidates` holds, `otherwise`
    on every other row (null candidates included) and where `build` gives null.

    As `on_gated_rows`, but picked by an expression of the row rather than a pattern of the text: the few rows
    a check could fail (a ratio past a loose bound). `pl.when(candidates).then(text).otherwise("")` would build
    a new string column over every row first, which cost more than the regex over the candidates. Named after a digest of `build` (the metric cache identifies
    a Python callback by its name)."""
    definition = expression_definition(build(pl.col("t")))
    digest = hashlib.blake2b(f"{definition}|{otherwise}".encode(), digest_size=8).hexdigest()

    def evaluate(rows: pl.Series) -> pl.Series:
        frame = rows.struct.unnest()
        mask = frame["candidate"].fill_null(False)
        picked = mask.arg_true()
        out = pl.repeat(otherwise, len(frame), dtype=pl.Boolean, eager=True).alias(rows.name)
        if len(picked):
            found = frame.filter(mask).select(build(pl.col("t")).fill_null(otherwise)).to_series()
            out = out.scatter(picked, found)
        return out

    packed = pl.struct(candidates.alias("candidate"), text.alias("t"))
    elementwise = _per_piece(text) or not candidates.meta.root_names()  # a literal broadcasts only so
    return packed.map_batches(evaluate, return_dtype=pl.Boolean, is_elementwise=elementwise).alias(
        f"candidates[{digest}]"
    )


def _per_piece(text: pl.Expr) -> bool:
    """Whether a callback that runs a Polars query on a few rows (`on_gated_rows`, `on_candidate_rows`) is
    called piece by piece.

    Called elementwise, Polars calls it once per chunk of the column (ten per 1M rows in the checks stage),
    and each call pays the nested query's fixed cost again (planning, its regexes compiled: the floor of
    response_too_short_for_task, ~30 regexes, cost 0.96 CPU-s per 1M rows so, 0.61 in one call). On a row's
    column it is called once, on the whole column;
    inside `list.eval` (`pl.element()`, a message judged alone) it stays elementwise, where a whole-column
    callback would be called once per row."""
    return not text.meta.root_names()


def _scatter(target: pl.Series, rows: pl.Series, values: pl.Series) -> pl.Series:
    """`target.scatter(rows, values)`, also for a Struct column: scattered field by field (Polars has no
    struct scatter), each row null or not as `values` is at `rows` and as `target` is elsewhere."""
    if not isinstance(target.dtype, pl.Struct):
        return target.scatter(rows, values)
    fields = [
        _scatter(target.struct.field(name), rows, values.struct.field(name)) for name in target.struct.fields
    ]
    placed = target.is_not_null().scatter(rows, values.is_not_null())
    return pl.select(pl.when(pl.lit(placed)).then(pl.struct(fields))).to_series().alias(target.name)


def tokens(text: pl.Expr) -> pl.Expr:
    """List of tokens: CJK characters one by one, words of other scripts (punctuation dropped)."""
    return text.str.extract_all(TOKEN_PATTERN)


def metric_check(
    metric: pl.Expr, threshold: float, direction: Direction, span: pl.Expr | None = None
) -> Check:
    """A Check whose failure is exactly the comparison of its metric with the threshold.

    The engine relies on this (it recomputes `fails` from a cached metric column), so every metric check
    in winnow must fail exactly when `metric > threshold` ("max") or `metric < threshold` ("min").
    """
    metric = metric.cast(pl.Float64)
    fails = metric > threshold if direction == "max" else metric < threshold
    return Check(fails=fails, metric=metric, threshold=float(threshold), direction=direction, span=span)


# ---- a reply judged in the light of its prompt --------------------------------------------------------


def _user_turns() -> pl.Expr:
    return pl.col("messages").list.eval(
        pl.element().filter(pl.element().struct.field("role") == "user").struct.field("content")
    )


def prompt_text() -> pl.Expr:
    """What a reply answers: every user turn of the row and its input, joined by newlines ("" if none)."""
    return pl.concat_str([_user_turns().list.join("\n"), pl.col("input")], separator="\n", ignore_nulls=True)


def asked_turn() -> pl.Expr:
    """What was asked: the row's last user turn (the input, and earlier turns, may mention what they do not
    ask for). Read inside a `with_prompt` build, on the candidate rows."""
    return _user_turns().list.last()


def with_prompt(
    text: pl.Expr,
    candidates: pl.Expr,
    build: Callable[[pl.Expr, pl.Expr], pl.Expr],
    *,
    dtype: PolarsDataType = pl.Boolean,
    otherwise: bool | int = False,
) -> pl.Expr:
    """`build(reply, prompt)` on the rows where `candidates` holds (the few rows a check would fail, so a
    context-aware exemption costs nothing on the others), `otherwise` on every other row; `reply` is
    `text`, `prompt` is `prompt_text()` (the row's `messages` and `input` columns can be read too).
    A text with no row around it (a message judged alone under `field: messages`) has no prompt: `otherwise`
    everywhere. Named after a digest of `build`, as `on_gated_rows` is (the metric cache identifies a Python
    callback by its name)."""
    if not text.meta.root_names():
        return pl.lit(otherwise, dtype=dtype)
    definition = expression_definition(build(pl.col("reply"), pl.col("prompt")))
    digest = hashlib.blake2b(f"{definition}|{otherwise}".encode(), digest_size=8).hexdigest()

    def evaluate(rows: pl.Series) -> pl.Series:
        frame = rows.struct.unnest()
        out = pl.repeat(otherwise, len(frame), dtype=dtype, eager=True).alias(rows.name)
        mask = frame["candidate"].fill_null(False)
        picked = mask.arg_true()
        if len(picked):
            # one chunk: Polars (2.1) panics in a list.eval over a many-chunk column (the per-chunk call
            # still hands over several chunks where the frame was concatenated from several files)
            gathered = frame.filter(mask).rechunk().with_columns(prompt_text().alias("prompt"))
            found = gathered.select(build(pl.col("reply"), pl.col("prompt")).fill_null(otherwise)).to_series()
            out = out.scatter(picked, found.cast(dtype))
        return out

    packed = pl.struct(
        candidates.alias("candidate"), text.alias("reply"), pl.col("messages"), pl.col("input")
    )
    # elementwise (once per chunk): `candidates` may be a literal (winnow.curation.checks.repetition), which a struct
    # broadcasts only in an elementwise call
    return packed.map_batches(evaluate, return_dtype=dtype, is_elementwise=True).alias(
        f"with_prompt[{digest}]"
    )


def unless_prompt_excuses(
    text: pl.Expr, fails: pl.Expr, excuse: Callable[[pl.Expr, pl.Expr], pl.Expr]
) -> pl.Expr:
    """`fails`, except on the rows where `excuse(reply, prompt)` holds: the excuse is read (`with_prompt`) on
    the failing rows only, and `fails` is evaluated once (as `fails & ~with_prompt(text, fails, …)` would
    evaluate it twice: Polars does not share a sub-expression that calls back into Python). A text with no row
    around it (`field: messages`) has no prompt to excuse it: `fails` as it is."""
    if not text.meta.root_names():
        return fails
    return with_prompt(text, fails, lambda reply, prompt: ~excuse(reply, prompt).fill_null(False))


def is_the_reply(text: pl.Expr) -> bool:
    """Whether `text` is the reply field (materialized `__field.response…` or `field_expr("response")`), not
    the instruction or all_text, which hold the prompt itself."""
    name = text.meta.output_name(raise_if_undetermined=False) or ""
    return name.removeprefix(FIELD_PREFIX).split(DERIVED_SEPARATOR)[0] == "response"
