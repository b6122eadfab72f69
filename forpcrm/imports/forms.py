"""Forms of the import wizard."""

from django import forms
from django.utils.translation import gettext_lazy as _

from forpcrm.core.parsing import DAY_FIRST, MONTH_FIRST

from .models import ImportMode


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=_("Import"))
    file = forms.FileField(label=_("File (CSV or .xlsx)"))
    preset = forms.ChoiceField(label=_("Mapping preset"), required=False)

    def __init__(self, *args, entities=(), presets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = list(entities)
        self.fields["preset"].choices = [("", _("automatic (by column headers)")), *presets]


class OptionsForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices)
    match_on = forms.MultipleChoiceField(label=_("Match existing records on"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    date_order = forms.ChoiceField(label=_("Dates like 07/03/2019 are"), choices=[
        (DAY_FIRST, _("day first (7 March)")), (MONTH_FIRST, _("month first (3 July)"))])
    atomic = forms.BooleanField(label=_("All or nothing (any error: nothing is written)"), required=False)
    save_as = forms.CharField(label=_("Save the mapping as a preset named"), required=False, max_length=100)

    def __init__(self, *args, match_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["match_on"].choices = [(k, str(label)) for k, label in match_choices]
