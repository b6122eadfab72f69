"""Page plumbing shared by every app: full page or HTMX fragment from one URL, and service errors
turned into page messages in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
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


def _field_label(form: forms.BaseForm | None, key: str, aliases: dict | None = None, model=None) -> str | None:
    """The label a person knows the field by: the form's label, else the model field's verbose name;
    None when neither knows it (the message then goes without a field name, never a raw one)."""
    name = _field_name(form, key, aliases)
    if form is not None and name:
        return capfirst(str(form.fields[name].label or name))
    if key.startswith("custom."):
        return key.removeprefix("custom.")
    if model is not None:
        try:
            return capfirst(str(model._meta.get_field(key).verbose_name))
        except FieldDoesNotExist:
            pass
    return None


def report_error(request, exc: Exception, form: forms.BaseForm | None = None, *,
                 aliases: dict[str, str] | None = None, model=None) -> None:
    """Show a service error: field errors on the form (when it has that field) and a message that names
    the field by its label (the form's, else the verbose name on ``model``) or the rule. ``aliases`` maps a
    service's field name to the form's. Re-raises anything that is not a service error."""
    if isinstance(exc, DjangoValidationError):
        for key, errors in _error_items(exc):
            name = _field_name(form, key, aliases)
            if name and form is not None:
                for error in errors:
                    form.add_error(name, error)
            label = _field_label(form, key, aliases, model) if key else None
            if label:
                messages.error(request, _("%(field)s: %(errors)s") % {"field": label, "errors": " ".join(errors)})
            else:
                if form is not None and not name:
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


def post_action(request, run: Callable[[], object], *, done: str, done_url: str, failed_url: str | None = None,
                model=None):
    """A POST button that runs one service: on success ``done`` as a message and a redirect to
    ``done_url``; on a service error its message (naming the field by its label on ``model``, or the
    rule) and a redirect to ``failed_url`` (default: ``done_url``), nothing changed."""
    try:
        run()
    except SERVICE_ERRORS as exc:
        report_error(request, exc, model=model)
        return redirect(failed_url or done_url)
    messages.success(request, done)
    return redirect(done_url)



def note_filter_problems(request, *, dates=(), ids=()) -> dict[str, str]:
    """Warn about list filters of the query string that cannot be used (see
    :func:`forpcrm.core.parsing.filter_problems`); the list then ignores them. Returns the problems."""
    from forpcrm.core.parsing import filter_problems

    problems = filter_problems(request.GET, dates=dates, ids=ids)
    for message in problems.values():
        messages.warning(request, message)
    return problems
