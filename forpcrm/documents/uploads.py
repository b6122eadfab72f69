"""Multipart parsing that keeps a dangerous file name visible to the checks.

Django's parser silently shortens ``../../x.pdf`` to ``x.pdf`` and drops control characters; the
product refuses such names instead, with the name the user sent. The parser below marks them
(``files.UNSAFE_NAME_MARK`` + the percent-encoded raw name) and ``files.file_check`` refuses them.
Upload pages use ``keep_file_names`` (CSRF is still checked, after the parser is swapped in);
the API uses ``NameKeepingMultiPartParser``.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.shortcuts import render
from django.utils.datastructures import ImmutableList
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .files import UNSAFE_NAME_MARK

UPLOAD_LIMIT_ERRORS = (RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent, MultiPartParserError)


class RawNameMultiPartParser(MultiPartParser):
    def sanitize_file_name(self, file_name):
        cleaned = super().sanitize_file_name(file_name)
        if cleaned is None or cleaned != file_name:
            # html.unescape alone is harmless; anything else removed a folder or a control character.
            import html

            if cleaned is not None and cleaned == html.unescape(file_name) and "/" not in file_name \
                    and "\\" not in file_name:
                return cleaned
            return UNSAFE_NAME_MARK + quote(file_name, safe="")
        return cleaned


def _parse_keeping_names(request, meta, post_data):
    request.upload_handlers = ImmutableList(request.upload_handlers,
                                            warning="You cannot alter upload handlers after the upload has been processed.")
    return RawNameMultiPartParser(meta, post_data, request.upload_handlers, request.encoding).parse()


def upload_limit_message(exc) -> str:
    if isinstance(exc, TooManyFilesSent):
        return _("Too many files in one upload (at most %(count)s).") % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    if isinstance(exc, TooManyFieldsSent | RequestDataTooBig):
        return _("The upload is too large to be read.")
    return _("The upload could not be read: %(error)s") % {"error": str(exc)}


def upload_refused(request, exc):
    return render(request, "documents/upload_refused.html", {"message": upload_limit_message(exc)}, status=400)


def keep_file_names(view):
    """Decorator of an upload page: swap in the name-keeping parser, then check CSRF as usual."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            request.parse_file_upload = lambda meta, data: _parse_keeping_names(request, meta, data)
            try:
                request.FILES  # noqa: B018 - parse now, so an upload limit is answered clearly
            except UPLOAD_LIMIT_ERRORS as exc:
                return upload_refused(request, exc)
        return protected(request, *args, **kwargs)

    return wrapper


class NameKeepingMultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser with the name-keeping Django parser; limits answer 400, not 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        encoding = parser_context.get("encoding", "utf-8")
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            data, files = RawNameMultiPartParser(meta, stream, request.upload_handlers, encoding).parse()
        except UPLOAD_LIMIT_ERRORS as exc:
            raise ParseError(upload_limit_message(exc)) from exc
        return parsers.DataAndFiles(data, files)
