"""Small template helpers. None of them marks user data as safe."""

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ row|get_item:column.key }}`` — a dict lookup with a variable key."""
    if mapping is None:
        return ""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def local_dt(value, fmt="Y-m-d H:i"):
    from django.utils.dateformat import format as date_format

    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, fmt)


@register.simple_tag(takes_context=True)
def sort_query(context, key: str):
    """Query string that sorts by ``key`` (toggles direction when already sorted by it); keeps filters,
    resets the page."""
    request = context["request"]
    params = request.GET.copy()
    current = params.get("sort", "")
    params["sort"] = f"-{key}" if current == key else key
    params.pop("page", None)
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def sort_state(context, key: str):
    current = context["request"].GET.get("sort", "")
    if current == key:
        return "asc"
    if current == f"-{key}":
        return "desc"
    return ""


@register.filter
def money(value):
    """``{{ amount|money }}`` — an amount with thousands separators and two decimals, the same in every
    language and on every page: ``100,000.00``. Empty stays empty; a non-number is shown unchanged."""
    from forpcrm.core.money import to_money

    if value is None or value == "":
        return ""
    try:
        return f"{to_money(value):,.2f}"
    except ValueError:
        return value
