"""A local SMTP server (aiosmtpd) whose inbox is a Maildir: what `make run` and the tests send
e-mail to. Read it with `mailbox.Maildir(path)`, `SmtpInbox.messages()` or
`python -m moodline_devkit.mail --list var/mail`."""

from __future__ import annotations

import argparse
import mailbox
import signal
import threading
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from moodline_devkit.infra import free_port


class SmtpInbox:
    """aiosmtpd in a background thread, delivering every accepted mail into `maildir`."""

    def __init__(self, maildir: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.maildir = Path(maildir)
        for sub in ("tmp", "new", "cur"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = port or free_port()
        self._controller = Controller(
            Mailbox(str(self.maildir)), hostname=host, port=self.port, ready_timeout=10
        )

    def start(self) -> SmtpInbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpInbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def messages(self) -> list[Message]:
        return read_inbox(self.maildir)


def read_inbox(maildir: Path) -> list[Message]:
    """Every mail in the Maildir, oldest first."""
    box = mailbox.Maildir(str(maildir), create=True)
    mails = [box[key] for key in box.keys()]
    return sorted(mails, key=lambda m: m.get_date())  # MaildirMessage: its delivery time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m moodline_devkit.mail")
    parser.add_argument("maildir", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--list", action="store_true", help="print the inbox and exit")
    args = parser.parse_args(argv)
    if args.list:
        for mail in read_inbox(args.maildir):
            print(f"{mail['Date']}  to {mail['To']}  {mail['Subject']}")
            print("    " + (mail.get_payload(decode=True) or b"").decode().strip()[:300])
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with SmtpInbox(args.maildir, host=args.host, port=args.port):
        print(f"SMTP on {args.host}:{args.port}, inbox {args.maildir}", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
