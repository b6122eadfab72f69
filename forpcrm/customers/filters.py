"""List parameters of the customers and contacts API: the same names the pages use, handed to the
selectors unchanged (the selectors filter, search and sort; nothing is filtered twice here).

``search`` is an alias of ``q`` and ``ordering`` of ``sort`` (the usual DRF names).
"""

from collections.abc import Mapping

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

# Parameters that belong to the API layer (paging, expansion) and never reach a selector.
API_ONLY = {"page", "page_size", "cursor", "paginate", "expand", "format", "file_format"}
ALIASES = {"search": "q", "ordering": "sort"}

CUSTOMER_SORTS = ["name", "created_at", "updated_at", "level", "last_followup_at", "next_followup_at", "revenue",
                  "employees"]
CONTACT_SORTS = ["name", "created_at", "updated_at"]


def selector_params(query_params: Mapping[str, str], **fixed: str) -> dict[str, str]:
    """The request's list parameters as the selectors take them (last value of a repeated key wins)."""
    params: dict[str, str] = {}
    for key in query_params:
        if key in API_ONLY:
            continue
        value = query_params.get(key)
        if value is None:
            continue
        name = ALIASES.get(key, key)
        if name in params and key in ALIASES:  # `q` given as well as `search`: the canonical name wins
            continue
        params[name] = value
    params.update(fixed)
    return params


def _p(name: str, description: str, enum: list[str] | None = None, type_=OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


PAGING_PARAMETERS = [
    _p("paginate", "`cursor` for keyset pagination on -id (then `cursor` pages; `sort` is ignored).", ["cursor"]),
    _p("cursor", "Opaque cursor from `next`/`previous` when `paginate=cursor`."),
]

COMMON_LIST_PARAMETERS = [
    _p("q", "Search: substring (Chinese included), pinyin and initials, phone digits or tail, credit code, e-mail."),
    _p("search", "Alias of `q`."),
    _p("created_from", "Created on or after (YYYY-MM-DD).", type_=OpenApiTypes.DATE),
    _p("created_to", "Created on or before (YYYY-MM-DD).", type_=OpenApiTypes.DATE),
    *PAGING_PARAMETERS,
]

CUSTOMER_LIST_PARAMETERS = [
    *COMMON_LIST_PARAMETERS,
    _p("scope", "mine, team, pool or all (within the caller's data scope).", ["mine", "team", "pool", "all"]),
    _p("owner", "Owner's user id.", type_=OpenApiTypes.INT),
    _p("department", "Department id.", type_=OpenApiTypes.INT),
    _p("industry", "Industry value."),
    _p("source", "Source value."),
    _p("level", "Level value."),
    _p("status", "Status.", ["prospect", "in_progress", "won", "lost", "inactive"]),
    _p("province", "Province."),
    _p("tag", "Tag name."),
    _p("sort", "Sort field, `-` for descending; `id` is always the tie-breaker.",
       [s for field in CUSTOMER_SORTS for s in (field, f"-{field}")]),
    _p("ordering", "Alias of `sort`."),
    _p("custom__<code>", "Filter on a user-defined field (`custom__<code>__from`/`__to` for dates)."),
]

CONTACT_LIST_PARAMETERS = [
    *COMMON_LIST_PARAMETERS,
    _p("customer", "Customer id.", type_=OpenApiTypes.INT),
    _p("sort", "Sort field, `-` for descending; `id` is always the tie-breaker.",
       [s for field in CONTACT_SORTS for s in (field, f"-{field}")]),
    _p("ordering", "Alias of `sort`."),
    _p("custom__<code>", "Filter on a user-defined field of contacts."),
]

EXPAND_PARAMETER = _p("expand", "`contacts` to embed the customer's contacts (only for callers who may view "
                                "contacts; ignored otherwise).", ["contacts"])
