"""Writing an export's file as the rows stream in, in chunks of at most 1 MiB handed to `sink`
as they fill (each is stored at once, so memory stays flat): CSV (UTF-8 with a byte-order mark,
which Excel needs to read accents), JSON (one array, written element by element), Excel
(openpyxl's write-only workbook, which streams rows to a temporary file) and a PDF report
(fpdf2: a title, then a table, one line per customer)."""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence

import orjson

CHUNK = 1024 * 1024
Sink = Callable[[bytes], Awaitable[None]]


class Chunker:
    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._buffer = bytearray()
        self.size = 0

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self.size += len(data)
        while len(self._buffer) >= CHUNK:
            await self._sink(bytes(self._buffer[:CHUNK]))
            del self._buffer[:CHUNK]

    async def close(self) -> None:
        if self._buffer:
            await self._sink(bytes(self._buffer))
            self._buffer.clear()


class Writer:
    """`start(headings)`, `rows(records)` as often as needed, `finish()`."""

    def __init__(self, sink: Sink) -> None:
        self.out = Chunker(sink)

    async def start(self, columns: Sequence[tuple[str, str]], title: str) -> None:
        self.columns = list(columns)

    async def rows(self, records: Sequence[dict]) -> None:
        raise NotImplementedError

    async def finish(self, note: str = "") -> int:
        await self.out.close()
        return self.out.size


class CsvWriter(Writer):
    async def start(self, columns: Sequence[tuple[str, str]], title: str) -> None:
        await super().start(columns, title)
        await self.out.write(codecs.BOM_UTF8)
        await self._write([[heading for heading, _ in self.columns]])

    async def _write(self, rows: list[list]) -> None:
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        await self.out.write(text.getvalue().encode())

    async def rows(self, records: Sequence[dict]) -> None:
        keys = [key for _, key in self.columns]
        await self._write([[r.get(k, "") for k in keys] for r in records])


class JsonWriter(Writer):
    async def start(self, columns: Sequence[tuple[str, str]], title: str) -> None:
        await super().start(columns, title)
        self._first = True
        await self.out.write(b"[")

    async def rows(self, records: Sequence[dict]) -> None:
        keys = [key for _, key in self.columns]
        parts = []
        for r in records:
            item = {k: r.get(k, "") for k in keys}
            parts.append(orjson.dumps(item))
        if parts:
            data = b",\n".join(parts)
            await self.out.write(data if self._first else b",\n" + data)
            self._first = False

    async def finish(self, note: str = "") -> int:
        await self.out.write(b"]\n")
        return await super().finish(note)


class XlsxWriter(Writer):
    async def start(self, columns: Sequence[tuple[str, str]], title: str) -> None:
        from openpyxl import Workbook

        await super().start(columns, title)
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("Customers")
        self._sheet.append([heading for heading, _ in self.columns])

    async def rows(self, records: Sequence[dict]) -> None:
        keys = [key for _, key in self.columns]
        for r in records:
            self._sheet.append([r.get(k, "") for k in keys])

    async def finish(self, note: str = "") -> int:
        handle, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(handle)
        try:
            self._book.save(path)
            for data in _read(path):
                await self.out.write(data)
        finally:
            os.unlink(path)
        return await super().finish(note)


class PdfWriter(Writer):
    async def start(self, columns: Sequence[tuple[str, str]], title: str) -> None:
        from fpdf import FPDF

        await super().start(columns, title)
        pdf = FPDF(orientation="landscape", format="A4")
        pdf.set_auto_page_break(auto=True, margin=12)
        pdf.add_page()
        pdf.set_font("helvetica", "B", 14)
        pdf.cell(0, 10, _latin(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 8)
        self._pdf = pdf
        self._widths = [46, 34, 58, 32, 22, 46, 26][: len(self.columns)]
        self._heading()

    def _heading(self) -> None:
        pdf = self._pdf
        pdf.set_font("helvetica", "B", 8)
        for (heading, _), width in zip(self.columns, self._widths, strict=True):
            pdf.cell(width, 6, heading, border="B")
        pdf.ln()
        pdf.set_font("helvetica", "", 8)

    async def rows(self, records: Sequence[dict]) -> None:
        pdf = self._pdf
        for r in records:
            if pdf.will_page_break(5):
                pdf.add_page()
                self._heading()
            for (_, key), width in zip(self.columns, self._widths, strict=True):
                text = _latin(str(r.get(key, "")))
                while text and pdf.get_string_width(text) > width - 1:
                    text = text[:-1]
                pdf.cell(width, 5, text)
            pdf.ln()

    async def finish(self, note: str = "") -> int:
        if note:
            self._pdf.ln()
            self._pdf.cell(0, 6, _latin(note))
        await self.out.write(bytes(self._pdf.output()))
        return await super().finish(note)


def _read(path: str):  # type: ignore[no-untyped-def]
    with open(path, "rb") as saved:
        while data := saved.read(CHUNK):
            yield data


def _latin(text: str) -> str:
    """The core PDF fonts are Latin-1: other characters are shown as '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


WRITERS = {"csv": CsvWriter, "json": JsonWriter, "xlsx": XlsxWriter, "pdf": PdfWriter}
