"""Customer and contact services. Every write to customers and contacts goes through here."""

from .batch import BatchRowResult, customers_create_batch
from .contacts import (
    CONTACT_FIELDS,
    ContactMatch,
    contact_create,
    contact_delete,
    contact_matches,
    contact_restore,
    contact_update,
)
from .customers import (
    WRITABLE_FIELDS,
    customer_create,
    customer_delete,
    customer_dependency_register,
    customer_dependents,
    customer_merge,
    customer_merge_register,
    customer_restore,
    customer_tags_set,
    customer_update,
    team_member_add,
    team_member_remove,
)
from .duplicates import REASON_LABELS, DuplicateMatch, DuplicatesFound, customer_duplicates
from .pool import (
    BULK_ACTIONS,
    BulkResult,
    customer_assign,
    customer_claim,
    customer_release,
    customer_transfer,
    customers_bulk,
    owned_cap,
    pool_rule_for,
    pool_rules_apply,
)

__all__ = [
    "BULK_ACTIONS", "CONTACT_FIELDS", "REASON_LABELS", "WRITABLE_FIELDS", "BatchRowResult", "BulkResult", "ContactMatch",
    "DuplicateMatch", "DuplicatesFound", "contact_create", "contact_delete", "contact_matches", "contact_restore",
    "contact_update", "customer_assign", "customer_claim", "customer_create", "customer_delete",
    "customer_dependency_register", "customer_dependents", "customer_duplicates", "customer_merge",
    "customer_merge_register", "customer_release", "customer_restore", "customer_tags_set", "customer_transfer",
    "customer_update", "customers_bulk", "customers_create_batch", "owned_cap", "pool_rule_for", "pool_rules_apply", "team_member_add",
    "team_member_remove",
]
