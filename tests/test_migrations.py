import hashlib

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tasks import db


def test_upgrade_is_idempotent_and_records_versions(engine):
    # The fixture database is already migrated: a second upgrade applies nothing.
    assert db.upgrade(engine) == []
    with engine.connect() as conn:
        versions = conn.execute(sa.text("select version from ops.schema_migration order by 1")).scalars().all()
        schemas = set(conn.execute(sa.text("select nspname from pg_namespace")).scalars())
    assert versions == [v for v, _, _ in db.migrations()]
    assert {"raw", "core", "mart", "ops"} <= schemas


def test_financial_year_functions(engine):
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select core.financial_year(d), core.fin_month(d) from unnest(array["
            "'2019-04-01','2020-03-01','2024-12-01','2025-01-01']::date[]) d")).all()
    assert rows == [("2019/20", 1), ("2019/20", 12), ("2024/25", 9), ("2024/25", 10)]


def _definitions(conn) -> dict[str, str]:
    """Every view and function of sql/views (core, mart and ops) as PostgreSQL holds it now."""
    views = conn.execute(sa.text(
        "select schemaname || '.' || viewname, pg_get_viewdef((schemaname || '.' || viewname)::regclass)"
        " from pg_views where schemaname in ('core', 'mart', 'ops')")).all()
    functions = conn.execute(sa.text(
        "select p.oid::regprocedure::text, pg_get_functiondef(p.oid) from pg_proc p"
        " join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('core', 'ops')")).all()
    return dict(views + functions)


def test_upgrade_puts_each_view_file_back(engine):
    with engine.connect() as conn:
        shipped = _definitions(conn)
    assert {"core.activity_fact", "core.service_directorate", "mart.service_opportunity_rank",
            "core.counts_as_activity(text)"} <= set(shipped)
    assert len(shipped) == len(db.views())
    # By hand: a view dropped, one replaced with another column list, a function changed.
    with engine.begin() as conn:
        conn.execute(sa.text("drop view mart.service_opportunity_rank"))
        conn.execute(sa.text("drop view mart.implied_productivity_report"))
        conn.execute(sa.text("drop view core.activity_fact"))
        conn.execute(sa.text("create view core.activity_fact as select org_code from raw.activity"))
        conn.execute(sa.text("create or replace function core.fin_month(period date) returns int"
                             " language sql immutable as $$ select 0 $$"))
    assert db.upgrade(engine) == []
    with engine.connect() as conn:
        assert _definitions(conn) == shipped


def test_upgrade_from_an_older_migration_replaces_its_views(pg_server, template_db):
    # A database as an older prodpack left it: migrations up to 0004 only, with 0004's
    # core.activity_fact (a directorate of its own) and none of the newer views.
    admin = make_url(pg_server).set(drivername="postgresql").render_as_string(hide_password=False)
    name = "test_older_migration"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    eng = sa.create_engine(make_url(pg_server).set(database=name).render_as_string(hide_password=False), poolclass=sa.pool.NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(sa.text("create schema ops"))
            conn.execute(sa.text(
                "create table ops.schema_migration (version integer primary key, name text not null,"
                " checksum text not null, applied_at timestamptz not null default now())"))
            for version, migration, sql in db.migrations():
                if version <= 4:
                    conn.connection.driver_connection.execute(sql)
                    conn.execute(sa.text("insert into ops.schema_migration values (:v, :n, :c)"),
                                 {"v": version, "n": migration,
                                  "c": hashlib.sha256(sql.encode()).hexdigest()})
        with eng.connect() as conn:
            assert "core.service_directorate" not in _definitions(conn)
        applied = db.upgrade(eng)
        assert applied == [f"{v:04d}_{n}" for v, n, _ in db.migrations() if v > 4]
        with eng.connect() as conn:
            upgraded = _definitions(conn)
        # The same definitions as a database migrated from empty (the test template).
        template = sa.create_engine(make_url(pg_server).set(database=template_db).render_as_string(hide_password=False),
                                    poolclass=sa.pool.NullPool)
        with template.connect() as conn:
            assert upgraded == _definitions(conn)
        template.dispose()
    finally:
        eng.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
