"""Shared fixtures: one real PostgreSQL per session, a fresh database per test."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid

# Prefect reads these at import: keep its state out of the user's home, and quiet offline.
_PREFECT_HOME = tempfile.mkdtemp(prefix="prodpack-prefect-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")
os.environ.setdefault("DO_NOT_TRACK", "1")

import psycopg
import pytest
import sqlalchemy as sa
from prefect.logging import configuration as prefect_logging
from sqlalchemy.engine import make_url

from schemas.settings import Settings
from tasks import db

# Prefect sets up its logging at the first flow run, binding its console handler to the
# sys.stderr of that moment. Were that inside a test using capsys, the handler would keep
# capsys's stream, closed after that test, and every later flow's print would fail on it.
prefect_logging.setup_logging()

TEMPLATE = "prodpack_test_template"


def _server_url(url: str) -> str:
    """A plain libpq URL for admin statements (psycopg does not take the +psycopg driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory) -> str:
    """SQLAlchemy URL of a server where tests may create databases."""
    configured = os.environ.get("PRODPACK_TEST_DATABASE_URL")
    if configured:
        return configured
    return db.start_embedded(tmp_path_factory.mktemp("pg") / "pgdata")


@pytest.fixture(scope="session")
def template_db(pg_server) -> str:
    """A database with every migration applied, cloned by each test (cheaper than migrating)."""
    admin = _server_url(pg_server)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{TEMPLATE}" with (force)')
        conn.execute(f'create database "{TEMPLATE}"')
    url = make_url(pg_server).set(database=TEMPLATE).render_as_string(hide_password=False)
    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    db.upgrade(eng)
    eng.dispose()
    return TEMPLATE


@pytest.fixture
def database_url(pg_server, template_db) -> str:
    """A fresh, migrated database for one test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = _server_url(pg_server)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{template_db}"')
    yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        database_url=database_url,
        home=tmp_path / ".prodpack",
        landing_dir=tmp_path / "landing",
        reports_dir=tmp_path / "reports",
        pseudonymisation_key="test-key",
        _env_file=None,
    )


@pytest.fixture
def engine(settings):
    eng = db.engine(settings)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def prefect_api():
    """One Prefect test server for the session (about 7 s to start): for end-to-end flow tests."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def prodpack_env(settings, monkeypatch) -> Settings:
    """The test's settings as environment variables, as flows and the CLI read them."""
    monkeypatch.setenv("PRODPACK_DATABASE_URL", settings.database_url.get_secret_value())
    monkeypatch.setenv("PRODPACK_HOME", str(settings.home))
    monkeypatch.setenv("PRODPACK_LANDING_DIR", str(settings.landing_dir))
    monkeypatch.setenv("PRODPACK_REPORTS_DIR", str(settings.reports_dir))
    monkeypatch.setenv("PRODPACK_PSEUDONYMISATION_KEY", "test-key")
    return settings
