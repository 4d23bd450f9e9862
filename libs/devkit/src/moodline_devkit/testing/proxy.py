"""A TCP proxy a test puts between a service and PostgreSQL, NATS or Triton, to add latency,
drop traffic (a black hole: bytes accepted, nothing delivered), reset every connection (RST),
or refuse new ones — on loopback, in the test's event loop.

    async with FaultyProxy("127.0.0.1", 5432) as pg:
        url = make_url(database_url).set(port=pg.port)
        pg.latency_s = 0.05; ...; pg.reset_all(); pg.refusing = True; pg.heal()
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct


class FaultyProxy:
    def __init__(self, host: str, port: int, *, listen: str = "127.0.0.1") -> None:
        self.upstream = (host, port)
        self.listen = listen
        self.port = 0
        self.latency_s = 0.0  # added to every chunk, each way
        self.blackhole = False  # accept and swallow bytes, deliver nothing
        self.refusing = False  # new connections are reset at once
        self.connections_seen = 0
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task] = set()

    async def __aenter__(self) -> FaultyProxy:
        self._server = await asyncio.start_server(self._accept, self.listen, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self.reset_all()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def heal(self) -> None:
        self.latency_s, self.blackhole, self.refusing = 0.0, False, False

    def reset_all(self) -> int:
        """Abort every open connection with a TCP RST (both sides see ECONNRESET)."""
        pairs = list(self._pairs)
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)
        self._pairs.clear()
        return len(pairs)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections_seen += 1
        if self.refusing:
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _reset(writer)
            return
        pair = (writer, up_writer)
        self._pairs.add(pair)
        tasks = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        self._tasks.update(tasks)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            self._tasks.difference_update(tasks)
            self._pairs.discard(pair)
            for w in pair:
                with contextlib.suppress(Exception):
                    w.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError, asyncio.IncompleteReadError):
            while chunk := await reader.read(65536):
                if self.latency_s:
                    await asyncio.sleep(self.latency_s)
                if self.blackhole:
                    continue
                writer.write(chunk)
                await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
