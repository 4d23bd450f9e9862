"""A TEST DOUBLE of an SMS/WhatsApp messaging provider — never a real provider.

A real HTTP server (stdlib) that implements the provider API the conversation service's
`HttpProviderAdapter` speaks: `POST /messages` is recorded (memory and a JSON-lines file) and
answered with an id; then, when `callback_secret` is set, it reports the message delivered by
POSTing a signed status callback (HMAC-SHA256 of the body, header `X-Provider-Signature`) to
the `status_callback` URL of the request — as a real provider would, so the whole delivery
path runs locally. Used by the tests and by `make run`; nothing is ever sent to a phone."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import signal
import threading
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from moodline_devkit.infra import free_port

SIGNATURE_HEADER = "X-Provider-Signature"


class ProviderTestDouble:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        record_file: Path | None = None,
        callback_secret: str = "",
        callback_status: str = "delivered",
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self.record_file = record_file
        self.callback_secret = callback_secret
        self.callback_status = callback_status
        self.requests: list[dict] = []
        self.callbacks: list[tuple[str, int]] = []  # (url, HTTP status) of each callback sent
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, self.port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ProviderTestDouble:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ProviderTestDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, entry: dict) -> None:
        with self._lock:
            self.requests.append(entry)
            if self.record_file is not None:
                with self.record_file.open("a") as out:
                    out.write(json.dumps(entry) + "\n")

    def _callback(self, request: dict, provider_id: str) -> None:
        url = request.get("status_callback")
        if not (self.callback_secret and url):
            return
        body = json.dumps(
            {
                "reference": request.get("reference"),
                "status": self.callback_status,
                "id": provider_id,
            }
        ).encode()
        signature = hmac.new(self.callback_secret.encode(), body, hashlib.sha256).hexdigest()
        call = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"content-type": "application/json", SIGNATURE_HEADER: signature},
        )
        try:
            with urllib.request.urlopen(call, timeout=10) as answer:
                status = answer.status
        except Exception as exc:  # recorded, never raised: a test double must not crash
            status = getattr(exc, "code", 0)
        with self._lock:
            self.callbacks.append((url, status))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip("/") != "/messages":
                    self.send_response(404)
                    self.end_headers()
                    return
                try:
                    request = json.loads(raw)
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                provider_id = f"double-{uuid.uuid4().hex[:12]}"
                double._record(
                    {
                        "id": provider_id,
                        "authorization": self.headers.get("Authorization", ""),
                        "idempotency_key": self.headers.get("Idempotency-Key", ""),
                        **request,
                    }
                )
                answer = json.dumps({"id": provider_id, "status": "accepted"}).encode()
                self.send_response(202)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                threading.Thread(
                    target=double._callback, args=(request, provider_id), daemon=True
                ).start()

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m moodline_devkit.provider_double")
    parser.add_argument("--port", type=int, default=1026)
    parser.add_argument("--record", type=Path, required=True, help="JSON-lines file")
    parser.add_argument("--callback-secret", default="")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with ProviderTestDouble(
        port=args.port, record_file=args.record, callback_secret=args.callback_secret
    ) as double:
        print(f"provider TEST DOUBLE on {double.base_url}, recording to {args.record}", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
