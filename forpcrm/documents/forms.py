"""Page forms of the documents app (the services validate again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .mailmerge import merge_fields
from .models import EmailTemplate


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class EmailComposeForm(forms.Form):
    # Chosen with "Fill in from the template" above the form (which fills subject and body); kept here
    # only to log which template the message came from.
    template = forms.ModelChoiceField(label=_("Template"), queryset=EmailTemplate.objects.none(), required=False,
                                      widget=forms.HiddenInput)
    to = forms.CharField(label=_("To"), max_length=2000, help_text=_("Several addresses separated by commas."))
    cc = forms.CharField(label=_("Cc"), max_length=2000, required=False)
    contacts = forms.MultipleChoiceField(label=_("Contacts"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 12}))
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, contacts=(), templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates
        self.contact_map = {str(c.pk): c for c in contacts}
        self.fields["contacts"].choices = [(str(c.pk), f"{c.name} <{c.email}>" if c.email else c.name)
                                           for c in contacts]
        for name, field in self.fields.items():
            if field.widget.is_hidden:
                continue
            css = "form-select" if name == "contacts" else "form-control"
            field.widget.attrs.setdefault("class", css)

    def chosen_contacts(self) -> list:
        return [self.contact_map[pk] for pk in self.cleaned_data.get("contacts") or [] if pk in self.contact_map]


class EmlImportForm(forms.Form):
    file = forms.FileField(label=_("E-mail file (.eml)"), widget=forms.ClearableFileInput(
        attrs={"accept": ".eml,message/rfc822", "class": "form-control"}))


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "subject", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = ", ".join("{{ %s }}" % name for name in merge_fields())  # noqa: UP031 - braces are literal
        self.fields["body"].help_text = _("Merge fields: %(fields)s") % {"fields": fields}
        for name, field in self.fields.items():
            if name != "is_active":
                field.widget.attrs.setdefault("class", "form-control")
            else:
                field.widget.attrs.setdefault("class", "form-check-input")
