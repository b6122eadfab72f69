"""Streaming readers for spreadsheet files: CSV (UTF-8 with or without BOM, GB18030/GBK) and XLSX.

A reader never holds the whole file in memory: rows are yielded one by one (or in batches) with the
row number a user sees in the spreadsheet (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

SAMPLE_BYTES = 256 * 1024
CSV_FORMATS = {"csv", "txt", "tsv"}
XLSX_FORMATS = {"xlsx", "xlsm"}
# The encodings a Chinese user's spreadsheet comes in. GB18030 is a superset of GBK and GB2312.
SUPPORTED_ENCODINGS = ("utf-8-sig", "gb18030")


class UnreadableFile(ValueError):  # noqa: N818 - reads as the user's problem, not ours
    """The file is not a spreadsheet this import reads; the message is fit for the user."""


@dataclass
class Table:
    """An opened spreadsheet: headers plus a way to stream its data rows."""

    path: Path
    file_format: str
    headers: list[str]
    encoding: str = ""
    delimiter: str = ","
    sheet: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(spreadsheet row number, values) for every data row; blank rows are skipped."""
        if self.file_format == "xlsx":
            yield from _xlsx_rows(self.path, self.sheet)
        else:
            yield from _csv_rows(self.path, self.encoding, self.delimiter)

    def batches(self, size: int = 500) -> Iterator[list[tuple[int, list[Any]]]]:
        batch: list[tuple[int, list[Any]]] = []
        for item in self.rows():
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def count_rows(self) -> int:
        """Number of data rows (one streaming pass; for the progress bar's total)."""
        if self.file_format == "xlsx":
            return sum(1 for _ in self.rows())
        count = 0
        for _row in self.rows():
            count += 1
        return count


def detect_format(path: Path, name: str = "") -> str:
    """'xlsx' or 'csv' from the file's content (magic bytes), not from its name alone."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile as exc:
            raise UnreadableFile(_("The file is damaged: it looks like an Excel file but cannot be opened.")) from exc
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        raise UnreadableFile(_("The file is a zip archive, not an Excel workbook (.xlsx)."))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(_("Old Excel files (.xls) are not supported: save the sheet as .xlsx or CSV."))
    if head.startswith((b"MZ", b"\x7fELF", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xca\xfe\xba\xbe")):
        raise UnreadableFile(_("The file is not a spreadsheet. Upload a CSV or .xlsx file."))
    suffix = Path(name or str(path)).suffix.lower().lstrip(".")
    if suffix in XLSX_FORMATS:
        raise UnreadableFile(_("The file is named .xlsx but is not an Excel workbook."))
    return "csv"


def detect_encoding(path: Path) -> str:
    """The file's text encoding, checked by decoding the whole file strictly.

    A byte-order mark decides UTF-8; otherwise charset-normalizer proposes from a sample and the
    candidates UTF-8 and GB18030 are tried in turn over the whole stream. A file that decodes in none
    of them is refused (an import never guesses and never stores mojibake).
    """
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if b"\x00" in sample[:4096] and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(_("The file is not a text file (it contains binary data). Upload a CSV or .xlsx file."))
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif sample.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        candidates = list(_suggested(sample))
    for encoding in candidates:
        if _decodes_strictly(path, encoding):
            return encoding
    raise UnreadableFile(
        _("The file's text encoding is not supported. Save it as CSV UTF-8 (or GB18030/GBK) and upload it again.")
    )


def _suggested(sample: bytes) -> list[str]:
    from charset_normalizer import from_bytes

    order = ["utf-8-sig", "gb18030"]
    try:
        best = from_bytes(sample).best()
    except Exception:
        best = None
    if best is not None and best.encoding.replace("_", "").lower() in {"gb18030", "gbk", "gb2312", "hz"}:
        order = ["gb18030", "utf-8-sig"]
    return order


def _decodes_strictly(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                text = decoder.decode(chunk)
                if "\x00" in text:
                    return False
            decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def sniff_delimiter(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
    first_line = sample.splitlines()[0] if sample else ""
    try:
        dialect = csv.Sniffer().sniff(sample if "\n" in sample else first_line, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    # The sniffer can be fooled by commas inside values; prefer the separator that splits the header best.
    counts = {d: first_line.count(d) for d in ",;\t|"}
    best = max(counts, key=lambda d: counts[d])
    if counts.get(delimiter, 0) == 0 and counts[best] > 0:
        delimiter = best
    return delimiter


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            yield reader.line_num, values


def _xlsx_rows(path: Path, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl

    handle = open(path, "rb")  # noqa: SIM115 - held open while rows stream; a stream: openpyxl would refuse a workbook by its file name alone
    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    try:
        worksheet = workbook[sheet] if sheet and sheet in workbook.sheetnames else workbook.worksheets[0]
        for number, values in enumerate(worksheet.iter_rows(min_row=2, values_only=True), start=2):
            if not any(v is not None and str(v).strip() for v in values):
                continue
            yield number, list(values)
    finally:
        workbook.close()
        handle.close()


def _xlsx_headers(path: Path) -> tuple[list[str], str]:
    import openpyxl

    with open(path, "rb") as handle:
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:
            raise UnreadableFile(_("The Excel file cannot be opened: it may be damaged or protected.")) from exc
        try:
            worksheet = workbook.worksheets[0]
            first = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
            return [_header_text(v) for v in first], worksheet.title
        finally:
            workbook.close()


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).replace("\ufeff", "").strip()


def open_table(path: str | os.PathLike, name: str = "") -> Table:
    """Open a spreadsheet file for import. Raises UnreadableFile with a message for the user."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise UnreadableFile(_("The file is empty."))
    file_format = detect_format(path, name)
    if file_format == "xlsx":
        headers, sheet = _xlsx_headers(path)
        table = Table(path=path, file_format="xlsx", headers=headers, sheet=sheet)
    else:
        encoding = detect_encoding(path)
        delimiter = sniff_delimiter(path, encoding)
        with open(path, encoding=encoding, newline="") as handle:
            first = next(csv.reader(handle, delimiter=delimiter), [])
        table = Table(path=path, file_format="csv", headers=[_header_text(h) for h in first], encoding=encoding,
                      delimiter=delimiter)
    while table.headers and not table.headers[-1]:
        table.headers.pop()
    if not any(table.headers):
        raise UnreadableFile(_("The first row must hold the column headers; it is empty."))
    return table


def save_upload(upload: BinaryIO, destination: Path, *, max_bytes: int) -> int:
    """Copy an uploaded stream to disk in chunks, refusing it once it passes max_bytes."""
    written = 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1024 * 1024), b"")
    with open(destination, "wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if written > max_bytes:
                out.close()
                destination.unlink(missing_ok=True)
                raise UnreadableFile(
                    _("The file is larger than the limit of %(limit)s MB.") % {"limit": max_bytes // (1024 * 1024)}
                )
            out.write(chunk)
    return written

