"""Alerts against a real SMTP server (aiosmtpd) and a real HTTP server for the Teams webhook,
both on loopback: who hears, what they read, and that each variance goes exactly once."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import uuid
from pathlib import Path

import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult
from pydantic import SecretStr
from servers import Mailbox, Webhook
from sqlalchemy.engine import make_url
from synthetic import (
    GAP_MONTHS,
    HIERARCHY,
    REPORT,
    load_all,
    synthetic_sources,
    write_landing,
    write_synthetic,
)

from schemas.alert_rules import DEFAULT_RULES, AlertRules, AlertRulesError, Rule, load_rules
from schemas.settings import Settings
from tasks.alert import task as alert_module
from tasks.alert.find import find_variances
from tasks.alert.outbox import send_alerts
from tasks.alert.task import summary_lines
from tasks.calculate.run import calculate_month
from tasks.notify import NotificationError, send_email

PREVIOUS = "2024-07"

FD_RXA = "fd.rxa@trust-a.nhs.test"
OWNERS = pd.DataFrame([
    ("trust", "RXA", "Finance Director RXA", FD_RXA),
    ("clinical_group", "Surgical", "Surgical Group Lead", "surgical.lead@nhs.test"),
    ("directorate", "Medicine", "Medicine Directorate Lead", "medicine.lead@nhs.test"),
    ("service", "Cardiology", "Cardiology Service Lead", "cardiology.lead@nhs.test"),
], columns=["level", "node", "name", "email"])

# Fires for every node with an implied productivity: the routing is then all that decides.
EVERY_NODE = AlertRules(rules=(Rule(
    name="every_node", kind="below", metric="ip_cost", time_window="ytd",
    thresholds={"trust": 100, "clinical_group": 100, "directorate": 100, "service": 100}),))


# --- servers -------------------------------------------------------------------------------

@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def webhook(monkeypatch):
    for proxy in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                  "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    hook = Webhook()
    yield hook
    hook.close()


# --- data ----------------------------------------------------------------------------------

def load_trusts(engine, settings, landing: Path) -> None:
    """The synthetic two trusts with owners.csv; July and August 2024 calculated."""
    write_synthetic(landing)
    (landing / "reference" / "owners.csv").write_text(OWNERS.to_csv(index=False))
    load_all(engine, settings, landing)
    for month in (PREVIOUS, REPORT):
        calculate_month(engine, settings, month)


def scale_rxa_costs(engine, settings, landing: Path, factor: float) -> None:
    """A corrected RXA ledger with every current-year amount scaled: it replaces RXA's
    ledger slices; both months are recalculated."""
    ledger = synthetic_sources(7)["ledger"]
    rxa = ledger[ledger.org_code == "RXA"].copy()
    current = rxa.period >= "2024"
    rxa.loc[current, "amount"] = (rxa.loc[current, "amount"] * factor).round(2)
    (landing / "ledger").mkdir(parents=True)
    rxa.to_csv(landing / "ledger" / "RXA_ledger.csv", index=False)
    load_all(engine, settings, landing)
    for month in (PREVIOUS, REPORT):
        calculate_month(engine, settings, month)


@pytest.fixture(scope="module")
def trusts_template(pg_server, template_db, tmp_path_factory) -> str:
    """A database with the trusts loaded and calculated, once for the module (loading costs
    a second or two a test)."""
    name = f"alert_{uuid.uuid4().hex[:12]}"
    admin = make_url(pg_server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{template_db}"')
    url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    home = tmp_path_factory.mktemp("trusts")
    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    load_trusts(eng, Settings(database_url=url, home=home / ".prodpack",
                              pseudonymisation_key="test-key", _env_file=None), home / "landing")
    eng.dispose()
    yield name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def database_url(pg_server, trusts_template) -> str:
    """Every test here starts from its own copy of the loaded trusts."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_url(pg_server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{trusts_template}"')
    yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def with_smtp(settings, box: Mailbox, **changes):
    secret = {k: SecretStr(v) for k, v in changes.items()
              if k in ("smtp_password", "teams_webhook_url") and v is not None}
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": box.port,
                                       "smtp_from": "prodpack@trust-a.nhs.test",
                                       **changes, **secret})


def logged(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text("select * from ops.alert_log order by alert_id"), conn)


def expected_lead(org: str, level: str, node: str) -> str | None:
    """Independent of the SQL: walk up synthetic.HIERARCHY to the first node with an owner."""
    owner = {(r.level, r.node): r.email for r in OWNERS.itertuples()}
    service = {s: (d, g) for _, s, d, g in HIERARCHY}
    directorate = {d: g for _, _, d, g in HIERARCHY}
    chain = [(level, node)]
    if level == "service":
        chain += [("directorate", service[node][0]), ("clinical_group", service[node][1])]
    elif level == "directorate":
        chain += [("clinical_group", directorate[node])]
    chain.append(("trust", org))
    return next((owner[step] for step in chain if step in owner), None)


def send(engine, settings, box, blocked=(), rules=EVERY_NODE, dry_run=False, month=REPORT,
         **changes):
    return send_alerts(engine, with_smtp(settings, box, **changes), month, list(blocked),
                       settings.reports_dir, dry_run=dry_run, rules=rules)


# --- who hears -----------------------------------------------------------------------------

def test_each_lead_gets_one_message_with_every_variance_of_their_nodes_falling_back_up(
        engine, settings, mailbox):

    summary = send(engine, settings, mailbox)

    variances = find_variances(engine, EVERY_NODE, REPORT, [])
    expected: dict[str, set] = {}
    for v in variances:
        lead = expected_lead(v.org_code, v.level, v.node)
        if lead:
            expected.setdefault(lead, set()).add((v.org_code, v.level, v.node))
    # The fallback is exercised: Respiratory has no lead, Medicine's hears; Emergency and
    # Urgent Care and Medical have none up to RXA's finance director; RXB's have nobody.
    assert ("RXA", "service", "Respiratory") in expected["medicine.lead@nhs.test"]
    assert {("RXA", "service", "Emergency"), ("RXA", "clinical_group", "Medical")} \
        <= expected[FD_RXA]
    assert ("RXB", "service", "Emergency") not in set().union(*expected.values())

    received = mailbox.by_recipient()
    assert set(received) == set(expected) <= set(OWNERS.email)
    assert all(len(messages) == 1 for messages in received.values())
    rows = logged(engine)
    assert {lead: {(r.org_code, r.level, r.node) for r in rows[rows.recipient == lead]
                   .itertuples()} for lead in expected} == expected
    for lead, (message,) in received.items():
        count = len(expected[lead])
        assert message["Subject"].startswith(f"prodpack: {count} adverse variance")
        assert message["Subject"].endswith("August 2024")
        text = message.get_body(("plain",)).get_content()
        assert text.count("Implied productivity on cost year to date is") == count
        assert message.get_body(("html",)) is not None
    assert {(u["org_code"], u["node"]) for u in summary["unrouted"]} >= {
        ("RXB", "RXB"), ("RXB", "Emergency"), ("RXB", "Medical")}
    assert [m["to"] for m in summary["sent"]] == sorted(expected)
    assert (rows.email_status == "sent").all() and (rows.teams_status == "not_configured").all()


def test_default_rules_tell_the_finance_director_of_a_trust_below_baseline_once(
        engine, settings, tmp_path, mailbox):
    # RXA's costs half as high again in real terms: its year-to-date IPc is clearly negative.
    scale_rxa_costs(engine, settings, tmp_path / "landing", 1.5)
    pack = settings.reports_dir / REPORT / f"productivity_pack_RXA_surgical_{REPORT}.xlsx"
    pack.parent.mkdir(parents=True)
    pack.write_bytes(b"a pack")

    first = send(engine, settings, mailbox, rules=DEFAULT_RULES)

    (fd_message,) = mailbox.by_recipient()[FD_RXA]
    text = fd_message.get_body(("plain",)).get_content()
    assert "1. RXA (trust), August 2024\r\n" in text   # SMTP line endings
    assert "- Implied productivity on cost year to date is -" in text
    assert "below the -2.0% threshold; trend: -" in text and "in July 2024" in text
    assert "Figures year to date: IPc -" in text and "cost opportunity £" in text
    assert f"executive_report_RXA_{REPORT}.xlsx" in text
    surgical = mailbox.by_recipient()["surgical.lead@nhs.test"][0]
    surgical_text = surgical.get_body(("plain",)).get_content()
    assert str(pack) in surgical_text
    assert "Services driving it (year to date): General Surgery" in surgical_text
    assert set(mailbox.by_recipient()) <= set(OWNERS.email)
    assert first["failed"] == [] and first["skipped_already_sent"] == 0

    second = send(engine, settings, mailbox, rules=DEFAULT_RULES)

    assert len(mailbox.received) == len(first["sent"])
    assert second["sent"] == [] and second["failed"] == []
    assert second["skipped_already_sent"] == len(logged(engine))


def test_year_on_year_growth_below_the_national_target_is_told_once(
        engine, settings, tmp_path, mailbox):
    # RXA's costs half as high again in real terms this year: no growth on last year.
    scale_rxa_costs(engine, settings, tmp_path / "landing", 1.5)
    rule = DEFAULT_RULES.by_name()["ip_cost_ytd_below_national_target"]
    assert rule.basis == "prior_year" and set(rule.levels()) == {"trust", "clinical_group"}
    assert set(rule.levels().values()) == {settings.year_on_year_target}
    rules = AlertRules(rules=(rule,))
    with engine.connect() as conn:
        below = {(o, lvl, n) for o, lvl, n in conn.execute(sa.text(
            "select org_code, level, node from mart.implied_productivity"
            " where period = :m and basis = 'prior_year' and time_window = 'ytd'"
            " and level in ('trust', 'clinical_group') and ip_cost < :t"),
            {"m": REPORT, "t": settings.year_on_year_target})}
    routed = {key for key in below if expected_lead(*key)}
    assert routed, "the synthetic trusts should have a node growing less than 2% on last year"

    first = send(engine, settings, mailbox, rules=rules)

    rows = logged(engine)
    assert {(r.org_code, r.level, r.node) for r in rows.itertuples()} == routed
    text = "".join(m.get_body(("plain",)).get_content() for _, m in mailbox.received)
    assert "year to date against the same months of last year is" in text
    assert "below the +2.0% threshold" in text and "growth on last year: activity" in text
    assert first["failed"] == []

    second = send(engine, settings, mailbox, rules=rules)

    assert second["sent"] == [] and second["skipped_already_sent"] == len(routed)
    assert len(mailbox.received) == len(first["sent"])


def test_special_cause_concern_on_the_spc_chart_is_told_once_and_says_which_rule(
        engine, settings, tmp_path, mailbox):
    # Seventeen months from April 2023; RXA's real costs twice as high from February 2024:
    # its last seven months of implied productivity sit below the mean.
    extra = synthetic_sources(7, tuple(GAP_MONTHS))
    frames = {}
    for source, frame in extra.items():
        frame = frame[frame.period.isin(GAP_MONTHS)].copy()
        if source == "ledger":
            late = (frame.org_code == "RXA") & (frame.period >= "2024-02")
            frame.loc[late, "amount"] = (frame.loc[late, "amount"] * 2).round(2)
        frames[f"{source}/gap_{source}"] = frame
    ledger = synthetic_sources(7)["ledger"]
    worse = ledger[(ledger.org_code == "RXA") & (ledger.period >= "2024")].copy()
    worse["amount"] = (worse["amount"] * 2).round(2)
    frames["ledger/RXA_ledger_restated"] = worse
    write_landing(tmp_path / "landing", frames)
    load_all(engine, settings, tmp_path / "landing")
    for month in sorted(GAP_MONTHS + ["2023-04", "2023-05", "2023-06", "2023-07", "2023-08",
                                      "2024-04", "2024-05", "2024-06", "2024-07", REPORT]):
        calculate_month(engine, settings, month)
    rules = AlertRules(rules=(DEFAULT_RULES.by_name()["ip_cost_special_cause_concern"],))
    with engine.connect() as conn:
        concern = {(o, lvl, n): rule for o, lvl, n, rule in conn.execute(sa.text(
            "select org_code, level, node, special_cause_rule from mart.spc_summary"
            " where period = :m and basis = 'base_year' and measure = 'ip_cost'"
            " and variation = 'special_cause_concern'"
            " and level in ('trust', 'clinical_group', 'directorate')"), {"m": REPORT})}
    assert concern.get(("RXA", "trust", "RXA")) is not None
    routed = {key for key in concern if expected_lead(*key)}

    first = send(engine, settings, mailbox, rules=rules)

    rows = logged(engine)
    assert {(r.org_code, r.level, r.node) for r in rows.itertuples()} == routed
    (fd_message,) = mailbox.by_recipient()[FD_RXA]
    text = fd_message.get_body(("plain",)).get_content()
    assert "month by month shows special-cause variation of concern on its SPC chart" in text
    with engine.connect() as conn:
        label = conn.execute(sa.text(
            "select label from mart.label where kind = 'special_cause_rule' and code = :c"),
            {"c": concern[("RXA", "trust", "RXA")]}).scalar()
    assert label in " ".join(text.split())
    assert first["failed"] == []

    # The next close recalculates the month and finds the same signal: nothing goes again.
    calculate_month(engine, settings, REPORT)
    second = send(engine, settings, mailbox, rules=rules)

    assert second["sent"] == [] and second["skipped_already_sent"] == len(routed)
    assert len(mailbox.received) == len(first["sent"])


# --- exactly once --------------------------------------------------------------------------

def test_a_failed_send_is_kept_and_the_next_run_sends_exactly_it_once(
        engine, settings, mailbox):
    mailbox.stop()

    down = send(engine, settings, mailbox, smtp_password="hunter2-not-for-logs",
                smtp_user=None)

    rows = logged(engine)
    assert down["sent"] == [] and len(down["failed"]) == 4
    assert (rows.email_status == "failed").all() and (rows.attempts == 1).all()
    assert rows.last_error.str.contains("connect").all()
    assert not rows.last_error.str.contains("hunter2").any()
    assert rows.sent_at.isna().all()

    mailbox.start()
    up = send(engine, settings, mailbox)
    again = send(engine, settings, mailbox)

    assert sorted(m["to"] for m in up["sent"]) == sorted(m["to"] for m in down["failed"])
    assert sorted(to for tos, _ in mailbox.received for to in tos) == \
        sorted(m["to"] for m in down["failed"])
    rows = logged(engine)
    assert (rows.email_status == "sent").all() and (rows.attempts == 2).all()
    assert rows.last_error.isna().all() and rows.sent_at.notna().all()
    assert again["sent"] == [] and len(mailbox.received) == 4


def test_with_nowhere_to_send_alerts_wait_untried_until_mail_is_configured(
        engine, settings, mailbox):
    unconfigured = settings.model_copy(update={"smtp_host": None, "teams_webhook_url": None})

    held = send_alerts(engine, unconfigured, REPORT, [], settings.reports_dir, rules=EVERY_NODE)

    rows = logged(engine)
    assert held["sent"] == [] and held["failed"] == [] and held["held_unconfigured"] == 4
    assert len(rows) > 0 and (rows.attempts == 0).all() and rows.sent_at.isna().all()
    assert any("held" in line for line in summary_lines(held))

    configured = send(engine, settings, mailbox)
    assert len(configured["sent"]) == 4 and len(mailbox.received) == 4


def test_rows_another_run_is_sending_are_skipped_and_last_months_failures_still_go(
        engine, settings, mailbox, database_url):
    mailbox.stop()
    send(engine, settings, mailbox, month=PREVIOUS)
    mailbox.start()
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        # Were the claim to wait for the other run's rows, fail rather than hang.
        admin.execute(f'alter database "{make_url(database_url).database}"'
                      " set lock_timeout = '5s'")
    engine.dispose()
    with psycopg.connect(libpq) as other_run:
        # Another run is in the middle of sending July's alerts to RXA's finance director.
        other_run.execute("select 1 from ops.alert_log where recipient = %s and period = %s"
                          " for update", (FD_RXA, PREVIOUS))
        send(engine, settings, mailbox)

        (fd_message,) = mailbox.by_recipient()[FD_RXA]
        fd_text = fd_message.get_body(("plain",)).get_content()
        assert "August 2024" in fd_text and "July 2024\r\n" not in fd_text
        others = [m for to, m in mailbox.received if to != [FD_RXA]]
        assert {"July 2024", "August 2024"} <= {
            line.rpartition(", ")[2] for m in others
            for line in m.get_body(("plain",)).get_content().splitlines()}
    # That run died without sending: its transaction rolled back, the next run sends them.
    later = send(engine, settings, mailbox)

    assert [m["to"] for m in later["sent"]] == [FD_RXA]
    assert later["sent"][0]["subject"].endswith("July 2024")
    assert (logged(engine).email_status == "sent").all()


def test_an_unsent_variance_no_longer_found_is_withdrawn_not_sent(
        engine, settings, mailbox):
    mailbox.stop()
    send(engine, settings, mailbox)
    mailbox.start()
    services_only = AlertRules(rules=(EVERY_NODE.rules[0].model_copy(
        update={"thresholds": {"service": 100}}),))

    summary = send(engine, settings, mailbox, rules=services_only)

    rows = logged(engine)
    assert summary["withdrawn"] == (rows.level != "service").sum() > 0
    assert (rows[rows.level != "service"].email_status == "failed").all()
    assert (rows[rows.level == "service"].email_status == "sent").all()
    for _, message in mailbox.received:
        assert "(trust)" not in message.get_body(("plain",)).get_content()


def test_teams_gets_a_card_and_a_failed_post_is_retried_without_a_second_email(
        engine, settings, mailbox, webhook):
    webhook.status = 500

    first = send(engine, settings, mailbox, teams_webhook_url=webhook.url)

    rows = logged(engine)
    assert (rows.email_status == "sent").all() and (rows.teams_status == "failed").all()
    assert rows.last_error.str.contains("Teams webhook answered HTTP 500").all()
    assert not rows.last_error.str.contains("webhook-secret-sig").any()
    assert len(first["failed"]) == len(mailbox.received) == 4

    webhook.status = 200
    second = send(engine, settings, mailbox, teams_webhook_url=webhook.url)

    assert len(mailbox.received) == 4
    assert len(webhook.posts) == len(second["sent"]) == 4
    assert {m["email"] for m in second["sent"]} == {None}
    assert (logged(engine).teams_status == "sent").all()
    card = webhook.posts[0]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    blocks = card["content"]["body"]
    assert blocks[0]["text"].startswith("prodpack: ")
    assert blocks[2]["type"] == "FactSet" and blocks[2]["facts"]


# --- what is not sent ----------------------------------------------------------------------

def test_an_org_blocked_by_data_quality_gets_nothing_and_its_unsent_alerts_wait(
        engine, settings, mailbox):

    send(engine, settings, mailbox, blocked=["RXB"])

    assert set(logged(engine).org_code) == {"RXA"}
    assert all("RXB" not in m.get_body(("plain",)).get_content() for _, m in mailbox.received)

    # RXB's August, found while it was publishable and not yet sent, waits while it is blocked.
    mailbox.stop()
    send(engine, settings, mailbox)
    mailbox.start()
    received = len(mailbox.received)
    held = send(engine, settings, mailbox, blocked=["RXB"])

    assert held["sent"] == [] and held["held_blocked"] > 0
    assert len(mailbox.received) == received
    rows = logged(engine)
    assert (rows[rows.org_code == "RXB"].email_status == "failed").all()


def test_dry_run_sends_nothing_writes_nothing_and_says_what_it_would_send(
        engine, settings, mailbox):

    dry = send(engine, settings, mailbox, dry_run=True)

    assert mailbox.received == [] and logged(engine).empty
    assert sorted(m["to"] for m in dry["would_send"]) == sorted(
        {expected_lead(v.org_code, v.level, v.node) for v in
         find_variances(engine, EVERY_NODE, REPORT, [])} - {None})
    assert all(m["subject"].startswith("prodpack: ") and m["alerts"] > 0
               for m in dry["would_send"])

    real = send(engine, settings, mailbox)
    assert [(m["to"], m["subject"]) for m in real["sent"]] == \
        [(m["to"], m["subject"]) for m in dry["would_send"]]
    assert send(engine, settings, mailbox, dry_run=True)["would_send"] == []


def test_the_task_reads_settings_prints_and_publishes_an_artifact(
        engine, settings, tmp_path, mailbox, prodpack_env, monkeypatch, capsys):
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("replace_defaults: true\nrules:\n"
                          "  - {name: every_node, kind: below, metric: ip_cost,"
                          " time_window: ytd, thresholds: {service: 100}}\n")
    monkeypatch.setenv("PRODPACK_ALERT_RULES_FILE", str(rules_file))
    monkeypatch.setenv("PRODPACK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PRODPACK_SMTP_PORT", str(mailbox.port))
    artifacts = []
    monkeypatch.setattr(alert_module, "create_table_artifact",
                        lambda **kwargs: artifacts.append(kwargs))

    summary = alert_module.alert.fn(REPORT, [], dry_run=False)

    assert len(summary["sent"]) == len(mailbox.received) == 4
    assert "sent to cardiology.lead@nhs.test: prodpack: 2 adverse variances in Cardiology" \
        in capsys.readouterr().out
    (artifact,) = artifacts
    assert artifact["key"] == f"alerts-{REPORT}"
    assert {row["to"] for row in artifact["table"]} >= {m["to"] for m in summary["sent"]}


# --- configuration and the sending module --------------------------------------------------

@pytest.mark.parametrize("content, problem", [
    ("rules: [", "not valid YAML"),
    ("rules:\n  - {name: ip_cost_ytd_below, thresholds: {ward: -0.1}}", "thresholds.ward"),
    ("rules:\n  - {name: ip_cost_month_deterioration, thresholds: {trust: -0.03}}",
     "cannot be negative"),
    ("rules:\n  - {name: my_rule, thresholds: {trust: 0}}",
     "is not a default rule, so it needs kind, time_window"),
    ("rule: []", "unknown key(s) rule"),
    ("rules:\n  - {name: cost_opportunity_ytd, metric: ip_cost}", "takes no metric"),
])
def test_an_invalid_rules_file_names_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "alert_rules.yaml"
    path.write_text(content)
    with pytest.raises(AlertRulesError) as raised:
        load_rules(path)
    assert str(path) in str(raised.value) and problem in str(raised.value)


def test_a_rules_file_changes_defaults_by_name_and_adds_rules(tmp_path):
    path = tmp_path / "alert_rules.json"
    path.write_text(json.dumps({"rules": [
        {"name": "ip_cost_ytd_below", "thresholds": {"service": -0.08, "trust": None}},
        {"name": "ip_wte_ytd_below", "enabled": False},
        {"name": "ip_cost_month_below", "kind": "below", "metric": "ip_cost",
         "time_window": "month", "thresholds": {"trust": -0.1}}]}))

    rules = load_rules(path).by_name()

    assert rules["ip_cost_ytd_below"].levels() == {
        "clinical_group": -0.02, "directorate": -0.02, "service": -0.08}
    assert rules["ip_wte_ytd_below"].levels() == {}
    assert rules["ip_cost_month_below"].levels() == {"trust": -0.1}
    assert rules["cost_opportunity_ytd"] == DEFAULT_RULES.by_name()["cost_opportunity_ytd"]
    with pytest.raises(AlertRulesError, match="no such file"):
        load_rules(tmp_path / "missing.yaml")


def test_send_email_needs_a_host():
    settings = Settings(_env_file=None)
    with pytest.raises(NotificationError, match="PRODPACK_SMTP_HOST is not set"):
        send_email(settings, ["someone@nhs.test"], "subject", "text")


def _self_signed(tmp_path: Path):
    """A certificate for 127.0.0.1, trusted through SSL_CERT_FILE."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "prodpack test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_starttls_and_login(tmp_path, monkeypatch):
    import ssl

    cert_file, key_file = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)

    def authenticate(server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd then answers a failure with 535 itself.
        return AuthResult(success=(auth_data.login, auth_data.password)
                          == (b"prodpack", b"s3cret-pass"), handled=False)

    box = Mailbox(tls_context=server_tls, require_starttls=True, authenticator=authenticate,
                  auth_require_tls=True, auth_required=True).start()
    try:
        secure = with_smtp(Settings(_env_file=None), box, smtp_starttls=True, smtp_user="prodpack",
                           smtp_password="s3cret-pass")
        send_email(secure, ["fd@nhs.test"], "over TLS", "text", "<p>html</p>")
        assert [to for to, _ in box.received] == [["fd@nhs.test"]]

        wrong = secure.model_copy(update={"smtp_password": SecretStr("wrong-pass-xyz")})
        with pytest.raises(NotificationError) as raised:
            send_email(wrong, ["fd@nhs.test"], "over TLS", "text")
        assert "login as prodpack" in str(raised.value)
        assert "wrong-pass-xyz" not in str(raised.value)
    finally:
        box.stop()


def test_a_trusts_own_run_finds_withdraws_and_sends_that_trusts_alerts_alone(
        engine, settings, mailbox):
    """A region's close sends each trust's alerts in that trust's run: the others' are neither
    sent nor withdrawn there, and wait for their own runs."""
    rxa = send_alerts(engine, with_smtp(settings, mailbox), REPORT, [], settings.reports_dir,
                      rules=EVERY_NODE, orgs=["RXA"])

    everyone = find_variances(engine, EVERY_NODE, REPORT, [])
    rows = logged(engine)
    assert set(rows.org_code) == {"RXA"}
    assert rxa["variances"] == sum(v.org_code == "RXA" for v in everyone) > 0
    assert (rows.email_status == "sent").all()

    # RXB's run finds RXB's; RXA's rows, sent, stay as they were.
    send_alerts(engine, with_smtp(settings, mailbox), REPORT, [], settings.reports_dir,
                rules=EVERY_NODE, orgs=["RXB"])
    after = logged(engine)
    assert set(after.org_code) == {"RXA", "RXB"}
    assert after[after.org_code == "RXA"].withdrawn_at.isna().all()
    assert len(after) == len(rows) + sum(
        v.org_code == "RXB" and expected_lead(v.org_code, v.level, v.node) is not None
        for v in everyone)
    assert (after.email_status == "sent").all()
