"""User-defined fields and picklists: services and settings pages."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.customfields import services
from forpcrm.customfields.models import FieldDefinition, PicklistOption

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Exact English messages (the product's default language is zh-hans)."""
    settings.LANGUAGE_CODE = "en"


def test_field_definition_rules(personas):
    admin = personas.admin
    field = services.field_definition_create(by=admin, entity="customer", code="erp", data={
        "label": "ERP", "field_type": "text"})
    assert field.code == "erp"
    with pytest.raises(ValidationError) as exc:
        services.field_definition_create(by=admin, entity="customer", code="erp", data={"label": "X", "field_type": "text"})
    assert exc.value.message_dict == {"code": ["The code “erp” is already used for this entity."]}
    # The same code on another entity is fine
    services.field_definition_create(by=admin, entity="contact", code="erp", data={"label": "X", "field_type": "text"})
    with pytest.raises(ValidationError) as exc:
        services.field_definition_create(by=admin, entity="customer", code="Bad Code", data={"label": "X", "field_type": "text"})
    assert list(exc.value.message_dict) == ["code"]
    with pytest.raises(ValidationError) as exc:
        services.field_definition_create(by=admin, entity="customer", code="tier", data={"label": "档位", "field_type": "choice"})
    assert exc.value.message_dict == {"options": ["A choice field needs at least one option."]}
    with pytest.raises(PermissionDeniedError):
        services.field_definition_create(by=personas.sales_rep, entity="customer", code="x", data={"label": "X", "field_type": "text"})
    services.field_definition_deactivate(definition=field, by=admin)
    field.refresh_from_db()
    assert field.is_active is False


def test_field_pages_create_edit_deactivate(client, personas):
    client.force_login(personas.admin)
    response = client.post(reverse("customfields:field_create"), {
        "entity": "customer", "code": "tier", "label": "档位", "label_en": "Tier", "field_type": "choice",
        "sort_order": "1", "show_in_list": "on", "is_active": "on", "default": "gold",
        "options_text": "gold | 金牌 | Gold\nsilver | 银牌"})
    assert response.status_code == 302
    field = FieldDefinition.objects.get(code="tier")
    assert field.options == [{"value": "gold", "label": "金牌", "label_en": "Gold"},
                             {"value": "silver", "label": "银牌", "label_en": ""}]
    assert (field.default, field.show_in_list) == ("gold", True)
    # Choice without options: error on the options field, input kept
    response = client.post(reverse("customfields:field_create"), {
        "entity": "customer", "code": "tier2", "label": "档位2", "field_type": "multi_choice", "sort_order": "0",
        "is_active": "on", "options_text": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["options_text"] == ["A choice field needs at least one option."]
    assert response.context["form"]["label"].value() == "档位2"
    # Edit keeps entity and code
    response = client.post(reverse("customfields:field_edit", args=[field.pk]), {
        "entity": "contact", "code": "changed", "label": "等级", "field_type": "choice", "sort_order": "2",
        "is_active": "on", "options_text": "gold | 金牌"})
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.entity, field.code, field.label) == ("customer", "tier", "等级")
    listing = client.get(reverse("customfields:field_list"), {"entity": "customer"})
    assert [d.code for d in listing.context["definitions"]] == ["tier"]
    client.post(reverse("customfields:field_deactivate", args=[field.pk]))
    field.refresh_from_db()
    assert field.is_active is False


def test_picklist_pages(client, personas):
    client.force_login(personas.admin)
    url = reverse("customfields:picklist_list")
    response = client.post(url + "?kind=industry", {"kind": "industry", "value": "制造业", "label": "", "sort_order": "0",
                                                     "is_active": "on"})
    assert response.status_code == 302
    option = PicklistOption.objects.get(kind="industry")
    assert (option.value, option.label) == ("制造业", "制造业")
    response = client.post(url, {"kind": "industry", "value": "制造业", "sort_order": "0", "is_active": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["value"] == ["The value “制造业” is already in this list."]
    client.post(reverse("customfields:picklist_edit", args=[option.pk]), {"label": "制造", "label_en": "Manufacturing",
                                                                         "sort_order": "3"})
    option.refresh_from_db()
    assert (option.value, option.label, option.label_en, option.is_active) == ("制造业", "制造", "Manufacturing", False)
    # Denied POST by a sales rep changes nothing
    client.force_login(personas.sales_rep)
    response = client.post(url, {"kind": "industry", "value": "零售", "sort_order": "0"})
    assert response.status_code == 403
    assert PicklistOption.objects.count() == 1
