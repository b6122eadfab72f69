"""Helpers of the customer pages: permission gates, redirects back to the list, picker choices."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlparse

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from forpcrm.customers.forms import picklist_choices
from forpcrm.customfields.models import FieldType, PicklistOption
from forpcrm.customfields.registry import definitions_for
from forpcrm.org.access import require_page_perm
from forpcrm.org.models import Department


def page(module: str, action: str = "view", *, methods=("GET", "HEAD", "POST")):
    """A signed-in page that needs ``action`` on ``module`` (403 otherwise)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return HttpResponseNotAllowed(list(methods))
            require_page_perm(request.user, module, action)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def back(request, fallback: str, **kwargs):
    """Redirect to ``next`` when it is a local URL, else to ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and not urlparse(
            target).netloc:
        return redirect(target)
    return redirect(fallback, **kwargs)


def filter_fields(request, entity: str, builtin: list[dict]) -> list[dict]:
    """Filter inputs for the list page: the given built-in ones and one per user-defined field."""
    params = request.GET
    fields = []
    for spec in builtin:
        fields.append({**spec, "value": params.get(spec["name"], "")})
    for d in definitions_for(entity):
        name = f"custom__{d.code}"
        t = d.field_type
        if t in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            fields.append({"name": name, "label": d.display_label, "type": "select",
                           "choices": [("", "—"), *[(str(o.get("value")), d.option_label(o.get("value")))
                                                     for o in d.options or []]], "value": params.get(name, "")})
        elif t == FieldType.BOOLEAN:
            fields.append({"name": name, "label": d.display_label, "type": "select",
                           "choices": [("", "—"), ("1", "✔"), ("0", "✘")], "value": params.get(name, "")})
        elif t in (FieldType.DATE, FieldType.DATETIME):
            for suffix, label in (("from", "≥"), ("to", "≤")):
                fields.append({"name": f"{name}__{suffix}", "label": f"{d.display_label} {label}", "type": "date",
                               "value": params.get(f"{name}__{suffix}", "")})
        else:
            fields.append({"name": name, "label": d.display_label, "type": "text", "value": params.get(name, "")})
    return fields


def picklist_filter(name: str, label, kind: str) -> dict:
    return {"name": name, "label": label, "type": "select", "choices": picklist_choices(kind)}


def department_filter(label) -> dict:
    return {"name": "department", "label": label, "type": "select",
            "choices": [("", "—"), *[(str(d.pk), "— " * d.depth + d.name)
                                     for d in Department.objects.filter(is_active=True).order_by("path")]]}


__all__ = ["PicklistOption", "back", "department_filter", "filter_fields", "page", "picklist_filter"]
