"""Forms of the sales settings pages: pipelines, the stage table, follow-up kinds, document categories.

They only collect input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forpcrm.customers.forms import style
from forpcrm.documents.models import DocumentCategory

from .models import REQUIRABLE_FIELDS, Pipeline, StageKind
from .services import document_category_label


def category_choices(categories: list[DocumentCategory], current: str = "") -> list[tuple[str, str]]:
    """("", any) + the active categories by code, shown by their label in the current language; a stored
    value that is not among them stays selectable."""
    choices = [("", str(_("(any document)")))] + [(c.code, str(c)) for c in categories]
    if current and current not in {c.code for c in categories}:
        choices.append((current, document_category_label(current)))
    return choices


def _requirable_choices() -> list[tuple[str, str]]:
    return [(key, label) for key, label in REQUIRABLE_FIELDS.items()]


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    sort_order = forms.IntegerField(label=_("order"), required=False,
                                    help_text=_("Pipelines are listed by this number."))
    is_default = forms.BooleanField(label=_("default pipeline"), required=False)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True,
                                   help_text=_("An inactive pipeline keeps its opportunities but is not offered "
                                               "for new ones."))

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["start_from"] = forms.ModelChoiceField(
                label=_("stages"), required=False, queryset=Pipeline.objects.order_by("sort_order", "id"),
                empty_label=_("the standard stages"), help_text=_("Copy the stages of another pipeline, or start "
                                                                  "with the standard ones. You can change them next."))
        style(self)

    def service_data(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("name", "description", "sort_order", "is_default", "is_active")}


def stage_initial(stage) -> dict:
    return {"id": stage.pk, "name": stage.name, "sort_order": stage.sort_order, "kind": stage.kind,
            "probability": stage.probability, "required_fields": list(stage.required_fields or []),
            "requires_document": stage.requires_document, "document_category": stage.document_category}


class StageRowForm(forms.Form):
    """One row of the stage table."""

    id = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("name"), max_length=100)
    sort_order = forms.IntegerField(label=_("order"))
    kind = forms.ChoiceField(label=_("kind"), choices=StageKind.choices)
    probability = forms.IntegerField(label=_("win probability (%)"), min_value=0, max_value=100)
    required_fields = forms.MultipleChoiceField(label=_("required fields"), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    requires_document = forms.BooleanField(label=_("requires an attached document"), required=False)
    document_category = forms.ChoiceField(label=_("required document category"), required=False)

    def __init__(self, *args, stage=None, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.stage = stage
        if stage is not None:
            self.initial = stage_initial(stage)
        self.fields["required_fields"].choices = _requirable_choices()
        current = (self.data.get(self.add_prefix("document_category")) if self.is_bound
                   else self.initial.get("document_category")) or ""
        if stage is not None and not current:
            current = stage.document_category
        self.fields["document_category"].choices = category_choices(list(categories), current or "")
        if stage is not None and getattr(stage, "in_use", 0):
            # Opportunities follow their stage's kind: it changes only while the stage is empty.
            self.fields["kind"].disabled = True
        style(self)
        for name in ("name", "sort_order", "probability", "kind", "document_category"):
            widget = self.fields[name].widget
            small = " form-select-sm" if name in ("kind", "document_category") else " form-control-sm"
            widget.attrs["class"] = widget.attrs.get("class", "") + small
            widget.attrs["aria-label"] = self.fields[name].label
        self.fields["sort_order"].widget.attrs["style"] = "width: 5em"
        self.fields["probability"].widget.attrs["style"] = "width: 5em"

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.fields["kind"].disabled:
            data.pop("kind", None)
        return data


class BaseStageFormSet(forms.BaseFormSet):
    def __init__(self, *args, stages=(), categories=(), **kwargs):
        self.stages = list(stages)
        self.categories = list(categories)
        self._by_id = {str(s.pk): s for s in self.stages}
        kwargs.setdefault("initial", [stage_initial(s) for s in self.stages])
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        stage = None
        if index is not None and self.is_bound:
            stage = self._by_id.get(str(self.data.get(f"{self.prefix}-{index}-id")))
        elif index is not None and index < len(self.stages):
            stage = self.stages[index]
        kwargs["stage"] = stage
        kwargs["categories"] = self.categories
        return kwargs

    def form_for(self, stage_id: int) -> StageRowForm | None:
        for form in self.forms:
            value = form.data.get(form.add_prefix("id")) if form.is_bound else form.initial.get("id")
            if str(value) == str(stage_id):
                return form
        return None


StageFormSet = forms.formset_factory(StageRowForm, formset=BaseStageFormSet, extra=0, max_num=200,
                                     validate_max=True)


class StageAddForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    probability = forms.IntegerField(label=_("win probability (%)"), min_value=0, max_value=100, initial=0)
    required_fields = forms.MultipleChoiceField(label=_("required fields"), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    requires_document = forms.BooleanField(label=_("requires an attached document"), required=False)
    document_category = forms.ChoiceField(label=_("required document category"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, prefix="add", **kwargs)
        self.fields["required_fields"].choices = _requirable_choices()
        self.fields["document_category"].choices = category_choices(list(categories))
        style(self)


class FollowUpKindForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=30,
                           help_text=_("Letters, digits, hyphens or underscores; it cannot change later."))
    label = forms.CharField(label=_("Chinese label"), max_length=60)
    label_en = forms.CharField(label=_("English label"), max_length=60, required=False)
    sort_order = forms.IntegerField(label=_("order"), required=False, initial=0)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("Follow-ups keep the code; it cannot change.")
        style(self)


class DocumentCategoryForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=40,
                           help_text=_("Letters, digits, hyphens or underscores; it cannot change later."))
    name = forms.CharField(label=_("Chinese name"), max_length=60)
    name_en = forms.CharField(label=_("English name"), max_length=60, required=False)
    sort_order = forms.IntegerField(label=_("order"), required=False, initial=100)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("Stage rules and imports use the code; it cannot change.")
        style(self)
