"""The review page's JSON API: one method per endpoint, plain dicts in and out, no HTTP in sight.

    app = ReviewApp(Path("runs/zh1"))
    app.state()                                                     # GET  /api/state
    app.whatif({"settings": {"max_char_run": {"threshold": 20, "action": "drop"}}, "rule": "max_char_run"})
    app.rows({"settings": {}, "rule": "max_char_run", "offset": 0, "limit": 50})
    app.label({"id": "f14a…", "rule": "max_char_run", "verdict": "wrong", "note": "a form blank"})
    app.save({"settings": {...}, "mode": "copy", "write": True})

The server keeps no page state: every request carries the curator's settings (rule → threshold, action), so
a reload or a second tab cannot disagree with the server. Only labels are stored (labels.jsonl). A bad
request raises UsageError, which the server answers with 400 and the message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from winnow.curation.errors import UsageError
from winnow.curation.rulefile.action import ACTIONS
from winnow.reports.review.labels import LABELS_FILE, LabelStore
from winnow.reports.review.precision import rule_precision
from winnow.reports.review.rule_edit import RuleChange, format_number
from winnow.reports.review.rules import (
    LANGUAGE_STAGE,
    ReviewRule,
    language_actions,
    later_rules,
    review_rules,
)
from winnow.reports.review.save import RESOLVED_RULES, is_shipped, plan_save, write_plan
from winnow.reports.review.views import RowViewer, finite
from winnow.reports.review.whatif import (
    Setting,
    changed_rows,
    failing_ids,
    fails_now,
    totals,
    trust_metrics,
)
from winnow.reports.run_data import load_run

MAX_ROWS: Final = 200  # rows per request
SLIDER_STEPS: Final = 200  # candidate thresholds offered by the slider (quantiles of the metric)


class ReviewApp:
    """A run folder loaded for review: its light columns, rules and labels."""

    def __init__(self, run_dir: Path, rule_file: Path | None = None) -> None:
        self.run_dir = run_dir
        self.data = load_run(run_dir)
        self.frame = self.data.frame
        stats = self.data.stats
        rules = trust_metrics(self.frame, review_rules(stats, self.data.columns))
        self.language = language_actions(run_dir / RESOLVED_RULES)  # the run's language rule → action
        self.rules = rules + later_rules(self.frame, stats, {r.name for r in rules}, self.language)
        self.by_name = {rule.name: rule for rule in self.rules}
        self.ids = set(self.frame["id"].to_list())
        self.labels = LabelStore(run_dir / LABELS_FILE)
        self.viewer = RowViewer(self.data, self.labels)
        recorded = stats.get("rule_file")
        self.rule_file = rule_file or (Path(recorded) if isinstance(recorded, str) else None)

    # ---- reading the request ---------------------------------------------------------------------------
    def _rule(self, body: Mapping[str, Any]) -> ReviewRule:
        name = body.get("rule")
        if not isinstance(name, str) or name not in self.by_name:
            raise UsageError(f"unknown rule {name!r}")
        return self.by_name[name]

    def settings(self, body: Mapping[str, Any]) -> dict[str, Setting]:
        """The curator's settings of a request, checked: known rules, numbers, actions where editable."""
        raw = body.get("settings") or {}
        if not isinstance(raw, dict):
            raise UsageError("settings must map rule names to {threshold, action}")
        out: dict[str, Setting] = {}
        for name, entry in raw.items():
            rule = self.by_name.get(name)
            if rule is None or not isinstance(entry, dict):
                raise UsageError(f"settings: unknown rule {name!r}")
            threshold = entry.get("threshold", rule.threshold)
            if threshold is not None and (
                isinstance(threshold, bool)
                or not isinstance(threshold, int | float)
                or not math.isfinite(threshold)
            ):
                raise UsageError(f"settings.{name}.threshold must be a number, got {threshold!r}")
            if threshold != rule.threshold and not rule.movable:
                raise UsageError(f"rule {name!r} has no threshold that can be moved here")
            if threshold is not None and rule.low is not None and threshold < rule.low:
                raise UsageError(f"settings.{name}.threshold must be >= {rule.low:g}, got {threshold!r}")
            if threshold is not None and rule.high is not None and threshold > rule.high:
                raise UsageError(f"settings.{name}.threshold must be <= {rule.high:g}, got {threshold!r}")
            action = entry.get("action", rule.action)
            if action not in ACTIONS:
                raise UsageError(
                    f"settings.{name}.action must be one of {', '.join(ACTIONS)}, got {action!r}"
                )
            if action != rule.action and not rule.action_editable:
                raise UsageError(f"the action of {name!r} is set in its own section of the rule file")
            value = None if threshold is None else float(threshold)
            if rule.integer and value is not None:
                value = float(round(value))
            out[name] = Setting(value, str(action))
        return out

    def _limit(self, body: Mapping[str, Any], default: int = 50) -> tuple[int, int]:
        offset, limit = body.get("offset", 0), body.get("limit", default)
        if not isinstance(offset, int) or not isinstance(limit, int) or offset < 0 or limit < 1:
            raise UsageError("offset and limit must be whole numbers (offset >= 0, limit >= 1)")
        return offset, min(limit, MAX_ROWS)

    # ---- rows as the page shows them -----------------------------------------------------------------
    def _candidates(self, rule: ReviewRule) -> list[float]:
        """Thresholds the slider steps through: the metric's quantiles, plus the run's threshold."""
        if not rule.movable or rule.metric_column is None:
            return []
        values = self.frame.get_column(rule.metric_column).drop_nulls().drop_nans()
        if values.is_empty():
            return [] if rule.threshold is None else [rule.threshold]
        ordered = (
            values.sort()
        )  # one sort, then SLIDER_STEPS + 1 evenly spaced picks (the "nearest" quantiles)
        last = ordered.len() - 1
        points = {float(ordered[round(i * last / SLIDER_STEPS)]) for i in range(SLIDER_STEPS + 1)}
        if rule.threshold is not None:
            points.add(rule.threshold)
        if rule.integer:
            points = {float(round(p)) for p in points}
        low = -math.inf if rule.low is None else rule.low
        high = math.inf if rule.high is None else rule.high
        return sorted(p for p in points if low <= p <= high)

    # ---- endpoints -------------------------------------------------------------------------------------
    def state(self, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        stats = self.data.stats
        rule_file = self.rule_file
        found = rule_file is not None and rule_file.is_file()
        return {
            "run": {
                "dir": str(self.run_dir),
                "id": (stats.get("run") or {}).get("id"),
                "rows": self.frame.height,
                "inputs": stats.get("inputs") or [],
                "rule_file": None if rule_file is None else str(rule_file),
                "rule_file_found": found,
                "in_place_allowed": bool(found and rule_file is not None and not is_shipped(rule_file)),
                "labels_file": str(self.run_dir / LABELS_FILE),
            },
            "rules": [{**rule.to_json(), "candidates": self._candidates(rule)} for rule in self.rules],
            "totals": totals(self.frame, self.rules, {}),
            "precision": self.precision({})["precision"],
            "labels": len(self.labels.all()),
        }

    def precision(self, body: Mapping[str, Any]) -> dict[str, Any]:
        table = rule_precision(self.frame, self.rules, self.settings(body), self.labels.all())
        return {"precision": [entry.to_json() for entry in table]}

    def whatif(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Totals against the run under the settings; for `rule`, the rows whose verdict changes."""
        settings = self.settings(body)
        out: dict[str, Any] = {"totals": totals(self.frame, self.rules, settings)}
        if body.get("rule") is None:
            return out
        rule = self._rule(body)
        offset, limit = self._limit(body)
        changed = changed_rows(self.frame, self.rules, settings, rule.name)
        page = changed.slice(offset, limit)
        extra = {
            row["id"]: {
                "newly": row["newly"],
                "metric": finite(row["metric"]),
                "consequence": row["consequence"],
            }
            for row in page.iter_rows(named=True)
        }
        newly = int(changed["newly"].sum())
        failing_run = int(self.frame.select(fails_now(rule.name).sum()).item())
        out["rule"] = {
            "name": rule.name,
            "failing_run": failing_run,
            "failing": failing_run + newly - (changed.height - newly),
            "newly_failing": newly,
            "no_longer_failing": changed.height - newly,
            "changed": changed.height,
            "rows": self.viewer.views(rule, page["id"].to_list(), extra),
        }
        return out

    def rows(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The rows `rule` fails under the settings (the ones to label), most extreme metric first."""
        rule = self._rule(body)
        offset, limit = self._limit(body)
        failing = failing_ids(self.frame, rule, self.settings(body))
        page = failing.slice(offset, limit)
        extra = {row["id"]: {"metric": finite(row["metric"])} for row in page.iter_rows(named=True)}
        return {"total": failing.height, "rows": self.viewer.views(rule, page["id"].to_list(), extra)}

    def label(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Store (or clear) a verdict on one row for one rule; answers with the rule's precision."""
        rule = self._rule(body)
        row_id, verdict, note = body.get("id"), body.get("verdict"), body.get("note") or ""
        if not isinstance(row_id, str) or row_id not in self.ids:
            raise UsageError(f"no row with id {row_id!r} in this run")
        if not isinstance(note, str):
            raise UsageError("note must be text")
        if verdict == "clear":
            self.labels.clear(row_id, rule.name)
        else:
            self.labels.put(row_id, rule.name, str(verdict), note)
        table = rule_precision(self.frame, [rule], self.settings(body), self.labels.all())
        return {
            "label": None if verdict == "clear" else {"verdict": verdict, "note": note},
            **table[0].to_json(),
        }

    def language_action(self, settings: Mapping[str, Setting]) -> str | dict[str, str] | None:
        """The language section's `action` to write (one for all rules, else one per rule), or None when no
        language rule's action changed."""
        changed = {
            name: s.action
            for name, s in settings.items()
            if self.by_name[name].stage == LANGUAGE_STAGE and s.action != self.by_name[name].action
        }
        if not changed:
            return None
        actions = {**self.language, **changed}
        return next(iter(actions.values())) if len(set(actions.values())) == 1 else actions

    def changes(self, settings: Mapping[str, Setting]) -> list[RuleChange]:
        """What differs from the run in `checks` rules, as rule-file changes (threshold parameters take the
        rule's type); language actions are `language_action`."""
        out = []
        for name, setting in settings.items():
            rule = self.by_name[name]
            if rule.stage == LANGUAGE_STAGE:
                continue
            params: dict[str, int | float] = {}
            if setting.threshold != rule.threshold and rule.threshold_param and setting.threshold is not None:
                value = setting.threshold
                params[rule.threshold_param] = round(value) if rule.integer else float(format_number(value))
            action = setting.action if setting.action != rule.action else None
            if params or action is not None:
                out.append(RuleChange(name, params, action))
        return out

    def save(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Preview (write=false) or write the changed rule file: a copy (mode "copy") or in place."""
        mode = body.get("mode", "copy")
        if mode not in ("copy", "in_place"):
            raise UsageError(f"mode must be copy or in_place, got {mode!r}")
        settings = self.settings(body)
        plan = plan_save(
            self.rule_file,
            self.run_dir,
            self.changes(settings),
            in_place=mode == "in_place",
            language_action=self.language_action(settings),
        )
        written = bool(body.get("write"))
        if written:
            write_plan(plan)
        inputs = " ".join(str(i) for i in self.data.stats.get("inputs") or ["INPUT..."])
        return {
            "target": str(plan.target),
            "source": str(plan.source),
            "diff": plan.diff,
            "written": written,
            "command": f"winnow curate {inputs} --rules {plan.target} -o {self.run_dir}",
        }

    def routes(self) -> dict[tuple[str, str], Callable[[Mapping[str, Any]], dict[str, Any]]]:
        return {
            ("GET", "/api/state"): self.state,
            ("POST", "/api/whatif"): self.whatif,
            ("POST", "/api/rows"): self.rows,
            ("POST", "/api/label"): self.label,
            ("POST", "/api/precision"): self.precision,
            ("POST", "/api/save"): self.save,
        }
