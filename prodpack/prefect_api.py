"""Whether Prefect has an API server to report to: read from Prefect's own settings sources,
parsed as Prefect parses them, so the CLI needs no Prefect import (1.8 s) where they settle it.

Prefect (3.x) takes `api.url` from the first of these that holds it: the environment
(PREFECT_API_URL, any case), `.env` in the working directory, `prefect.toml` there (`[api] url`),
`pyproject.toml` there (`[tool.prefect.api] url`), then the active profile of the profiles file
(PREFECT_API_URL), or Prefect's own profiles template when that file does not exist. Where a
source holds something only Prefect can judge (an empty value, a JSON `PREFECT_API`, a file
that is not valid TOML, Prefect's test modes), Prefect itself is asked.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

API_URL = "PREFECT_API_URL"
# Prefect reads profiles as nothing in these modes.
TEST_MODES = ("PREFECT_TEST_MODE", "PREFECT_UNIT_TEST_MODE", "PREFECT_TESTING_UNIT_TEST_MODE",
              "PREFECT_TESTING_TEST_MODE")
ABSENT = object()


class UnsureError(Exception):
    """A source holds the setting in a form only Prefect can judge."""


def prefect_api_configured() -> bool:
    """Whether Prefect has an API URL (from the environment, a settings file or a profile).

    `prodpack load` runs as a flow run only then: with no server, Prefect would start a
    temporary one, whose 10 to 20 s start costs more than loading a month, to record a run
    that no UI shows. The load log in PostgreSQL records every load either way.
    """
    # Once Prefect is imported its settings may have been changed in this process.
    if "prefect" not in sys.modules:
        try:
            return api_url_in_settings_sources()
        except UnsureError:
            pass
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def api_url_in_settings_sources() -> bool:
    """Whether the first of Prefect's sources that holds `api.url` holds a URL; UnsureError where
    only Prefect can tell."""
    if any(os.environ.get(mode) for mode in TEST_MODES):
        raise UnsureError("Prefect's test mode")
    dotenv = _dotenv()
    prefect_toml = _toml(Path("prefect.toml"))
    pyproject = _table(_table(_toml(Path("pyproject.toml")), "tool"), "prefect")
    sources = (
        lambda: _from_variables(os.environ),
        lambda: _from_variables(dotenv),
        lambda: _table(prefect_toml, "api").get("url", ABSENT),
        lambda: _table(pyproject, "api").get("url", ABSENT),
        lambda: _profile(_profiles_path(dotenv, prefect_toml, pyproject)).get(API_URL, ABSENT),
    )
    for source in sources:
        value = source()
        if value is ABSENT:
            continue
        if isinstance(value, str) and value:
            return True
        raise UnsureError(f"{API_URL} is {value!r}")
    return False


def _from_variables(variables: Mapping[str, str | None]) -> object:
    """PREFECT_API_URL from environment-style variables, whose names Prefect reads in any case;
    the JSON form of the whole API table (PREFECT_API) is left to Prefect."""
    names = [name for name in variables if name.upper() in (API_URL, "PREFECT_API")]
    if not names:
        return ABSENT
    if len(names) > 1 or names[0].upper() != API_URL:
        raise UnsureError(f"{', '.join(names)} set")
    return variables[names[0]]


def _dotenv() -> dict[str, str | None]:
    path = Path(".env")
    return dotenv_values(path, encoding="utf-8") if path.is_file() else {}


def _toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UnsureError(f"{path} is not valid TOML") from err


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise UnsureError(f"{key} is not a table")
    return table


def _profiles_path(dotenv: Mapping[str, str | None], prefect_toml: dict[str, Any],
                   pyproject: dict[str, Any]) -> Path | None:
    """The profiles file Prefect reads, in its order; None: Prefect's own template."""
    for value in (os.environ.get("PREFECT_PROFILES_PATH"), dotenv.get("PREFECT_PROFILES_PATH"),
                  prefect_toml.get("profiles_path"), pyproject.get("profiles_path")):
        if value:
            if not isinstance(value, str):
                raise UnsureError("profiles_path is not text")
            return Path(value)
    if os.environ.get("PREFECT_HOME"):
        return Path(os.environ["PREFECT_HOME"]) / "profiles.toml"
    default = Path.home() / ".prefect" / "profiles.toml"
    return default if default.exists() else None


def _profile(path: Path | None) -> dict[str, Any]:
    """The active profile's settings, chosen as Prefect chooses it."""
    if path is not None and path.exists():
        profiles = _toml(path)
        active = os.environ.get("PREFECT_PROFILE") or profiles.get("active")
        defined = _table(profiles, "profiles")
        if active and active in defined:
            return _table(defined, active)
    # No profiles file, or no profile of its that is active: the template's active profile.
    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        raise UnsureError("Prefect's profiles template not found")
    template = _toml(Path(spec.submodule_search_locations[0]) / "settings" / "profiles.toml")
    return _table(_table(template, "profiles"), template.get("active", "ephemeral"))
