"""Flat formats: one JSON object of string fields mapped onto the canonical record by a `FlatSpec`.

Alpaca, Dolly, self-instruct, input_text/target_text, the instruction/response variant, Alpaca-style
preference and KTO rows and pretrain text are all "a few named string fields". One declarative spec per
format drives both the per-row reader (`to_records`, strict) and the vectorised Polars reader
(`frame_records`) that the JSONL fast path uses, so the two cannot drift apart (a test checks they agree).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from winnow.curation.formats.base import (
    Format,
    Record,
    RowError,
    Written,
    check_turn,
    no_tools,
    optional_str,
    require_bool,
    require_str,
    spread_meta,
    unmapped,
)
from winnow.curation.record import INPUT_JOINER, MESSAGE


@dataclass(frozen=True)
class FlatSpec:
    """Which input key fills which canonical field (None: the format has no such field)."""

    user: str | None = None  # the instruction (last user turn)
    input: str | None = None  # context joined to the instruction when prompting
    assistant: str | None = None  # the reply
    system: str | None = None
    task: str | None = None
    history: str | None = None  # Alpaca history: [[user, assistant], ...] before the final exchange
    chosen: str | None = None
    rejected: str | None = None
    label: str | None = None
    text: str | None = None

    def keys(self) -> frozenset[str]:
        return frozenset(v for v in vars(self).values() if v is not None)


class FlatFormat(Format):
    """A format defined by a FlatSpec; `required` lists the keys a row must have."""

    def __init__(
        self,
        name: str,
        spec: FlatSpec,
        *,
        kind: str,
        required: tuple[str, ...],
        description: str,
        cannot_hold: str,
    ) -> None:
        self.name = name
        self.spec = spec
        self.kind = kind
        self.kinds = (kind,)
        self.required_keys = required  # declared order: error messages name the first missing key
        self.signatures = (frozenset(required),)
        self.optional = spec.keys() - frozenset(required)
        self.description = description
        self.cannot_hold = cannot_hold

    # ---- reading, one row at a time (the reference implementation) -----------------------------------

    def to_records(self, row: Any) -> list[Record]:
        if not isinstance(row, dict):
            raise RowError(None, f"expected a JSON object, got {type(row).__name__}")
        spec = self.spec
        for key in self.required_keys:
            if row.get(key) is None:
                raise RowError(key, f"missing required field ({self.name})")
        record: Record = {"kind": self.kind, "meta": unmapped(row, spec.keys())}
        if spec.text:
            record["text"] = require_str(row, spec.text)
            return [record]
        record["system"] = optional_str(row, spec.system)
        record["task"] = optional_str(row, spec.task)
        record["input"] = optional_str(row, spec.input)
        messages = self._history(row)
        instruction = require_str(row, spec.user, allow_empty=True) if spec.user else ""
        if not (instruction.strip() or (record["input"] or "").strip()):
            raise RowError(spec.user, "empty turn (blank instruction and no input)")
        messages.append({"role": "user", "content": instruction})
        if spec.assistant:
            messages.append({"role": "assistant", "content": require_str(row, spec.assistant)})
        if spec.chosen and spec.rejected:
            record["chosen"] = require_str(row, spec.chosen)
            record["rejected"] = require_str(row, spec.rejected)
        if spec.label:
            record["label"] = require_bool(row, spec.label)
        record["messages"] = messages
        return [record]

    def _history(self, row: Mapping[str, Any]) -> list[dict[str, str]]:
        key = self.spec.history
        if key is None or row.get(key) is None:
            return []
        history = row[key]
        if not isinstance(history, list):
            raise RowError(key, f"expected a list of [user, assistant] pairs, got {type(history).__name__}")
        turns: list[dict[str, str]] = []
        for i, pair in enumerate(history):
            where = f"{key}[{i}]"
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
                raise RowError(where, "expected a [user, assistant] pair of strings")
            turns.append({"role": "user", "content": check_turn(pair[0], f"{where}[0]")})
            turns.append({"role": "assistant", "content": check_turn(pair[1], f"{where}[1]")})
        return turns

    # ---- reading a whole Polars frame at once (the JSONL fast path) -----------------------------------

    def frame_fast_ok(self, frame: pl.DataFrame) -> bool:
        """The vectorised reader handles frames whose every column is a mapped string field (no history,
        no unmapped keys: those rows take the per-row path so meta and history keep their exact form)."""
        plain = self.spec.keys() - {self.spec.history, self.spec.label}
        for name, dtype in frame.schema.items():
            if name not in plain or dtype not in (pl.String(), pl.Null()):
                return False
        return all(key in frame.columns for key in self.required_keys)

    def frame_records(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
        """(canonical columns for every row, mask of rows that fail validation and need the slow path)."""
        spec = self.spec
        col, _ = _column_exprs(frame)

        def blank(expr: pl.Expr) -> pl.Expr:
            return expr.is_null() | (expr.str.strip_chars() == "")

        out: dict[str, pl.Expr] = {"kind": pl.lit(self.kind)}
        bad = pl.lit(False)
        if spec.text:
            out["text"] = col(spec.text)
            bad = blank(col(spec.text))
        else:
            bad = col(spec.user).is_null() | (blank(col(spec.user)) & blank(col(spec.input)))
            if spec.assistant:
                bad = bad | blank(col(spec.assistant))
            out["messages"] = pl.lit(None)  # placeholder, filled by _messages below (kept in column order)
            out.update(self._text_fields(frame))
            if spec.chosen and spec.rejected:
                bad = bad | blank(col(spec.chosen)) | blank(col(spec.rejected))
        selected = frame.select(bad.alias("__bad"), **out)
        if not spec.text:
            selected = selected.with_columns(messages=self._messages(frame))
        return selected.drop("__bad"), selected["__bad"]

    def _text_fields(self, frame: pl.DataFrame) -> dict[str, pl.Expr]:
        """The canonical string fields besides kind, text and messages, from the input columns."""
        spec = self.spec
        col, optional = _column_exprs(frame)
        out = {"system": optional(spec.system), "task": optional(spec.task), "input": optional(spec.input)}
        if spec.chosen and spec.rejected:
            out["chosen"], out["rejected"] = col(spec.chosen), col(spec.rejected)
        return out

    def frame_keys(self, frame: pl.DataFrame, base: str) -> pl.Series:
        """The id content key of every row (as `winnow.curation.io.ids.content_key` gives for the canonical rows of
        `frame_records`, prefixed by `base`), built straight from the input columns: no messages lists.
        Fields the frame lacks are passed as constants, which the key folds into one literal."""
        from winnow.curation.io.ids import (  # formats must not import io at load
            KeyPart,
            key_expr,
            messages_key_parts,
        )

        spec = self.spec
        col, optional = _column_exprs(frame)

        def field(key: str | None, *, blank_is_null: bool = True) -> KeyPart:
            if key is None or key not in frame.columns:
                return None
            return optional(key) if blank_is_null else col(key)

        fields: dict[str, KeyPart] = {"kind": self.kind}
        messages: KeyPart | list[KeyPart] = None
        if spec.text:
            fields["text"] = field(spec.text, blank_is_null=False)
        else:
            fields.update(system=field(spec.system), task=field(spec.task), input=field(spec.input))
            if spec.chosen and spec.rejected:
                fields["chosen"] = field(spec.chosen, blank_is_null=False)
                fields["rejected"] = field(spec.rejected, blank_is_null=False)
            keys = [spec.user, spec.assistant] if spec.assistant else [spec.user]
            roles = ["user", "assistant"][: len(keys)]
            messages = messages_key_parts(
                [(role, col(k).fill_null("")) for role, k in zip(roles, keys, strict=True)]
            )
        return frame.select(key_expr(fields, messages, base)).to_series()

    def _messages(self, frame: pl.DataFrame) -> pl.Series:
        """user (+ assistant) turns per row. Built flat and reshaped: `concat_list` of structs is several
        times slower on large frames."""
        spec = self.spec
        keys = [spec.user, spec.assistant] if spec.assistant else [spec.user]
        roles = ["user", "assistant"][: len(keys)]
        n, width = frame.height, len(keys)
        parts = [
            frame.get_column(k).cast(pl.String()).fill_null("") if k in frame.columns else pl.Series([""] * n)
            for k in keys
        ]
        position = pl.int_range(n * width, eager=True)
        # row-major interleave: element i of the flat list is turn (i % width) of row (i // width)
        order = (position // width) + (position % width) * n
        contents = pl.concat(parts, rechunk=True).gather(order)
        role_values = pl.Series(roles, dtype=pl.String()).gather(position % width)
        flat = pl.DataFrame({"role": role_values, "content": contents}).to_struct("m")
        return flat.reshape((n, width)).arr.to_list().cast(pl.List(MESSAGE)).alias("messages")

    # ---- writing ----------------------------------------------------------------------------------------

    def write_row(self, record: Mapping[str, Any]) -> Written:
        spec = self.spec
        written = Written(row=None)
        reason = no_tools(record, self.name)
        if reason:
            written.lost.append(reason)
            return written
        row: dict[str, Any] = {}
        if spec.text:
            row[spec.text] = record.get("text") or ""
            written.row = row
            spread_meta(row, record, written, self.name)
            return written
        turns = [dict(m) for m in record.get("messages") or []]
        expect_last = "user" if self.kind == "preference" else "assistant"
        roles = [t["role"] for t in turns]
        pattern = ["user", "assistant"] * (len(turns) // 2 + 1)
        if not turns or roles != pattern[: len(turns)] or roles[-1] != expect_last:
            written.lost.append(
                f"conversation shape {'/'.join(roles) or 'empty'} ({self.name} holds user/assistant pairs)"
            )
            return written
        final = turns[-2:] if expect_last == "assistant" else turns[-1:]
        earlier = turns[: len(turns) - len(final)]
        if earlier and not spec.history:
            written.lost.append(f"multi-turn conversation ({self.name} holds one exchange)")
            return written
        if record.get("system") and not spec.system:
            written.lost.append(f"system prompt ({self.name} has no system field)")
            return written
        instruction = final[0]["content"]
        if record.get("input"):
            if spec.input:
                row_input: str | None = record["input"]
            else:
                instruction = (
                    f"{instruction}{INPUT_JOINER}{record['input']}" if instruction else record["input"]
                )
                written.notes.append(f"input merged into the instruction ({self.name} has no input field)")
                row_input = None
        else:
            row_input = None
        if spec.user:
            row[spec.user] = instruction
        if spec.input:
            row[spec.input] = row_input or ""
        if spec.assistant:
            row[spec.assistant] = final[1]["content"]
        if spec.chosen and spec.rejected:
            row[spec.chosen], row[spec.rejected] = record.get("chosen") or "", record.get("rejected") or ""
        if spec.label:
            row[spec.label] = bool(record.get("label"))
        if spec.system:
            row[spec.system] = record.get("system") or ""
        if spec.task:
            row[spec.task] = record.get("task") or ""
        elif record.get("task"):
            row["task"] = record["task"]
            written.notes.append(f"task kept as extra field 'task' ({self.name} has no task field)")
        if spec.history:
            row[spec.history] = [
                [earlier[i]["content"], earlier[i + 1]["content"]] for i in range(0, len(earlier), 2)
            ]
        written.row = row
        spread_meta(row, record, written, self.name)
        return written


def _column_exprs(
    frame: pl.DataFrame,
) -> tuple[Callable[[str | None], pl.Expr], Callable[[str | None], pl.Expr]]:
    """(col, optional): an input key as a String expression (null when the frame lacks it), and the same
    with "" as null (optional fields)."""

    def col(key: str | None) -> pl.Expr:
        if key is None or key not in frame.columns:
            return pl.lit(None, dtype=pl.String())
        return pl.col(key).cast(pl.String())

    def optional(key: str | None) -> pl.Expr:
        value = col(key)
        return pl.when(value == "").then(None).otherwise(value)

    return col, optional
