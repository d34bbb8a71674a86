"""Runtime configuration: environment variables prefixed PRODPACK_, or a .env file."""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SOURCES = ("ledger", "workforce", "activity")

# NHS England's target for productivity growth on the year before: +2% a year (the NHS 10 Year
# Health Plan), against which the prior-year figures are read.
NATIONAL_PRODUCTIVITY_TARGET = 0.02


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PRODPACK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Unset means: start the embedded PostgreSQL under home/pgdata.
    database_url: SecretStr | None = None
    home: Path = Path(".prodpack")
    base_year: str = "2019/20"
    # What the year-on-year (prior-year) figures are read against: reports, headline, SPC.
    year_on_year_target: float = NATIONAL_PRODUCTIVITY_TARGET
    landing_dir: Path = Path("landing")
    reports_dir: Path = Path("reports")

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "prodpack@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    teams_webhook_url: SecretStr | None = None

    # Who hears what: executives get the monthly report; the platform team hears of failed
    # and blocked runs. A JSON list or comma-separated addresses.
    executive_recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    platform_recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Adverse-variance rules (YAML or JSON) overriding the defaults in schemas/alert_rules.py.
    alert_rules_file: Path | None = None

    # A trust warehouse as an alternative to files: a SQLAlchemy URL and one query per source
    # returning the contract's columns.
    warehouse_url: SecretStr | None = None
    warehouse_queries: dict[str, str] = Field(default_factory=dict)

    # A trust's own export headers mapped onto contract names, per source:
    # {"ledger": {"Cost Centre Code": "cost_centre"}}.
    header_map: dict[str, dict[str, str]] = Field(default_factory=dict)

    # Key of the keyed hash that replaces ESR assignment numbers on read. Unset means a random
    # key kept in home/pseudonymisation.key, so hashes stay stable between runs on one machine.
    pseudonymisation_key: SecretStr | None = None

    # Scheduling (deployments/): the monthly close runs at 06:00 London time on this day of
    # the month, after the ledger has closed; quarterly packs follow on the same day.
    close_day: int = Field(default=8, ge=1, le=28)
    work_pool: str = "prodpack"

    # Rows per chunk on read: bounds memory whatever the file size.
    chunk_rows: int = 200_000

    # Data-quality bounds (sql/checks). Materiality is a share of the trust's figure in the
    # report's windows: unmapped codes above the first warn, above the second block publication.
    dq_materiality_warn: float = Field(default=0.001, ge=0)
    dq_materiality_error: float = Field(default=0.02, ge=0)
    dq_jump_bound: float = Field(default=0.35, gt=0)          # month-on-month, year-on-year change
    dq_cost_per_wte_ratio: float = Field(default=2.5, gt=1)   # against the trust's median service
    dq_quarantine_rate: float = Field(default=0.01, ge=0)     # share of a file's rows

    @field_validator("base_year")
    @classmethod
    def _financial_year(cls, value: str) -> str:
        if not re.fullmatch(r"\d{4}/\d{2}", value) or (int(value[:4]) + 1) % 100 != int(value[5:]):
            raise ValueError(f"base_year must look like 2019/20, got {value!r}")
        return value

    @field_validator("executive_recipients", "platform_recipients", mode="before")
    @classmethod
    def _address_list(cls, value):
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("warehouse_queries", "header_map")
    @classmethod
    def _known_sources(cls, value: dict) -> dict:
        unknown = set(value) - set(SOURCES) - {"reference"}
        if unknown:
            raise ValueError(f"unknown source(s) {sorted(unknown)}; expected {SOURCES}")
        return value

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    def assignment_key(self) -> bytes:
        if self.pseudonymisation_key is not None:
            return self.pseudonymisation_key.get_secret_value().encode()
        key_file = self.home / "pseudonymisation.key"
        if not key_file.exists():
            _create_key_file(key_file)
        return key_file.read_text().strip().encode()


def _create_key_file(key_file: Path) -> None:
    """Write a random key to key_file unless one is there; exactly one of several processes
    doing this at once wins, and none ever reads a half-written key.

    The key is written to a private temporary file (mode 0600 from its creation) and then
    hard-linked to its name: the link appears whole or fails because another process linked
    first, in which case that process's key is the one everybody reads.
    """
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=key_file.parent, prefix=".pseudonymisation-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            pass  # another process's key won
    finally:
        os.unlink(temporary)
