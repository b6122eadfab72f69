"""Page plumbing shared by every app: full page or HTMX fragment from one URL, and service errors
turned into page messages in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError, PermissionDeniedError


def is_htmx(request) -> bool:
    """A fragment request from HTMX (a boosted navigation still wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)


def render_page(request, template: str, context: dict, *, fragment: str | None = None, status: int = 200):
    """The same URL answers the whole page or, for HTMX, only ``fragment``; caches keep them apart."""
    chosen = fragment if fragment and is_htmx(request) else template
    response = render(request, chosen, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _error_items(exc: DjangoValidationError) -> Iterable[tuple[str | None, list[str]]]:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            yield (None if key == "__all__" else key), list(errors)
    else:
        yield None, list(exc.messages)


def _field_name(form: forms.BaseForm | None, key: str | None, aliases: dict | None = None) -> str | None:
    if form is None or key is None:
        return None
    for candidate in ((aliases or {}).get(key, key), key, key.replace(".", "__"), f"custom__{key.removeprefix('custom.')}"):
        if candidate in form.fields:
            return candidate
    return None


def _field_label(form: forms.BaseForm | None, key: str, aliases: dict | None = None) -> str:
    name = _field_name(form, key, aliases)
    if form is not None and name:
        return str(form.fields[name].label or name)
    return key.removeprefix("custom.")


def report_error(request, exc: Exception, form: forms.BaseForm | None = None, *,
                 aliases: dict[str, str] | None = None) -> None:
    """Show a service error: field errors on the form (when it has that field) and a message that names
    the field or the rule. ``aliases`` maps a service's field name to the form's. Re-raises anything
    that is not a service error."""
    if isinstance(exc, DjangoValidationError):
        for key, errors in _error_items(exc):
            name = _field_name(form, key, aliases)
            if name and form is not None:
                for error in errors:
                    form.add_error(name, error)
            if key:
                label = _field_label(form, key, aliases)
                messages.error(request, _("%(field)s: %(errors)s") % {"field": label, "errors": " ".join(errors)})
            else:
                if form is not None:
                    for error in errors:
                        form.add_error(None, error)
                messages.error(request, " ".join(errors))
        return
    if isinstance(exc, PermissionDeniedError | ApplicationError):
        messages.error(request, exc.message)
        if form is not None:
            form.add_error(None, exc.message)
        return
    raise exc


SERVICE_ERRORS = (DjangoValidationError, ApplicationError)


def post_action(request, run: Callable[[], object], *, done: str, done_url: str, failed_url: str | None = None):
    """A POST button that runs one service: on success ``done`` as a message and a redirect to
    ``done_url``; on a service error its message (naming the field or rule) and a redirect to
    ``failed_url`` (default: ``done_url``), nothing changed."""
    try:
        run()
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
        return redirect(failed_url or done_url)
    messages.success(request, done)
    return redirect(done_url)

