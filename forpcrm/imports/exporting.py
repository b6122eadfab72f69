"""Streaming spreadsheet writers shared by every export: CSV (UTF-8 with BOM, so Excel reads Chinese)
and XLSX (openpyxl write-only to a temporary file, streamed in chunks), with formula neutralisation
(C04) and Chinese file names (RFC 5987 ``filename*``)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import StreamingHttpResponse
from django.utils import timezone

from .fields import FORMULA_STARTS

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading ' (C04). Numbers stay numbers."""
    if isinstance(value, str) and value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def cell_value(value: Any, *, for_csv: bool) -> Any:
    """A value as written to a cell: Decimal/int/date keep their type in XLSX; None → empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%Y-%m-%d %H:%M") if for_csv else local.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value.isoformat() if for_csv else value
    if isinstance(value, Decimal | int | float):
        return str(value) if for_csv else value
    return neutralise(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow([neutralise(h) for h in header]).encode("utf-8")
    buffer: list[str] = []
    size = 0
    for row in rows:
        line = writer.writerow([cell_value(v, for_csv=True) for v in row])
        buffer.append(line)
        size += len(line)
        if size >= CHUNK:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def xlsx_write(path: str, header: list[str], rows: Iterable[list[Any]], *, sheet_title: str = "Sheet1",
               number_formats: dict[int, str] | None = None) -> None:
    """Write an XLSX in constant memory (openpyxl write-only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Sheet1")
    sheet.append([neutralise(h) for h in header])
    formats = number_formats or {}
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            written = cell_value(value, for_csv=False)
            if isinstance(written, str) and written.startswith("'") and written[1:2] in FORMULA_STARTS:
                cell = WriteOnlyCell(sheet, value=written)
                cell.data_type = "s"  # a string cell, never a formula
                cells.append(cell)
            elif isinstance(written, dt.datetime | dt.date) or index in formats:
                cell = WriteOnlyCell(sheet, value=written)
                if isinstance(written, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(written, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                elif index in formats and isinstance(written, Decimal | int | float):
                    cell.number_format = formats[index]
                cells.append(cell)
            else:
                cells.append(written)
        sheet.append(cells)
    workbook.save(path)


def _file_chunks(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the real (Chinese) name as RFC 5987 filename*."""
    ascii_name = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def spreadsheet_response(*, filename: str, fmt: str, header: list[str], rows: Iterable[list[Any]],
                         sheet_title: str = "Sheet1", number_formats: dict[int, str] | None = None
                         ) -> StreamingHttpResponse:
    """StreamingHttpResponse of CSV or XLSX. XLSX is built in a temporary file first (zip needs seeking)."""
    if fmt == "xlsx":
        handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="forpcrm-export-")
        os.close(handle)
        xlsx_write(path, header, rows, sheet_title=sheet_title, number_formats=number_formats)
        response = StreamingHttpResponse(_file_chunks(path), content_type=XLSX_CONTENT_TYPE)
        response["Content-Length"] = str(os.path.getsize(path))
        name = filename if filename.endswith(".xlsx") else f"{filename}.xlsx"
    else:
        response = StreamingHttpResponse(csv_stream(header, rows), content_type=CSV_CONTENT_TYPE)
        name = filename if filename.endswith(".csv") else f"{filename}.csv"
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def response_to_file(response: StreamingHttpResponse, path: str) -> int:
    """Write a streamed export to a file (command line); returns the byte count."""
    written = 0
    with open(path, "wb") as out:
        for chunk in response.streaming_content:
            out.write(chunk)
            written += len(chunk)
    return written
