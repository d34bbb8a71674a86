"""Sending: email over SMTP and a card to a Microsoft Teams channel.

Shared by the alerts, the executive report emails and the platform team's notices. Both
raise NotificationError on failure, with a message that is safe to log and store: the SMTP
password and the webhook URL (whose query string is its credential) never appear in it.
"""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import httpx

from schemas.settings import Settings

SMTP_TIMEOUT_SECONDS = 30
TEAMS_TIMEOUT_SECONDS = 15


class NotificationError(RuntimeError):
    """A message could not be delivered; the text says why and holds no secret."""


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


def send_email(settings: Settings, to: list[str], subject: str, text: str,
               html: str | None = None, attachments: Sequence[Path] = (),
               message_id: str | None = None) -> None:
    """Send one message (plain text, and HTML where given) to every address in `to`.

    STARTTLS when PRODPACK_SMTP_STARTTLS is true (certificates verified against the system's
    or SSL_CERT_FILE's authorities); login when PRODPACK_SMTP_USER is set."""
    if not settings.smtp_host:
        raise NotificationError("PRODPACK_SMTP_HOST is not set")
    if not to:
        raise NotificationError("no recipient given")
    try:
        message = build_email(settings, to, subject, text, html, attachments, message_id)
    except OSError as err:
        raise NotificationError(f"cannot attach {_describe(err)}") from None
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    step = "connect"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                          timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                step = "STARTTLS"
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                step = f"login as {settings.smtp_user}"
                password = settings.smtp_password.get_secret_value() \
                    if settings.smtp_password is not None else ""
                smtp.login(settings.smtp_user, password)
            step = "send"
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as err:
        raise NotificationError(_redacted(
            settings, f"email to {len(to)} recipient(s) via {where} failed at {step}: "
                      f"{_describe(err)}")) from None
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
