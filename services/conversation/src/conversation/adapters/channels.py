"""Channel adapters behind one interface: e-mail over SMTP, SMS and WhatsApp through an HTTP
messaging provider. `send` returns the id the channel gave the message; it raises
`DeliveryRefused` when the channel refused it for good and `ChannelUnavailable` when nothing
was handed over and a later try may work."""

from __future__ import annotations

import hashlib
import hmac
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import aiosmtplib
import httpx

from conversation.domain.model import Channel
from conversation.domain.outbound import OutboundMessage


class DeliveryRefused(Exception):
    """The channel will never take this message (bad address, rejected by the provider)."""


class ChannelUnavailable(Exception):
    """The channel could not be reached; nothing was handed over."""


class ChannelAdapter(Protocol):
    async def send(self, message: OutboundMessage) -> str: ...


class SmtpEmailAdapter:
    """Plain SMTP (optionally STARTTLS and login). Accepted by the server = sent; SMTP reports
    no later delivery, so e-mails stay `sent` unless the server refuses them."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        start_tls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password = username or None, password or None
        self._start_tls, self._timeout = start_tls, timeout

    def build(self, message: OutboundMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        # The outbound id travels in the Message-ID: a copy of this mail is recognisable.
        mail["Message-ID"] = make_msgid(idstring=str(message.id), domain="moodline")
        mail["X-Moodline-Message-Id"] = str(message.id)
        mail.set_content(message.text)
        return mail

    async def send(self, message: OutboundMessage) -> str:
        mail = self.build(message)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                start_tls=self._start_tls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryRefused(f"SMTP refused the recipient: {exc.recipients}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise DeliveryRefused(f"SMTP {exc.code}: {exc.message}") from exc
            raise ChannelUnavailable(f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ChannelUnavailable(f"SMTP server unreachable: {exc}") from exc
        return str(mail["Message-ID"])


def sign(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the body: the provider's status-callback signature."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, signature: str) -> bool:
    return bool(secret) and hmac.compare_digest(sign(secret, body), signature.strip().lower())


class HttpProviderAdapter:
    """SMS and WhatsApp through an HTTP messaging provider:
    `POST {base_url}/messages` with `{channel, to, text, reference, status_callback}` and
    `Authorization: Bearer <api key>`, `Idempotency-Key: <outbound id>`; the answer's `id` is
    the provider's message id. The provider later POSTs signed status callbacks
    (`{reference, status: delivered|failed, error?}`) to `status_callback` (the configured
    callback URL + `/<tenant id>`)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str,
        callback_url: str,
        channel: Channel,
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/messages"
        self._api_key = api_key
        self._callback_url = callback_url
        self._channel = channel

    async def send(self, message: OutboundMessage) -> str:
        body = {
            "channel": self._channel.value,
            "to": message.recipient,
            "text": message.text,
            "reference": reference_of(message),
            "status_callback": f"{self._callback_url.rstrip('/')}/{message.tenant_id}",
        }
        try:
            response = await self._client.post(
                self._url,
                json=body,
                headers={
                    "Authorization": f"Bearer {self._api_key}",
                    "Idempotency-Key": str(message.id),
                },
            )
        except httpx.HTTPError as exc:
            raise ChannelUnavailable(f"provider unreachable: {exc!r}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ChannelUnavailable(f"provider answered {response.status_code}")
        if response.status_code >= 400:
            raise DeliveryRefused(f"provider refused: {response.status_code} {response.text[:200]}")
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryRefused("provider answered without a message id") from exc


def reference_of(message: OutboundMessage) -> str:
    """What the provider echoes back in callbacks: tenant and outbound id."""
    return f"{message.tenant_id}/{message.id}"
