"""Sending: email over SMTP and a card to a Microsoft Teams channel.

Shared by the alerts, the executive report emails and the platform team's notices. Both
raise NotificationError on failure, with a message that is safe to log and store: the SMTP
password and the webhook URL (whose query string is its credential) never appear in it.
"""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import httpx

from schemas.settings import Settings

SMTP_TIMEOUT_SECONDS = 30        # the longest one SMTP socket operation may take
SMTP_DEADLINE_SECONDS = 300      # all the mail of one run (a monthly close), however many messages
TEAMS_TIMEOUT_SECONDS = 15


class NotificationError(RuntimeError):
    """A message could not be delivered; the text says why and holds no secret."""


@dataclass
class _DeliveryRun:
    """One run's mail: when its time is up, and the servers that failed it so far."""

    ends_at: float
    dead: dict[tuple[str, int], str] = field(default_factory=dict)   # server -> why

    def left(self) -> float:
        return self.ends_at - time.monotonic()


_run: _DeliveryRun | None = None
_run_lock = threading.Lock()


@contextmanager
def delivery_run(seconds: float | None = None) -> Iterator[None]:
    """Bound the mail of one run: SMTP_DEADLINE_SECONDS in all, and a mail server that timed
    out or refused the connection is not tried again in the run (each further message fails
    at once), so an unanswering server costs one timeout, not one per recipient.

    Nested calls join the run already open: a close opens one for all its stages."""
    global _run
    with _run_lock:
        opened = _run is None
        if opened:
            _run = _DeliveryRun(time.monotonic() + (SMTP_DEADLINE_SECONDS if seconds is None
                                                    else seconds))
    try:
        yield
    finally:
        if opened:
            with _run_lock:
                _run = None


def _secrets(settings: Settings) -> list[str]:
    found = [s.get_secret_value() for s in (settings.smtp_password, settings.teams_webhook_url)
             if s is not None]
    return [s for s in found if s]


def _redacted(settings: Settings, text: str) -> str:
    for secret in _secrets(settings):
        text = text.replace(secret, "***")
    return " ".join(text.split())


def _describe(err: BaseException) -> str:
    if isinstance(err, smtplib.SMTPResponseException):
        reply = err.smtp_error.decode(errors="replace") if isinstance(err.smtp_error, bytes) \
            else str(err.smtp_error)
        return f"{type(err).__name__} {err.smtp_code} {reply}"
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def build_email(settings: Settings, to: Sequence[str], subject: str, text: str,
                html: str | None = None, attachments: Sequence[Path] = (),
                message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain=settings.smtp_from.rpartition("@")[2]
                                                     or None)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for path in attachments:
        path = Path(path)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                               filename=path.name)
    return message


def _operation_timeout(run: _DeliveryRun | None, timeout: float) -> float:
    """A socket operation's timeout: its own limit, cut to what the run has left."""
    if run is None:
        return timeout
    left = run.left()
    if left <= 0:
        raise TimeoutError("the run's time for sending mail ran out")
    return min(timeout, left)


def _breaks_the_server(step: str, err: BaseException) -> bool:
    """A server that does not answer, or cannot be reached, will not do better this run."""
    return step == "connect" or isinstance(err, TimeoutError | smtplib.SMTPServerDisconnected)


def send_email(settings: Settings, to: list[str], subject: str, text: str,
               html: str | None = None, attachments: Sequence[Path] = (),
               message_id: str | None = None, timeout: float | None = None) -> None:
    """Send one message (plain text, and HTML where given) to every address in `to`.

    STARTTLS when PRODPACK_SMTP_STARTTLS is true (certificates verified against the system's
    or SSL_CERT_FILE's authorities); login when PRODPACK_SMTP_USER is set. Each socket
    operation waits at most `timeout` (default SMTP_TIMEOUT_SECONDS), and within a
    delivery_run no longer than the run has left."""
    if not settings.smtp_host:
        raise NotificationError("PRODPACK_SMTP_HOST is not set")
    if not to:
        raise NotificationError("no recipient given")
    try:
        message = build_email(settings, to, subject, text, html, attachments, message_id)
    except OSError as err:
        raise NotificationError(f"cannot attach {_describe(err)}") from None
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    server = (settings.smtp_host, settings.smtp_port)
    limit = SMTP_TIMEOUT_SECONDS if timeout is None else timeout
    run = _run
    if run is not None and server in run.dead:
        raise NotificationError(_redacted(
            settings, f"email to {len(to)} recipient(s) not tried: mail server {where} did not "
                      f"answer earlier in this run ({run.dead[server]})"))
    step = "connect"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                          timeout=_operation_timeout(run, limit)) as smtp:
            if settings.smtp_starttls:
                step = "STARTTLS"
                smtp.sock.settimeout(_operation_timeout(run, limit))
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                step = f"login as {settings.smtp_user}"
                smtp.sock.settimeout(_operation_timeout(run, limit))
                password = settings.smtp_password.get_secret_value() \
                    if settings.smtp_password is not None else ""
                smtp.login(settings.smtp_user, password)
            step = "send"
            smtp.sock.settimeout(_operation_timeout(run, limit))
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as err:
        reason = f"failed at {step}: {_describe(err)}"
        if run is not None and _breaks_the_server(step, err):
            run.dead[server] = reason
        raise NotificationError(_redacted(
            settings, f"email to {len(to)} recipient(s) via {where} {reason}")) from None
    if refused:
        # Accepted for some: a retry would double it for the others, so say who was refused.
        raise NotificationError(_redacted(
            settings, f"email via {where} refused for {', '.join(sorted(refused))}"))


def teams_card(title: str, text: str, facts: list[tuple[str, str]] | None = None) -> dict:
    """An Adaptive Card in the envelope a Teams Workflows ("Post to a channel when a webhook
    request is received") webhook expects."""
    body: list[dict] = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": text, "wrap": True},
    ]
    if facts:
        body.append({"type": "FactSet",
                     "facts": [{"title": name, "value": value} for name, value in facts]})
    return {
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard", "version": "1.4", "body": body},
        }],
    }


def post_teams(settings: Settings, title: str, text: str,
               facts: list[tuple[str, str]] | None = None) -> None:
    """Post a card to the Teams channel of PRODPACK_TEAMS_WEBHOOK_URL."""
    if settings.teams_webhook_url is None:
        raise NotificationError("PRODPACK_TEAMS_WEBHOOK_URL is not set")
    url = settings.teams_webhook_url.get_secret_value()
    try:
        response = httpx.post(url, json=teams_card(title, text, facts),
                              timeout=TEAMS_TIMEOUT_SECONDS)
    except httpx.HTTPError as err:
        # httpx puts the URL in some messages: name the error, redact the rest.
        raise NotificationError(_redacted(
            settings, f"Teams webhook unreachable: {_describe(err)}")) from None
    if not response.is_success:
        raise NotificationError(_redacted(
            settings, f"Teams webhook answered HTTP {response.status_code}: "
                      f"{response.text[:200]}"))
