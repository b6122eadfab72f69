"""Shared pieces of the customers API views (the generic ones live in forpcrm.core.api)."""

from rest_framework import status
from rest_framework.response import Response

from forpcrm.core.api import (  # noqa: F401 - re-exported for the customers API modules
    SelectablePaginationMixin,
    conflict_response,
    required_version,
    with_etag,
)
from forpcrm.core.errors import ApplicationError


def duplicates_response(exc: ApplicationError, match_data) -> Response:
    """409 with the likely duplicates (records outside the caller's scope: name and owner only)."""
    return Response(
        {"detail": exc.message, "code": exc.code, "matches": [match_data(m) for m in exc.matches]},
        status=status.HTTP_409_CONFLICT,
    )
