"""Opportunities as document targets, and the stage rule "a document must be attached"."""


def opportunity_has_stage_document(opportunity, stage) -> bool:
    """True when the opportunity has a live document of the stage's category (any, when it is blank)."""
    from forpcrm.documents.selectors import has_document

    return has_document(opportunity, category=stage.document_category or "")


def ready() -> None:
    """Register opportunities with the documents app."""
    from django.urls import reverse

    from forpcrm.documents.registry import document_target_register

    from .models import Opportunity
    from .services import DOCUMENT_CHECKS

    document_target_register(Opportunity, customer_of=lambda opportunity: opportunity.customer,
                             url_of=lambda document: reverse("sales:opportunity_detail", args=[document.target_id]))
    if opportunity_has_stage_document not in DOCUMENT_CHECKS:
        DOCUMENT_CHECKS.append(opportunity_has_stage_document)
