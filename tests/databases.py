"""A database of a module's own, cloned from the migrated template, with settings and an
engine pointing at it: for fixtures that build their data once and let the tests read it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy.engine import Engine, make_url

from schemas.settings import Settings
from tasks import db


@contextmanager
def database_of_its_own(pg_server: str, template_db: str, root: Path,
                        prefix: str) -> Iterator[tuple[Settings, Engine]]:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_url(pg_server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{template_db}"')
    settings = Settings(
        database_url=make_url(pg_server).set(database=name).render_as_string(hide_password=False),
        home=root / ".prodpack", landing_dir=root / "landing", reports_dir=root / "reports",
        pseudonymisation_key="test-key", _env_file=None)
    engine = db.engine(settings)
    try:
        yield settings, engine
    finally:
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@dataclass
class Closed:
    """What a module's fixture built once for its tests to read: its database, and the
    workbooks written (where it wrote any)."""

    engine: Engine
    settings: Settings
    written: list[dict] = field(default_factory=list)

