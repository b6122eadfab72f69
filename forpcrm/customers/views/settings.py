"""Settings page for the public-pool rules (part of the administration area)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forpcrm.core.htmx import SERVICE_ERRORS, render_page, report_error
from forpcrm.customers import services_config
from forpcrm.customers.forms import picklist_choices, style
from forpcrm.customers.models import PoolRule
from forpcrm.customfields.models import PicklistKind
from forpcrm.org.views import settings_context, settings_page


class PoolRuleForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("Customer level"), required=False,
                              help_text=gettext_lazy("Empty: the default rule for every other level."))
    days_without_followup = forms.IntegerField(label=gettext_lazy("Days without a follow-up"), required=False,
                                               min_value=1)
    days_without_won = forms.IntegerField(label=gettext_lazy("Days without a won deal"), required=False, min_value=1)
    exempt_won_customers = forms.BooleanField(label=gettext_lazy("Won customers are exempt"), required=False,
                                              initial=True)
    reclaim_block_days = forms.IntegerField(label=gettext_lazy("Days before the previous owner may reclaim"),
                                            min_value=0, initial=0)
    warn_days_before = forms.IntegerField(label=gettext_lazy("Warn the owner this many days before"), min_value=0,
                                          initial=0)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = (self.data.get("level") if self.is_bound else self.initial.get("level")) or ""
        self.fields["level"].choices = [("", _("(default)")), *picklist_choices(PicklistKind.LEVEL, current)[1:]]
        style(self)


def _rule_or_404(pk) -> PoolRule:
    rule = PoolRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404(_("Not found."))
    return rule


@settings_page
def poolrule_list(request):
    form = PoolRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_config.pool_rule_create(by=request.user, data=form.cleaned_data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("The pool rule was saved."))
            return redirect("customers:poolrule_list")
    rules = PoolRule.objects.order_by("level", "id")
    return render_page(request, "customers/settings/poolrules.html",
                       settings_context(request, "pool_rules", rules=rules, form=form))


@settings_page
def poolrule_edit(request, pk: int):
    rule = _rule_or_404(pk)
    initial = {k: getattr(rule, k) for k in services_config.POOL_RULE_FIELDS}
    form = PoolRuleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete") == "1":
            try:
                services_config.pool_rule_delete(rule=rule, by=request.user)
            except SERVICE_ERRORS as exc:
                report_error(request, exc)
            else:
                messages.success(request, _("The pool rule was deleted."))
            return redirect("customers:poolrule_list")
        if form.is_valid():
            try:
                services_config.pool_rule_update(rule=rule, by=request.user, data=form.cleaned_data)
            except SERVICE_ERRORS as exc:
                report_error(request, exc, form)
            else:
                messages.success(request, _("The pool rule was saved."))
                return redirect("customers:poolrule_list")
    return render_page(request, "customers/settings/poolrule_form.html",
                       settings_context(request, "pool_rules", form=form, rule=rule))
