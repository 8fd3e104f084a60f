"""Encode a batch of canonical rows: render each conversation once, tokenize the batch once, label, check.

One call of the fast tokenizer per batch (with offsets) covers every row of the batch; the tokenizer's own
thread pool spreads it over the cores, and `winnow.curation.shard.parallel` runs several batches at once.

Per row kind:
    sft        every assistant reply trained (or the last only); tool calls are replies, tool results are not
    kto        desirable rows (label true) are trained like sft; undesirable ones are dropped (`kto_undesirable`),
               since supervised training on them would teach the behaviour they were labelled as bad for
    pretrain   bos + text + eos, labels = input_ids
    preference the prompt + chosen and the prompt + rejected, each labelled on its reply only (for DPO)

Drop reasons: too_long, too_long_no_sentence_end (--truncate found no sentence end or line break of the
last reply that fits, see `winnow.curation.shard.truncate`), no_trainable_tokens, template_error (the template refused
the row, e.g. roles that do not alternate), reply_not_located (the template renders this row's replies in a
way the span locator cannot place, see `winnow.curation.shard.spans`), label_check_failed (decoded labels differ from
the reply text), kto_undesirable, control_token_in_text (a special token such as `<|im_end|>` or `</s>`
written literally in the row's text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from winnow.curation.shard.conversation import Conversation, conversation_from_row, preference_conversations
from winnow.curation.shard.labels import (
    IGNORE,
    EncodingOffsets,
    Labelled,
    decode_matches,
    label,
    unicode_form,
)
from winnow.curation.shard.render import TemplateError
from winnow.curation.shard.settings import ShardSettings
from winnow.curation.shard.spans import Rendered, SpanLocator, TemplateMaskingError
from winnow.curation.shard.templates import ChatTemplate
from winnow.curation.shard.truncate import TOO_LONG, ReplyText, truncate_last_reply

ROW_COLUMNS = (
    "id",
    "kind",
    "system",
    "messages",
    "input",
    "tools",
    "chosen",
    "rejected",
    "label",
    "text",
    "task",
)


@dataclass
class EncodedBatch:
    """Encoded rows of one batch, columnar, plus the rows that were dropped and why."""

    sft: dict[str, list[Any]] = field(
        default_factory=lambda: {"row": [], "input_ids": [], "labels": [], "truncated": []}
    )
    preference: dict[str, list[Any]] = field(
        default_factory=lambda: {
            "row": [],
            "prompt_length": [],
            "chosen_input_ids": [],
            "chosen_labels": [],
            "rejected_input_ids": [],
            "rejected_labels": [],
        }
    )
    dropped: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, detail)
    by_prefixes: int = 0  # conversations located by prefix renderings (the fallback), not the learned layout


class _Unlocated(Exception):
    """One row whose replies the span locator cannot place (the row is dropped, the run goes on)."""


@dataclass
class _Job:
    row: int
    part: str  # sft | pretrain | chosen | rejected
    text: str
    rendered: Rendered | None = None


class Encoder:
    """Turns canonical rows into labelled token sequences with one tokenizer and one template."""

    def __init__(self, tokenizer: Any, template: ChatTemplate, settings: ShardSettings) -> None:
        self.tokenizer = tokenizer
        self.template = template
        self.settings = settings
        self.locator = SpanLocator(template, tokenizer)
        special = set(getattr(tokenizer, "all_special_ids", []) or [])
        for token_id, added in getattr(tokenizer, "added_tokens_decoder", {}).items():
            if getattr(added, "special", False):
                special.add(int(token_id))
        self.special_ids = frozenset(special)
        self._backend = getattr(tokenizer, "backend_tokenizer", None)
        self._form = unicode_form(tokenizer)  # the decode-back check compares under this normalization
        markers = self.locator.markers
        self._control = re.compile("|".join(re.escape(m) for m in markers)) if markers else None

    def _control_token(self, row: dict[str, Any]) -> str | None:
        """A special token written literally in the row's text, if any.

        It would be tokenized as the special token itself (as apply_chat_template does), e.g. an end-of-turn
        marker in the middle of a reply that the model would then learn to emit there.
        """
        if self._control is None:
            return None
        texts = [row.get(k) for k in ("system", "input", "tools", "chosen", "rejected", "text")]
        texts += [m.get("content") for m in row.get("messages") or []]
        for text in texts:
            if text and (found := self._control.search(text)):
                return found.group(0)
        return None

    # ---- rendering ---------------------------------------------------------------------------------
    def _locate(self, conv: Conversation, row_id: str, *, last_only: bool, prompt_trained: bool) -> Rendered:
        """The row rendered and its replies located; a row the locator cannot place is `_Unlocated` (dropped),
        unless the template cannot mask even the probe conversations (then it is unusable: raise)."""
        try:
            return self.locator.locate(conv, last_only=last_only, untrained=prompt_trained)
        except TemplateMaskingError as error:
            if self.locator.masks_probes:
                raise _Unlocated(error.message) from None
            raise TemplateMaskingError(error.message, where=f"row {row_id}", hint=error.hint) from None

    def _jobs(self, rows: list[dict[str, Any]], out: EncodedBatch) -> list[_Job]:
        jobs = self._render_jobs(rows, out)
        out.by_prefixes = sum(1 for job in jobs if job.rendered is not None and job.rendered.by_prefixes)
        return jobs

    def _render_jobs(self, rows: list[dict[str, Any]], out: EncodedBatch) -> list[_Job]:
        jobs: list[_Job] = []
        for i, row in enumerate(rows):
            kind = row.get("kind") or "sft"
            control = self._control_token(row)
            if control is not None:
                out.dropped.append((i, "control_token_in_text", f"{control!r} written in the row's text"))
                continue
            try:
                if kind == "pretrain":
                    jobs.append(_Job(i, "pretrain", row.get("text") or ""))
                elif kind == "preference":
                    chosen, rejected = preference_conversations(row, self.template)
                    for part, conv in (("chosen", chosen), ("rejected", rejected)):
                        rendered = self._locate(conv, row["id"], last_only=True, prompt_trained=False)
                        jobs.append(_Job(i, part, rendered.text, rendered))
                elif kind == "kto" and row.get("label") is not True:
                    out.dropped.append((i, "kto_undesirable", "KTO row labelled undesirable"))
                else:
                    conv = conversation_from_row(row, self.template)
                    rendered = self._locate(
                        conv,
                        row["id"],
                        last_only=self.settings.last_turn_only,
                        prompt_trained=self.settings.train_on_prompt,
                    )
                    jobs.append(_Job(i, "sft", rendered.text, rendered))
            except TemplateError as error:
                jobs = [job for job in jobs if job.row != i]
                out.dropped.append((i, "template_error", f"{self.template.name}: {error}"))
            except _Unlocated as error:
                jobs = [job for job in jobs if job.row != i]
                out.dropped.append((i, "reply_not_located", str(error)))
        return jobs

    # ---- tokenizing and labelling ---------------------------------------------------------------------
    def _decode(self, sequences: list[list[int]]) -> list[str]:
        if self._backend is not None:
            return list(self._backend.decode_batch(sequences, skip_special_tokens=False))
        return list(
            self.tokenizer.batch_decode(
                sequences, skip_special_tokens=False, clean_up_tokenization_spaces=False
            )
        )

    def _tokenize(self, texts: list[str]) -> dict[str, list[Any]]:
        """input_ids and offsets of the rendered texts, exactly as `tokenizer(text, add_special_tokens=False)`.

        For a tokenizers-backed tokenizer this is the same Rust `encode_batch` call transformers makes (with
        the same special-token splitting and no truncation or padding), minus its per-row Python wrapping.
        """
        backend = self._backend
        if backend is not None and backend.truncation is None and backend.padding is None:
            backend.encode_special_tokens = bool(getattr(self.tokenizer, "split_special_tokens", False))
            encodings = backend.encode_batch(texts, add_special_tokens=False)
            return {
                "input_ids": [e.ids for e in encodings],
                "offset_mapping": [EncodingOffsets(e) for e in encodings],
            }
        encoded = self.tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
        return {"input_ids": encoded["input_ids"], "offset_mapping": encoded["offset_mapping"]}

    def _pretrain(self, ids: list[int]) -> Labelled:
        bos, eos = self.tokenizer.bos_token_id, self.tokenizer.eos_token_id
        full = ([bos] if bos is not None else []) + ids + ([eos] if eos is not None else [])
        return Labelled(full, list(full), [(0, len(full))])

    def _fit(self, item: Labelled, reply: ReplyText) -> tuple[Labelled | None, str, bool]:
        """Apply max_len: (item, '', truncated?) or (None, reason, False). `reply`: the last reply's text."""
        # without train_on_prompt the labels are the ids of the reply ranges, so a non-empty range decides
        trainable = (
            any(v != IGNORE for v in item.labels)
            if self.settings.train_on_prompt
            else any(i1 > i0 for i0, i1 in item.reply_tokens)
        )
        if not trainable:
            return None, "no_trainable_tokens", False
        if len(item.input_ids) <= self.settings.max_len:
            return item, "", False
        if self.settings.truncate:
            cut, reason = truncate_last_reply(item, self.settings.max_len, self.special_ids, reply)
            return (cut, "", True) if cut is not None else (None, reason, False)
        return None, TOO_LONG, False

    def encode(self, rows: list[dict[str, Any]]) -> EncodedBatch:
        out = EncodedBatch()
        jobs = self._jobs(rows, out)
        if not jobs:
            return out
        encoded = self._tokenize([job.text for job in jobs])
        items: list[Labelled] = []
        checks: list[tuple[int, list[int], str]] = []  # (job index, span ids, span text)
        for j, job in enumerate(jobs):
            ids = encoded["input_ids"][j]
            if job.rendered is None:
                items.append(self._pretrain(ids))
                continue
            r = job.rendered
            item = label(
                ids,
                encoded["offset_mapping"][j],
                r.text,
                r.replies,
                train_on_prompt=self.settings.train_on_prompt and job.part == "sft",
                untrained=r.untrained,
            )
            items.append(item)
            for (s, e), (i0, i1) in zip(r.replies, item.reply_tokens, strict=True):
                checks.append((j, ids[i0:i1], r.text[s:e]))
        bad_jobs = {
            j
            for (j, _, source), decoded in zip(checks, self._decode([c[1] for c in checks]), strict=True)
            if not decode_matches(decoded, source, self._form)
        }
        self._collect(jobs, items, bad_jobs, encoded["offset_mapping"], out)
        return out

    def _last_reply(self, job: _Job, offsets: Any) -> ReplyText:
        """The text and offsets `--truncate` reads to cut the last reply (for pretrain: the whole text)."""
        if job.rendered is None:
            bos = 1 if self.tokenizer.bos_token_id is not None else 0
            return ReplyText(job.text, offsets, (0, len(job.text)), shift=bos)
        spans = job.rendered.replies
        return ReplyText(job.text, offsets, spans[-1] if spans else (0, 0))

    def _collect(
        self, jobs: list[_Job], items: list[Labelled], bad: set[int], offsets: list[Any], out: EncodedBatch
    ) -> None:
        pending: dict[int, dict[str, Labelled]] = {}
        failed: set[int] = set()
        for j, (job, item) in enumerate(zip(jobs, items, strict=True)):
            if job.row in failed:
                continue
            if j in bad:
                failed.add(job.row)
                out.dropped.append((job.row, "label_check_failed", f"{job.part}: decoded labels differ"))
                continue
            fitted, reason, truncated = self._fit(item, self._last_reply(job, offsets[j]))
            if fitted is None:
                failed.add(job.row)
                out.dropped.append((job.row, reason, f"{job.part}: {len(item.input_ids)} tokens"))
                continue
            if job.part in ("sft", "pretrain"):
                out.sft["row"].append(job.row)
                out.sft["input_ids"].append(fitted.input_ids)
                out.sft["labels"].append(fitted.labels)
                out.sft["truncated"].append(truncated)
            else:
                pending.setdefault(job.row, {})[job.part] = fitted
        for row, parts in pending.items():
            if row in failed or len(parts) != 2:
                continue
            chosen, rejected = parts["chosen"], parts["rejected"]
            out.preference["row"].append(row)
            out.preference["prompt_length"].append(chosen.reply_tokens[-1][0])
            out.preference["chosen_input_ids"].append(chosen.input_ids)
            out.preference["chosen_labels"].append(chosen.labels)
            out.preference["rejected_input_ids"].append(rejected.input_ids)
            out.preference["rejected_labels"].append(rejected.labels)
