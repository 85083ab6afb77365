"""A local SMTP sink for `bench_notifications`: it accepts every message and only counts it.

Written on `socketserver` (the stdlib's `smtpd` is deprecated and gone in Python 3.12), with what Django's
SMTP backend and `smtplib` say: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. One thread per
connection, as Django opens one connection per email sent without an explicit connection.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections import Counter
from typing import Any

MAX_LINE = 64 * 1024  # SMTP allows 1,000 octets per line; anything longer is not one of ours


class _Handler(socketserver.StreamRequestHandler):
    server: SinkServer
    # Each reply in one write, sent at once: a multi-line reply written line by line waits for the client's
    # delayed acknowledgement (Nagle), 40 ms per EHLO.
    disable_nagle_algorithm = True

    def reply(self, *lines: str) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in lines).encode("ascii"))

    def handle(self) -> None:
        self.reply("220 127.0.0.1 bench sink ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline(MAX_LINE):
            verb, _, argument = line.decode("utf-8", "replace").strip().partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-127.0.0.1", "250-8BITMIME", "250 SMTPUTF8")
            elif verb == "HELO":
                self.reply("250 127.0.0.1")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(_address(argument))
                self.reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self.reply("503 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                size = self.read_data()
                if size < 0:
                    return  # the client left in the middle of a message: not received
                self.server.received(recipients, size)
                recipients = []
                self.reply("250 OK")
            elif verb == "RSET":
                recipients = []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def read_data(self) -> int:
        """The message's size in bytes, once its final dot is read; -1 if the connection closed first."""
        size = 0
        while line := self.rfile.readline(MAX_LINE):
            if line in (b".\r\n", b".\n"):
                return size
            size += len(line)
        return -1


def _address(argument: str) -> str:
    """`TO:<someone@example.org> SIZE=…` → `someone@example.org`."""
    _, _, rest = argument.partition(":")
    return rest.strip().split(" ")[0].strip("<>").lower()


class SinkServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # the worker's threads connect at once; the default backlog of 5 drops SYNs

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self._lock = threading.Lock()
        self.messages = 0
        self.bytes = 0
        self.recipients: Counter[str] = Counter()
        self.times: list[float] = []  # perf_counter() of each message received

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def received(self, recipients: list[str], size: int) -> None:
        with self._lock:
            self.messages += 1
            self.bytes += size
            self.recipients.update(recipients)
            self.times.append(time.perf_counter())


class SmtpSink:
    """`with SmtpSink() as sink:` — listening on 127.0.0.1:`sink.port` in a thread until the block ends."""

    def __init__(self) -> None:
        self.server = SinkServer()
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def messages(self) -> int:
        return self.server.messages

    @property
    def recipients(self) -> Counter[str]:
        return self.server.recipients

    @property
    def times(self) -> list[float]:
        return self.server.times

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
