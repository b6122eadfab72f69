"""Likely duplicates across the whole company; records the user cannot see reveal only name and owner."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forpcrm.core.errors import ApplicationError
from forpcrm.core.phones import phone_key
from forpcrm.customers.models import Customer
from forpcrm.customers.normalize import credit_code_clean, email_key, name_key
from forpcrm.org.models import User

REASON_LABELS = {
    "credit_code": gettext_lazy("same credit code"),
    "name": gettext_lazy("same name"),
    "phone": gettext_lazy("same phone"),
    "email": gettext_lazy("same e-mail"),
}
MAX_MATCHES = 20


@dataclass
class DuplicateMatch:
    customer_id: int | None  # None when the user may not see the record
    name: str
    owner_name: str
    reasons: list[str] = field(default_factory=list)  # codes: credit_code, name, phone, email
    is_visible: bool = False

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS.get(r, r)) for r in self.reasons]


class DuplicatesFound(ApplicationError):  # noqa: N818 - name fixed by the contract
    """Likely duplicates exist; the caller shows them and may confirm."""

    status_code = 409

    def __init__(self, matches: list[DuplicateMatch]):
        super().__init__(
            _("Possible duplicates: %(names)s.") % {"names": "、".join(m.name for m in matches)},
            code="duplicates_found",
            extra={"matches": [m.__dict__ | {"reasons": list(m.reasons)} for m in matches]},
        )
        self.matches = matches


def customer_duplicates(*, data: dict, user: User, exclude_id: int | None = None) -> list[DuplicateMatch]:
    """Customers that look like the one described by ``data`` (keys name, credit_code, phone, email)."""
    keys = {
        "credit_code": credit_code_clean(data.get("credit_code")),
        "name": name_key(data.get("name")) if data.get("name") else "",
        "phone": phone_key(data.get("phone")),
        "email": email_key(data.get("email")),
    }
    columns = {"credit_code": "credit_code", "name": "name_key", "phone": "phone_key", "email": "email_key"}
    if not any(keys.values()):
        return []
    # One indexed lookup per key: an OR of the four makes SQLite scan the whole table (deleted_at
    # index), which turned an import quadratic.
    found: set[int] = set()
    for reason, value in keys.items():
        if value:
            found.update(Customer.objects.filter(**{columns[reason]: value}).values_list("pk", flat=True)[:MAX_MATCHES])
    qs = Customer.objects.filter(pk__in=sorted(found)).select_related("owner")
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    rows = list(qs.order_by("id")[:MAX_MATCHES])
    visible = set(Customer.objects.visible_to(user).filter(pk__in=[r.pk for r in rows]).values_list("pk", flat=True))
    matches = []
    for row in rows:
        reasons = [r for r, value in keys.items() if value and getattr(row, columns[r]) == value]
        is_visible = row.pk in visible
        matches.append(DuplicateMatch(
            customer_id=row.pk if is_visible else None, name=row.name,
            owner_name=str(row.owner) if row.owner else str(_("public pool")), reasons=reasons, is_visible=is_visible,
        ))
    return matches
