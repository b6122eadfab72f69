"""Shared pieces of the customers API views: pagination choice, versions, conflict answers."""

from rest_framework import status
from rest_framework.response import Response

from forpcrm.core.api import (
    IdCursorPagination,
    PreconditionRequired,
    StablePageNumberPagination,
    expected_version,
)
from forpcrm.core.errors import ApplicationError, ConflictError


def etag(record) -> str:
    return f'"{record.version}"'


def with_etag(response: Response, record) -> Response:
    response["ETag"] = etag(record)
    return response


def required_version(request) -> int:
    """The version the client read (If-Match or `version`); a write without one is refused (428)."""
    data = request.data if hasattr(request.data, "get") else None
    version = expected_version(request, data)
    if version is None:
        raise PreconditionRequired()
    return version


def conflict_response(exc: ConflictError, current_record, serializer_class, context) -> Response:
    """412 with the record as it is now, so the client can show what changed."""
    current = exc.current or serializer_class(current_record, context=context).data
    response = Response(
        {"detail": exc.message, "code": exc.code, "current": current, "version": current_record.version},
        status=status.HTTP_412_PRECONDITION_FAILED,
    )
    return with_etag(response, current_record)


def duplicates_response(exc: ApplicationError, match_data) -> Response:
    return Response(
        {"detail": exc.message, "code": exc.code, "matches": [match_data(m) for m in exc.matches]},
        status=status.HTTP_409_CONFLICT,
    )


class SelectablePaginationMixin:
    """Page numbers by default (stable: the selectors order with an `id` tie-breaker);
    keyset pagination on -id with `?paginate=cursor`."""

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            request = getattr(self, "request", None)
            wants_cursor = request is not None and request.query_params.get("paginate") == "cursor"
            self._paginator = IdCursorPagination() if wants_cursor else StablePageNumberPagination()
        return self._paginator

    def paginated(self, queryset, serializer_class, **context):
        page = self.paginate_queryset(queryset)
        ctx = {**self.get_serializer_context(), **context}
        if page is not None:
            return self.get_paginated_response(serializer_class(page, many=True, context=ctx).data)
        return Response(serializer_class(queryset, many=True, context=ctx).data)
