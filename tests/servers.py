"""Real servers on loopback for the tests that send: SMTP (aiosmtpd) and a Teams-like webhook."""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """A real SMTP server on loopback that keeps what it receives; can be stopped and
    started again on the same port."""

    def __init__(self, **smtp_options) -> None:
        self.port = free_port()
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self._options = smtp_options
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def start(self) -> Mailbox:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                      **self._options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def by_recipient(self) -> dict[str, list[email.message.EmailMessage]]:
        found: dict[str, list] = {}
        for to, message in self.received:
            for address in to:
                found.setdefault(address, []).append(message)
        return found



class Webhook:
    """A Teams-like webhook: keeps the JSON posted, answers with `status`."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.status < 300:
                    hook.posts.append(json.loads(body))
                self.send_response(hook.status)
                self.end_headers()
                self.wfile.write(b"1" if hook.status < 300 else b"bad card")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhook?sig=webhook-secret-sig"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
