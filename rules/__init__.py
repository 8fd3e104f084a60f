"""The rule files shipped with winnow (default.yaml, zh.yaml, en.yaml, strict.yaml).

This folder is a package only so that an installed wheel carries the YAML files; `shipped_rule_file`
finds them wherever winnow is installed.
"""

from importlib import resources
from pathlib import Path


def shipped_rule_file(name: str) -> Path:
    """Path of a shipped rule file by name (`default` or `default.yaml`)."""
    filename = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
    return Path(str(resources.files(__name__).joinpath(filename)))


def shipped_rule_names() -> list[str]:
    """Names of every rule file shipped with winnow, sorted."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(".yaml")
    )
