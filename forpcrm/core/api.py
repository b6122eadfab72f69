"""API plumbing shared by every app: pagination, error translation, If-Match support."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError, ConflictError


class StablePageNumberPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class IdCursorPagination(CursorPagination):
    """Keyset pagination on (-id): stable and index-friendly at any depth."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ConflictError):
        return Response(
            {"detail": exc.message, "code": exc.code, "current": exc.current},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": exc.code}
        body.update({k: v for k, v in exc.extra.items() if k not in body})
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(_validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"detail": gettext("Not found."), "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


def check_filters(request, *, dates=(), ids=()) -> None:
    """Refuse (400, one message per query parameter) list filters whose values cannot be used: the keys
    in ``dates`` must be dates (YYYY-MM-DD), those in ``ids`` record ids."""
    from rest_framework.exceptions import ValidationError

    from .parsing import filter_problems

    problems = filter_problems(request.query_params, dates=dates, ids=ids)
    if problems:
        raise ValidationError({key: [message] for key, message in problems.items()})


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = _("If-Match header or version field required.")
    default_code = "precondition_required"


def expected_version(request, data: dict | None = None) -> int | None:
    """The version the client last read: the If-Match header (ETag "7" or W/"7") or a `version` field."""
    header = request.headers.get("If-Match")
    if header:
        token = header.strip().removeprefix("W/").strip('"')
        try:
            return int(token)
        except ValueError:
            return -1
    if data is not None and data.get("version") not in (None, ""):
        try:
            return int(data["version"])
        except (TypeError, ValueError):
            return -1
    return None


def etag(record) -> str:
    """The strong ETag of a versioned record: its version in quotes."""
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
    """412 with the values as they are now (the service's, else the whole record) and the current version."""
    current = exc.current or serializer_class(current_record, context=context).data
    response = Response(
        {"detail": exc.message, "code": exc.code, "current": current, "version": current_record.version},
        status=status.HTTP_412_PRECONDITION_FAILED,
    )
    return with_etag(response, current_record)


class SelectablePaginationMixin:
    """For view sets: page numbers by default (stable when the queryset orders with an `id`
    tie-breaker); keyset pagination on -id with `?paginate=cursor`. ``paginated(qs, serializer)``
    answers one page."""

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
