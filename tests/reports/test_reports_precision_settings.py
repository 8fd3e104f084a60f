"""The precision column reads the default rules' settings without building their checks (issue 24): the
settings equal those of a full load, and a load outside `settings_only` still builds (a bad regex fails)."""

from __future__ import annotations

from pathlib import Path

import pytest

from winnow.curation.checks.section import settings_only
from winnow.curation.errors import ConfigError
from winnow.curation.rulefile.load import load_rule_file
from winnow.reports.precision import _default_settings, settings_of
from winnow.rules import shipped_rule_file

BAD_REGEX = "checks:\n  - check: blocklist\n    params: {patterns: ['(unclosed']}\n"


def test_default_settings_equal_a_full_load() -> None:
    assert _default_settings() == settings_of(load_rule_file(shipped_rule_file("default")).resolved())


def test_settings_only_is_scoped(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_REGEX, encoding="utf-8")
    with settings_only():
        load_rule_file(path)  # not built: the bad pattern passes here
    with pytest.raises(ConfigError, match="cannot be built"):
        load_rule_file(path)
