"""The downloadable error report of an import: the failed rows as they were, plus an error column."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from .exporting import spreadsheet_response
from .models import ImportJob
from .services import open_job_table


def _failed_rows(job: ImportJob) -> Iterator[list[Any]]:
    reasons: dict[int, list[str]] = defaultdict(list)
    for issue in (job.report or {}).get("errors", []):
        column = f"{issue['column']}: " if issue.get("column") else ""
        reasons[int(issue["row"])].append(column + issue["reason"])
    failed = set((job.report or {}).get("failed_rows", [])) or set(reasons)
    if not failed:
        return
    table = open_job_table(job)
    width = len(job.headers)
    for row, raw in table.rows():
        if row in failed:
            values = [*(raw[i] if i < len(raw) else None for i in range(width))]
            yield [row, *values, "; ".join(reasons.get(row, [])) or _("error")]


def error_report_header(job: ImportJob) -> list[str]:
    return [_("row"), *job.headers, _("error")]


def error_report_response(*, job: ImportJob, fmt: str = "xlsx") -> StreamingHttpResponse:
    base = job.original_name.rsplit(".", 1)[0]
    return spreadsheet_response(filename=_("%(name)s errors") % {"name": base}, fmt=fmt,
                                header=error_report_header(job), rows=_failed_rows(job),
                                sheet_title=_("errors"))
