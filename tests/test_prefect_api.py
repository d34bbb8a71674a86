"""Whether Prefect has a server, read from its settings sources as Prefect reads them: each answer
here was checked against Prefect's own PREFECT_API_URL.value() in a fresh process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from prodpack import prefect_api

PROFILE = 'active = "mine"\n[profiles.mine]\nPREFECT_API_URL = "http://p/api"\n'


@pytest.fixture
def place(tmp_path, monkeypatch) -> Path:
    """An empty working directory and home, with no Prefect variables."""
    for name in list(os.environ):
        if name.upper().startswith("PREFECT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("files", "variables", "configured"), [
    ({}, {}, False),
    ({}, {"PREFECT_API_URL": "http://x/api"}, True),
    ({}, {"prefect_api_url": "http://x/api"}, True),
    ({".env": 'export PREFECT_API_URL="http://y/api"  # the server\n'}, {}, True),
    # The word "api" set by something else is not a server.
    ({".env": "PREFECT_API_KEY=abc\n"}, {}, False),
    ({"pyproject.toml": '[project]\nname = "api"\n'}, {}, False),
    ({"prefect.toml": '[api]\nurl = "http://z/api"\n'}, {}, True),
    ({"prefect.toml": 'api.url = "http://z/api"\n'}, {}, True),
    ({"pyproject.toml": '[tool.prefect.api]\nurl = "http://q/api"\n'}, {}, True),
    ({"home/.prefect/profiles.toml": PROFILE}, {}, True),
    ({"home/.prefect/profiles.toml": PROFILE.replace('"mine"', '"other"', 1)}, {}, False),
    ({"home/.prefect/profiles.toml": PROFILE.replace('"mine"', '"other"', 1)},
     {"PREFECT_PROFILE": "mine"}, True),
    ({"prodpack-profiles.toml": PROFILE}, {"PREFECT_PROFILES_PATH": "prodpack-profiles.toml"}, True),
    ({"prodpack-profiles.toml": PROFILE,
      "prefect.toml": 'profiles_path = "prodpack-profiles.toml"\n'}, {}, True),
    ({"prodpack-profiles.toml": PROFILE, ".env": "PREFECT_PROFILES_PATH=prodpack-profiles.toml\n"},
     {}, True),
    ({"prefect-home/profiles.toml": PROFILE}, {"PREFECT_HOME": "prefect-home"}, True),
])
def test_the_settings_sources_say_whether_a_server_is_configured(place, monkeypatch, files,
                                                                  variables, configured):
    for name, text in files.items():
        (place / name).parent.mkdir(parents=True, exist_ok=True)
        (place / name).write_text(text, encoding="utf-8")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert prefect_api.api_url_in_settings_sources() is configured


@pytest.mark.parametrize(("files", "variables"), [
    ({}, {"PREFECT_API_URL": ""}),                              # Prefect decides what "" means
    ({"prefect.toml": "[api\n"}, {}),                           # Prefect reports the bad file
    ({}, {"PREFECT_API": '{"url": "http://x/api"}'}),
    ({"home/.prefect/profiles.toml": PROFILE}, {"PREFECT_TEST_MODE": "1"}),
])
def test_prefect_is_asked_where_only_it_can_tell(place, monkeypatch, files, variables):
    for name, text in files.items():
        (place / name).parent.mkdir(parents=True, exist_ok=True)
        (place / name).write_text(text, encoding="utf-8")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(prefect_api.UnsureError):
        prefect_api.api_url_in_settings_sources()
