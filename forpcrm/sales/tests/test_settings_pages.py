"""Settings pages of the sales stage: pipelines, the stage table, follow-up kinds, document categories."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from forpcrm.customers.tests.factories import system_user
from forpcrm.documents.models import DocumentCategory
from forpcrm.sales import services
from forpcrm.sales.activity.models import FollowUpKindOption
from forpcrm.sales.activity.services import followup_kinds
from forpcrm.sales.forms import OpportunityForm
from forpcrm.sales.models import Opportunity, Pipeline, Stage, StageKind

from .factories import make_opportunity, make_pipeline, stage

pytestmark = pytest.mark.django_db

# Page frame (session, user, grants, menus ≈ 4) + pipeline, stages with their counts, categories.
STAGE_TABLE_QUERIES = 9


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _last_message(response) -> str:
    return _messages(response)[-1]


def _names(pipeline) -> list[tuple[str, int]]:
    return list(pipeline.stages.order_by("sort_order", "id").values_list("name", "sort_order"))


def _table_post(pipeline, **changes) -> dict:
    """The stage table as the page sends it, with ``changes`` = {stage name: {field: value}}."""
    data = {"stages-TOTAL_FORMS": 0, "stages-INITIAL_FORMS": 0, "stages-MIN_NUM_FORMS": 0,
            "stages-MAX_NUM_FORMS": 1000}
    stages = list(pipeline.stages.order_by("sort_order", "id"))
    data["stages-TOTAL_FORMS"] = data["stages-INITIAL_FORMS"] = len(stages)
    for i, s in enumerate(stages):
        row = {"id": s.pk, "name": s.name, "sort_order": s.sort_order, "kind": s.kind, "probability": s.probability,
               "required_fields": list(s.required_fields), "requires_document": "on" if s.requires_document else "",
               "document_category": s.document_category}
        row.update(changes.get(s.name, {}))
        for key, value in row.items():
            if key == "requires_document" and not value:
                continue
            data[f"stages-{i}-{key}"] = value
    return data


URLS = ["/settings/pipelines/", "/settings/pipelines/new/", "/settings/pipelines/{p}/",
        "/settings/pipelines/{p}/stages/", "/settings/followup-kinds/", "/settings/document-categories/"]


@pytest.mark.parametrize("persona", ["sales_rep", "sales_manager"])
def test_reps_and_managers_get_403_and_change_nothing(request, client_for, persona):
    user = request.getfixturevalue(persona)
    pipeline = make_pipeline()
    won = stage(pipeline, "Won")
    client = client_for(user)
    for url in URLS:
        assert client.get(url.format(p=pipeline.pk)).status_code == 403, url
    posts = [
        ("/settings/pipelines/new/", {"name": "偷偷", "is_active": "on"}),
        (f"/settings/pipelines/{pipeline.pk}/", {"name": "改名", "is_active": "on"}),
        (f"/settings/pipelines/{pipeline.pk}/", {"delete": "1"}),
        (f"/settings/pipelines/{pipeline.pk}/stages/", _table_post(pipeline, Qualify={"probability": 33})),
        (f"/settings/pipelines/{pipeline.pk}/stages/new/", {"add-name": "新阶段", "add-probability": 5}),
        (f"/settings/stages/{stage(pipeline, 'Propose').pk}/move/", {"direction": "up"}),
        (f"/settings/stages/{stage(pipeline, 'Propose').pk}/delete/", {}),
        ("/settings/followup-kinds/", {"code": "lunch", "label": "饭局", "sort_order": 1, "is_active": "on"}),
        ("/settings/document-categories/", {"code": "nda", "name": "保密协议", "sort_order": 1, "is_active": "on"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert list(Pipeline.objects.values_list("name", flat=True)) == ["C17"]
    assert _names(pipeline) == [("Qualify", 0), ("Propose", 1), ("Negotiate", 2), ("Won", 3), ("Lost", 4)]
    assert stage(pipeline, "Qualify").probability == 10 and Stage.objects.get(pk=won.pk).probability == 100
    assert not FollowUpKindOption.objects.exists() and not DocumentCategory.objects.filter(code="nda").exists()


def test_pipeline_list_create_edit_deactivate_and_delete(client_for, admin, sales_rep):
    pipeline = make_pipeline()
    make_opportunity(sales_rep, pipeline)
    make_opportunity(sales_rep, pipeline)
    services.opportunity_won(opportunity=make_opportunity(sales_rep, pipeline), by=sales_rep)
    client = client_for(admin)
    listing = client.get("/settings/pipelines/")
    row = listing.context["pipelines"][0]
    assert (row.name, row.is_default, row.is_active, row.stage_count, row.open_count) == ("C17", True, True, 5, 2)

    created = client.post("/settings/pipelines/new/", {"name": "  渠道销售 ", "description": "经销商", "sort_order": 5,
                                                       "is_active": "on", "is_default": "on"})
    new = Pipeline.objects.get(name="渠道销售")
    assert created.status_code == 302 and created["Location"] == f"/settings/pipelines/{new.pk}/stages/"
    assert (new.description, new.sort_order, new.is_default, new.is_active) == ("经销商", 5, True, True)
    assert [(s.kind, s.probability) for s in new.stages.order_by("sort_order")] == [
        ("open", 10), ("open", 40), ("open", 70), ("won", 100), ("lost", 0)]
    assert Pipeline.objects.get(pk=pipeline.pk).is_default is False  # one default pipeline
    copied = client.post("/settings/pipelines/new/", {"name": "复制", "start_from": pipeline.pk, "is_active": "on"})
    assert copied.status_code == 302
    assert _names(Pipeline.objects.get(name="复制")) == _names(pipeline)

    duplicate = client.post("/settings/pipelines/new/", {"name": "渠道销售", "description": "我写的", "is_active": "on"})
    assert duplicate.status_code == 200 and "name" in duplicate.context["form"].errors
    assert "我写的" in duplicate.content.decode()  # what was typed stays
    assert Pipeline.objects.count() == 3

    # Deactivating a pipeline with open opportunities is allowed; it leaves the create form.
    saved = client.post(f"/settings/pipelines/{pipeline.pk}/", {"name": "C17", "description": "", "sort_order": 0})
    assert saved.status_code == 302
    assert Pipeline.objects.get(pk=pipeline.pk).is_active is False
    assert pipeline.pk not in [p.pk for p in OpportunityForm(user=sales_rep).fields["pipeline"].queryset]
    assert Opportunity.objects.filter(pipeline=pipeline).count() == 3
    refused = client.post(f"/settings/pipelines/{new.pk}/", {"name": "渠道销售", "is_default": "on", "sort_order": 5})
    assert refused.status_code == 200 and "is_active" in refused.context["form"].errors
    assert Pipeline.objects.get(pk=new.pk).is_active is True

    deleted = client.post(f"/settings/pipelines/{pipeline.pk}/", {"delete": "1"})
    assert deleted.status_code == 302
    assert _last_message(deleted) == ("The pipeline “C17” has 3 opportunities (2 open) and cannot be deleted; "
                                      "deactivate it instead.")
    assert Pipeline.objects.filter(pk=pipeline.pk).exists()
    copy = Pipeline.objects.get(name="复制")
    assert client.post(f"/settings/pipelines/{copy.pk}/", {"delete": "1"}).status_code == 302
    assert not Pipeline.objects.filter(pk=copy.pk).exists() and not Stage.objects.filter(pipeline_id=copy.pk).exists()


def test_stage_table_saves_all_rows_and_open_ones_follow(client_for, admin, sales_rep):
    pipeline = make_pipeline()
    negotiate = stage(pipeline, "Negotiate")
    following = make_opportunity(sales_rep, pipeline, stage=negotiate)
    by_hand = make_opportunity(sales_rep, pipeline, stage=negotiate, probability=90)
    category = DocumentCategory.objects.get(code="proposal")  # one of the built-in categories
    client = client_for(admin)
    response = client.post(f"/settings/pipelines/{pipeline.pk}/stages/", _table_post(
        pipeline, Negotiate={"name": "谈判", "probability": 60, "required_fields": ["amount", "contact"],
                             "requires_document": "on", "document_category": "proposal"},
        Qualify={"sort_order": 7}))
    assert response.status_code == 302
    negotiate.refresh_from_db()
    assert (negotiate.name, negotiate.probability, negotiate.required_fields, negotiate.requires_document,
            negotiate.document_category) == ("谈判", 60, ["amount", "contact"], True, category.code)
    assert _names(pipeline)[-1] == ("Qualify", 7)
    # An open stage's new probability rewrites its open opportunities, except those set by hand.
    got = dict(Opportunity.objects.values_list("pk", "probability"))
    assert got == {following.pk: 60, by_hand.pk: 90}


@pytest.mark.parametrize(("name", "fixed", "outcome"), [("Won", 100, "won"), ("Lost", 0, "lost")])
def test_won_and_lost_probability_refused_on_the_page_and_closed_ones_untouched(client_for, admin, sales_rep,
                                                                               name, fixed, outcome):
    """C17: the probability of the won / lost stage cannot change, and won / lost ones keep 100 / 0."""
    pipeline = make_pipeline()
    opportunity = make_opportunity(sales_rep, pipeline, amount="1000")
    if outcome == "won":
        closed = services.opportunity_won(opportunity=opportunity, by=sales_rep)
    else:
        closed = services.opportunity_lost(opportunity=opportunity, by=sales_rep, reason="价格")
    open_one = make_opportunity(sales_rep, pipeline)
    client = client_for(admin)
    response = client.post(f"/settings/pipelines/{pipeline.pk}/stages/", _table_post(
        pipeline, **{name: {"probability": 50}}, Qualify={"name": "我改的名字", "probability": 15}))
    assert response.status_code == 200
    terminal = stage(pipeline, name)
    form = response.context["formset"].form_for(terminal.pk)
    expected = (f"The probability of the {outcome} stage is always {fixed}; it cannot be changed.")
    assert form.errors["probability"] == [expected]
    assert f"Stage “{name}”, win probability (%): {expected}" in _messages(response)
    assert 'value="我改的名字"' in response.content.decode()  # the typed table stays
    assert terminal.probability == fixed
    assert (stage(pipeline, "Qualify").name, stage(pipeline, "Qualify").probability) == ("Qualify", 10)  # all or none
    closed.refresh_from_db()
    open_one.refresh_from_db()
    assert (closed.status, closed.probability, open_one.probability) == (outcome, fixed, 10)
    # Saving the table unchanged (the fixed value sent back) is fine and rewrites nothing.
    assert client.post(f"/settings/pipelines/{pipeline.pk}/stages/", _table_post(pipeline)).status_code == 302
    closed.refresh_from_db()
    assert (closed.status, closed.probability) == (outcome, fixed)


def test_won_probability_refused_by_the_api_with_the_field(admin):
    pipeline = make_pipeline()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(admin)
    won = stage(pipeline, "Won")
    refused = api.patch(f"/api/v1/stages/{won.pk}/", {"probability": 50}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"probability": ["The probability of the won stage is always 100; it cannot be changed."]}
    assert Stage.objects.get(pk=won.pk).probability == 100
    lost = stage(pipeline, "Lost")
    assert api.patch(f"/api/v1/stages/{lost.pk}/", {"probability": 5}, format="json").status_code == 400
    assert api.patch(f"/api/v1/stages/{lost.pk}/", {"probability": 0, "name": "输单"}, format="json").json()[
        "name"] == "输单"
    ok = api.patch(f"/api/v1/stages/{stage(pipeline, 'Propose').pk}/", {"probability": 45}, format="json")
    assert (ok.status_code, ok.json()["probability"]) == (200, 45)


def test_kind_change_only_while_empty_and_the_set_rule(client_for, admin, sales_rep):
    pipeline = make_pipeline()
    make_opportunity(sales_rep, pipeline)  # in Qualify
    client = client_for(admin)
    page = client.get(f"/settings/pipelines/{pipeline.pk}/stages/")
    assert page.context["formset"].form_for(stage(pipeline, "Qualify").pk).fields["kind"].disabled is True
    assert page.context["formset"].form_for(stage(pipeline, "Propose").pk).fields["kind"].disabled is False
    two_won = client.post(f"/settings/pipelines/{pipeline.pk}/stages/", _table_post(pipeline, Propose={"kind": "won"}))
    assert two_won.status_code == 200
    assert two_won.context["table_errors"] == ["A pipeline needs open stages, one won stage and one lost stage."]
    assert stage(pipeline, "Propose").kind == StageKind.OPEN


def test_up_down_reorder_add_and_remove(client_for, admin, sales_rep):
    pipeline = make_pipeline()
    client = client_for(admin)
    negotiate = stage(pipeline, "Negotiate")
    moved = client.post(f"/settings/stages/{negotiate.pk}/move/", {"direction": "up"})
    assert moved.status_code == 302 and moved["Location"] == f"/settings/pipelines/{pipeline.pk}/stages/#stage-{negotiate.pk}"
    assert _names(pipeline) == [("Qualify", 0), ("Negotiate", 1), ("Propose", 2), ("Won", 3), ("Lost", 4)]
    client.post(f"/settings/stages/{stage(pipeline, 'Qualify').pk}/move/", {"direction": "up"})  # already first
    client.post(f"/settings/stages/{stage(pipeline, 'Qualify').pk}/move/", {"direction": "down"})
    assert [n for n, _o in _names(pipeline)] == ["Negotiate", "Qualify", "Propose", "Won", "Lost"]
    services.stages_reorder(pipeline=pipeline, by=admin, order=[s.pk for s in pipeline.stages.order_by("-id")])
    assert [n for n, _o in _names(pipeline)] == ["Lost", "Won", "Negotiate", "Propose", "Qualify"]
    services.stages_reorder(pipeline=pipeline, by=admin, order=[stage(pipeline, n).pk for n in
                                                                ("Qualify", "Propose", "Negotiate", "Won", "Lost")])

    added = client.post(f"/settings/pipelines/{pipeline.pk}/stages/new/", {
        "add-name": "合同审批", "add-probability": 85, "add-required_fields": ["amount"]})
    assert added.status_code == 302
    assert _names(pipeline) == [("Qualify", 0), ("Propose", 1), ("Negotiate", 2), ("合同审批", 3), ("Won", 4),
                                ("Lost", 5)]
    new = stage(pipeline, "合同审批")
    assert (new.kind, new.probability, new.required_fields) == ("open", 85, ["amount"])
    same = client.post(f"/settings/pipelines/{pipeline.pk}/stages/new/", {"add-name": "Won", "add-probability": 1})
    assert same.status_code == 400 and same.context["add_form"].errors["name"] == ["Every stage needs a name of its own."]
    assert 'value="Won"' in same.content.decode()

    removed = client.post(f"/settings/stages/{new.pk}/delete/")
    assert removed.status_code == 302 and _last_message(removed) == "Stage “合同审批” was removed."
    assert [n for n, _o in _names(pipeline)] == ["Qualify", "Propose", "Negotiate", "Won", "Lost"]
    make_opportunity(sales_rep, pipeline, stage=stage(pipeline, "Propose"))
    make_opportunity(sales_rep, pipeline, stage=stage(pipeline, "Propose"))
    in_use = client.post(f"/settings/stages/{stage(pipeline, 'Propose').pk}/delete/")
    assert _last_message(in_use) == "The stage “Propose” has 2 opportunities; move them to another stage first."
    won = client.post(f"/settings/stages/{stage(pipeline, 'Won').pk}/delete/")
    assert _last_message(won) == "A pipeline needs its won and its lost stage; they cannot be removed."
    assert Stage.objects.filter(pipeline=pipeline).count() == 5


def test_stage_table_queries_do_not_grow_with_stages(client_for, admin, sales_rep):
    pipeline = make_pipeline()
    make_opportunity(sales_rep, pipeline)
    client = client_for(admin)
    url = f"/settings/pipelines/{pipeline.pk}/stages/"
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response

    few, response = count()
    assert len(response.context["formset"].forms) == 5
    for i in range(7):
        services.stage_create(pipeline=pipeline, by=system_user(), data={"name": f"S{i}", "probability": 50})
        make_opportunity(sales_rep, pipeline, stage=stage(pipeline, f"S{i}"))
    DocumentCategory.objects.create(code="extra", name="其他资料")
    many, response = count()
    assert len(response.context["formset"].forms) == 12
    assert few == many <= STAGE_TABLE_QUERIES
    counts = {f.stage.name: f.stage.opportunity_count for f in response.context["formset"].forms}
    assert (counts["Qualify"], counts["S3"], counts["Won"]) == (1, 1, 0)


def test_followup_kinds_create_edit_deactivate(client_for, admin):
    client = client_for(admin)
    created = client.post("/settings/followup-kinds/", {"code": "Lunch", "label": "饭局", "label_en": "Lunch",
                                                        "sort_order": 3, "is_active": "on"})
    assert created.status_code == 302
    option = FollowUpKindOption.objects.get()
    assert (option.code, option.label, option.label_en, option.sort_order, option.is_active) == (
        "lunch", "饭局", "Lunch", 3, True)
    assert ("lunch", "Lunch") in followup_kinds() or ("lunch", "饭局") in followup_kinds()
    builtin = client.post("/settings/followup-kinds/", {"code": "phone", "label": "电话2", "sort_order": 1})
    assert builtin.context["form"].errors["code"] == ["“phone” is a built-in follow-up kind."]
    assert "电话2" in builtin.content.decode() and FollowUpKindOption.objects.count() == 1
    saved = client.post(f"/settings/followup-kinds/{option.pk}/", {"code": "changed", "label": "商务宴请",
                                                                   "label_en": "", "sort_order": 9})
    assert saved.status_code == 302
    option.refresh_from_db()
    assert (option.code, option.label, option.label_en, option.sort_order, option.is_active) == (
        "lunch", "商务宴请", "", 9, False)
    assert "lunch" not in [code for code, _label in followup_kinds()]


def test_document_categories_create_edit_deactivate_and_stage_select(client_for, admin):
    pipeline = make_pipeline()
    client = client_for(admin)
    created = client.post("/settings/document-categories/", {"code": "quote", "name": "报价单", "name_en": "Quotation",
                                                             "sort_order": 5, "is_active": "on"})
    assert created.status_code == 302
    category = DocumentCategory.objects.get(code="quote")
    assert (category.name, category.name_en, category.sort_order, category.is_active) == ("报价单", "Quotation", 5, True)
    duplicate = client.post("/settings/document-categories/", {"code": "quote", "name": "重复", "sort_order": 1})
    assert duplicate.context["form"].errors["code"] == ["A document category with the code “quote” exists."]
    page = client.get(f"/settings/pipelines/{pipeline.pk}/stages/")
    choices = dict(page.context["formset"].forms[0].fields["document_category"].choices)
    assert "quote" in choices
    saved = client.post(f"/settings/document-categories/{category.pk}/", {"name": "报价", "name_en": "Quote",
                                                                          "sort_order": 6, "is_active": "on"})
    assert saved.status_code == 302
    category.refresh_from_db()
    assert (category.code, category.name, category.name_en, category.sort_order) == ("quote", "报价", "Quote", 6)
    off = client.post(f"/settings/document-categories/{category.pk}/", {"deactivate": "1"})
    assert off.status_code == 302 and DocumentCategory.objects.get(pk=category.pk).is_active is False
    refused = client.post(f"/settings/pipelines/{pipeline.pk}/stages/", _table_post(
        pipeline, Propose={"document_category": "quote"}))
    assert refused.status_code == 200 and stage(pipeline, "Propose").document_category == ""
