"""The section registry: each top-level key of a rule file is parsed by one registered function.

    @section("dedup")
    def parse_dedup(raw: Any, place: str, problems: Problems) -> DedupConfig | None:
        ...  # add every problem to `problems` with its place (e.g. "dedup.threshold"); return the config

`raw` is the YAML value of the section. A parser returns its typed config (a frozen dataclass) and reports
problems instead of raising, so that a file's every error is shown at once. Parsers live next to the stage
that uses them and are imported by `load_all_sections`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from winnow.curation.rulefile.problems import Problems

SectionParser = Callable[[Any, str, Problems], Any]

_SECTIONS: dict[str, SectionParser] = {}

# Modules that register section parsers; a module missing here is simply skipped until it exists.
SECTION_MODULES = (
    "winnow.curation.mappers.section",
    "winnow.curation.checks.section",
    "winnow.curation.language.section",
    "winnow.curation.scores.section",
    "winnow.curation.dedup.section",
    "winnow.curation.semantic.section",
    "winnow.curation.semantic.relevance_section",
    "winnow.curation.tasks.section",
    "winnow.curation.select.section",
    "winnow.curation.mix.section",
    "winnow.curation.split.section",
)


def section(name: str) -> Callable[[SectionParser], SectionParser]:
    def register(parser: SectionParser) -> SectionParser:
        _SECTIONS[name] = parser
        return parser

    return register


def load_all_sections() -> dict[str, SectionParser]:
    for module in SECTION_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name is None or not module.startswith(error.name):
                raise
    return dict(_SECTIONS)
