"""Reading an uploaded file: its format, encoding and delimiter from its first bytes, then its
rows as lists of text, one chunk at a time (memory stays flat whatever the file's size).

CSV: the encoding is UTF-8 (with or without a byte-order mark) when the sample decodes as
UTF-8, else what charset-normalizer picks among Windows-1252 and Latin-1; the delimiter is what
`csv.Sniffer` finds among `, ; TAB |` (a comma when it cannot tell). Records may span chunks:
a chunk is cut at the last line break outside quotes (an even number of quote characters
before it), and the rest waits for the next chunk.
Excel (.xlsx, recognised by its zip signature): the first worksheet, read with openpyxl in
read-only mode from a temporary file (a zip needs seeking), values as text."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

XLSX_SIGNATURE = b"PK\x03\x04"
DELIMITERS = ",;\t|"
SAMPLE_BYTES = 64 * 1024


class UnreadableFile(ValueError):
    pass


@dataclass(frozen=True)
class FileShape:
    format: str  # csv | xlsx
    encoding: str = ""
    delimiter: str = ""


def sniff(sample: bytes) -> FileShape:
    """The shape of a file from its first bytes (up to SAMPLE_BYTES)."""
    if not sample.strip():
        raise UnreadableFile("the file is empty")
    if sample.startswith(XLSX_SIGNATURE):
        return FileShape("xlsx")
    encoding = detect_encoding(sample)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    if "\x00" in text:
        raise UnreadableFile("not a CSV or .xlsx file (binary content)")
    return FileShape("csv", encoding, detect_delimiter(text))


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # A sample may end inside a multi-byte character: the incremental decoder keeps it.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1"]).best()
    if best is None or best.encoding in ("cp1252", "windows_1252"):
        # Windows-1252 is Latin-1 plus printable characters in 0x80-0x9F (curly quotes, €):
        # the safe reading when the library cannot decide.
        return "cp1252"
    return "latin-1"


def detect_delimiter(text: str) -> str:
    lines = text.splitlines()[:50]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS} if lines else {}
        best = max(counts, key=counts.__getitem__, default=",")
        return best if counts.get(best) else ","


class CsvRecords:
    """Feeds decoded text chunk by chunk; `feed` returns the complete records it could read."""

    def __init__(self, encoding: str, delimiter: str) -> None:
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._delimiter = delimiter
        self._carry = ""

    def feed(self, data: bytes, *, final: bool = False) -> list[list[str]]:
        text = self._carry + self._decoder.decode(data, final=final)
        if final:
            cut = len(text)
        else:
            cut = _last_record_end(text)
        self._carry = text[cut:]
        if cut == 0:
            return []
        return list(csv.reader(io.StringIO(text[:cut], newline=""), delimiter=self._delimiter))


def _last_record_end(text: str) -> int:
    """Index just past the last line break that ends a record (outside quotes); 0 if none."""
    end = len(text)
    quotes_before = None
    while True:
        newline = text.rfind("\n", 0, end)
        if newline < 0:
            return 0
        if quotes_before is None:
            quotes_before = text.count('"', 0, newline)
        else:
            quotes_before -= text.count('"', newline, end)
        if quotes_before % 2 == 0:
            return newline + 1
        end = newline


class RecordCounter:
    """Counts a CSV's lines on its raw bytes, chunk by chunk: line breaks outside quotes, plus
    an unterminated last line (quote and line break are the same byte in every supported
    encoding). Blank lines count too: the job reports the exact figure when it ends."""

    def __init__(self) -> None:
        self._breaks = 0
        self._inside = False
        self._last = b""

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if b'"' not in chunk:
            if not self._inside:
                self._breaks += chunk.count(b"\n")
        else:
            for n, part in enumerate(chunk.split(b'"')):
                if n:
                    self._inside = not self._inside
                if not self._inside:
                    self._breaks += part.count(b"\n")
        self._last = chunk

    @property
    def total(self) -> int:
        return self._breaks + (1 if self._last and not self._last.endswith(b"\n") else 0)


def cell_text(value: object) -> str:
    """An Excel cell as text: integral numbers without '.0' (phone numbers typed as numbers),
    dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class SpooledXlsx:
    """The chunks of an .xlsx written to a temporary file, then read row by row."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def rows(self) -> Iterator[list[str]]:
        from openpyxl import load_workbook

        self._file.seek(0)
        try:
            book = load_workbook(self._file, read_only=True, data_only=True)
        except Exception as exc:  # zipfile / openpyxl errors of a damaged file
            raise UnreadableFile(f"not a readable .xlsx file ({exc})") from exc
        try:
            sheet = book.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield [cell_text(v) for v in row]
        finally:
            book.close()

    def close(self) -> None:
        self._file.close()


async def csv_rows(
    chunks: AsyncIterator[bytes], encoding: str, delimiter: str
) -> AsyncIterator[list[list[str]]]:
    """The records of a CSV, a chunk's worth at a time."""
    reader = CsvRecords(encoding, delimiter)
    async for chunk in chunks:
        records = reader.feed(chunk)
        if records:
            yield records
    last = reader.feed(b"", final=True)
    if last:
        yield last
