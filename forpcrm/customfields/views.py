"""Settings pages for user-defined fields and picklists."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from forpcrm.core.htmx import SERVICE_ERRORS, render_page, report_error
from forpcrm.org.views import settings_context, settings_page

from . import services
from .forms import FieldDefinitionForm, PicklistOptionForm, options_to_text
from .models import Entity, FieldDefinition, PicklistKind, PicklistOption


def _entity(request) -> str:
    entity = request.GET.get("entity", Entity.CUSTOMER)
    return entity if entity in Entity.values else Entity.CUSTOMER


@settings_page
def field_list(request):
    entity = _entity(request)
    definitions = FieldDefinition.objects.filter(entity=entity).order_by("sort_order", "id")
    return render_page(request, "customfields/field_list.html", settings_context(
        request, "fields", definitions=definitions, entity=entity, entities=Entity.choices))


@settings_page
def field_edit(request, pk: int | None = None):
    definition = None
    if pk is not None:
        definition = FieldDefinition.objects.filter(pk=pk).first()
        if definition is None:
            raise Http404(_("Not found."))
        initial = {
            "entity": definition.entity, "code": definition.code, "label": definition.label,
            "label_en": definition.label_en, "field_type": definition.field_type, "required": definition.required,
            "default": "" if definition.default is None else (
                ", ".join(definition.default) if isinstance(definition.default, list) else definition.default),
            "help_text": definition.help_text, "sort_order": definition.sort_order,
            "show_in_list": definition.show_in_list, "is_searchable": definition.is_searchable,
            "is_active": definition.is_active, "options_text": options_to_text(definition.options),
        }
    else:
        initial = {"entity": _entity(request), "is_active": True, "sort_order": 0}
    form = FieldDefinitionForm(request.POST or None, initial=initial, instance=definition)
    if request.method == "POST" and form.is_valid():
        try:
            if definition is None:
                definition = services.field_definition_create(
                    by=request.user, entity=form.cleaned_data["entity"], code=form.cleaned_data["code"],
                    data=form.data_for_service())
            else:
                services.field_definition_update(definition=definition, by=request.user,
                                                 data=form.data_for_service())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form, aliases={"options": "options_text"})
            if pk is None:
                definition = None
        else:
            messages.success(request, _("Field “%(label)s” was saved.") % {"label": form.cleaned_data["label"]})
            return redirect(f"{_list_url()}?entity={form.cleaned_data['entity']}")
    return render_page(request, "customfields/field_form.html",
                       settings_context(request, "fields", form=form, definition=definition))


def _list_url():
    return reverse("customfields:field_list")


@settings_page
def field_deactivate(request, pk: int):
    definition = FieldDefinition.objects.filter(pk=pk).first()
    if definition is None:
        raise Http404(_("Not found."))
    if request.method == "POST":
        try:
            services.field_definition_deactivate(definition=definition, by=request.user)
        except SERVICE_ERRORS as exc:
            report_error(request, exc)
        else:
            messages.success(request, _("Field “%(label)s” was deactivated.") % {"label": definition.display_label})
    return redirect(f"{_list_url()}?entity={definition.entity}")


def _kind(request) -> str:
    kind = request.GET.get("kind", PicklistKind.INDUSTRY)
    return kind if kind in PicklistKind.values else PicklistKind.INDUSTRY


@settings_page
def picklist_list(request):
    kind = _kind(request)
    form = PicklistOptionForm(request.POST or None, initial={"kind": kind, "is_active": True, "sort_order": 0})
    if request.method == "POST" and form.is_valid():
        try:
            option = services.picklist_option_create(by=request.user, kind=form.cleaned_data["kind"],
                                                     value=form.cleaned_data["value"], data=form.data_for_service())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Value “%(value)s” was added.") % {"value": option.value})
            return redirect(f"{request.path}?kind={option.kind}")
    options = PicklistOption.objects.filter(kind=kind).order_by("sort_order", "id")
    return render_page(request, "customfields/picklist_list.html", settings_context(
        request, "picklists", options=options, kind=kind, kinds=PicklistKind.choices, form=form))


@settings_page
def picklist_edit(request, pk: int):
    option = PicklistOption.objects.filter(pk=pk).first()
    if option is None:
        raise Http404(_("Not found."))
    initial = {k: getattr(option, k) for k in ("kind", "value", "label", "label_en", "sort_order", "is_active")}
    form = PicklistOptionForm(request.POST or None, initial=initial, instance=option)
    if request.method == "POST" and form.is_valid():
        try:
            services.picklist_option_update(option=option, by=request.user, data=form.data_for_service())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Value “%(value)s” was saved.") % {"value": option.value})
            return redirect(f"{reverse('customfields:picklist_list')}?kind={option.kind}")
    return render_page(request, "customfields/picklist_form.html",
                       settings_context(request, "picklists", form=form, option=option))
