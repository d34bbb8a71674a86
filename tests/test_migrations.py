import sqlalchemy as sa

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
