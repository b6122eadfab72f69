"""API plumbing shared by every app: pagination, error translation, If-Match support."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
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
        return Response({"detail": "Not found.", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = "If-Match header or version field required."
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
