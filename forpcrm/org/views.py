"""Organisation pages: login, profile, home, and the settings area (departments, users, roles)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from forpcrm.core.htmx import SERVICE_ERRORS, render_page, report_error
from forpcrm.org.access import require_page_perm

from . import services_admin
from .access import has_perm
from .forms import DepartmentForm, LoginForm, PasswordSetForm, ProfileForm, RoleForm, UserForm
from .models import Action, DataScope, Department, Module, Role, User

# Other apps add panels to the home page (a callable(request) -> dict with "template" and context),
# so org never imports the apps above it.
HOME_PANELS: list[Callable] = []

# Other apps add links to the settings menu: (url name, label, required Module/Action).
SETTINGS_LINKS: list[tuple[str, str]] = []


def register_home_panel(panel: Callable) -> None:
    if panel not in HOME_PANELS:
        HOME_PANELS.append(panel)


def register_settings_link(url_name: str, label) -> None:
    if (url_name, label) not in SETTINGS_LINKS:
        SETTINGS_LINKS.append((url_name, label))


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("org:login")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "org/password_reset.html"
    email_template_name = "org/password_reset_email.txt"
    subject_template_name = "org/password_reset_subject.txt"
    success_url = reverse_lazy("org:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "org/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "org/password_reset_confirm.html"
    success_url = reverse_lazy("org:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "org/password_reset_complete.html"


@login_required
def home(request):
    panels = []
    for panel in HOME_PANELS:
        result = panel(request)
        if result:
            panels.append(result)
    return render_page(request, "org/home.html", {"panels": panels, "nav_active": "home"})


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services_admin.profile_update(user=user, language=form.cleaned_data["language"],
                                              time_zone=form.cleaned_data["time_zone"])
            except SERVICE_ERRORS as exc:
                report_error(request, exc, form)
            else:
                messages.success(request, _("Your profile was saved."))
                response = redirect("org:profile")
                response.set_cookie("django_language", user.language)
                return response
    else:
        form = ProfileForm(initial={"language": user.language or "zh-hans", "time_zone": user.time_zone})
    return render_page(request, "org/profile.html", {"form": form})


@require_POST
def set_language(request):
    """Switch the language; a signed-in user keeps it (saved on the user)."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in services_admin.LANGUAGES:
        services_admin.profile_update(user=request.user, language=language)
    return django_set_language(request)


# --- settings area -------------------------------------------------------------------------------

def settings_page(view):
    """Settings pages need administration view; their POSTs need administration configure."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        require_page_perm(request.user, Module.ADMINISTRATION, Action.VIEW)
        if request.method == "POST":
            require_page_perm(request.user, Module.ADMINISTRATION, Action.CONFIGURE)
        elif request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "POST"])
        return view(request, *args, **kwargs)

    return wrapper


def settings_context(request, active: str, **extra) -> dict:
    return {
        "nav_active": "settings",
        "settings_active": active,
        "settings_links": SETTINGS_LINKS,
        "can_configure": has_perm(request.user, Module.ADMINISTRATION, Action.CONFIGURE),
        **extra,
    }


@settings_page
def settings_index(request):
    return redirect("org:department_list")


def _department_tree(departments: list[Department]) -> list[dict]:
    nodes = {d.pk: {"department": d, "children": []} for d in departments}
    roots = []
    for d in departments:
        parent = nodes.get(d.parent_id)
        (parent["children"] if parent else roots).append(nodes[d.pk])
    return roots


@settings_page
def department_list(request):
    departments = list(
        Department.objects.select_related("manager").annotate(
            member_count=Count("members", filter=Q(members__is_active=True))
        ).order_by("path", "id")
    )
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services_admin.department_add(by=request.user, name=form.cleaned_data["name"],
                                                       parent=form.cleaned_data["parent"])
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Department “%(name)s” was created.") % {"name": department.name})
            return redirect("org:department_list")
    return render_page(request, "org/settings/departments.html", settings_context(
        request, "departments", tree=_department_tree(departments), form=form))


def _department_or_404(pk) -> Department:
    department = Department.objects.filter(pk=pk).first()
    if department is None:
        raise Http404(_("Not found."))
    return department


@settings_page
def department_edit(request, pk: int):
    department = _department_or_404(pk)
    initial = {"name": department.name, "parent": department.parent_id, "is_active": department.is_active}
    form = DepartmentForm(request.POST or None, initial=initial, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            services_admin.department_update(
                department=department, by=request.user, name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"], is_active=form.cleaned_data["is_active"],
            )
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Department “%(name)s” was saved.") % {"name": form.cleaned_data["name"]})
            return redirect("org:department_list")
    return render_page(request, "org/settings/department_form.html",
                       settings_context(request, "departments", form=form, department=department))


USER_PAGE_SIZES = (25, 50, 100)


@settings_page
def user_list(request):
    params = request.GET
    users = User.objects.select_related("department", "manager").prefetch_related(
        Prefetch("roles", queryset=Role.objects.order_by("id"))
    )
    q = params.get("q", "").strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q) | Q(email__icontains=q)
                             | Q(phone__icontains=q))
    if params.get("department", "").isdigit():
        path = Department.objects.filter(pk=int(params["department"])).values_list("path", flat=True).first() or "-"
        users = users.filter(department__path__startswith=path)
    if params.get("role", "").isdigit():
        users = users.filter(roles__id=int(params["role"]))
    if params.get("active") in ("1", "0"):
        users = users.filter(is_active=params["active"] == "1")
    users = users.order_by("username", "id")
    try:
        page_size = int(params.get("page_size", 25))
    except ValueError:
        page_size = 25
    page_size = page_size if page_size in USER_PAGE_SIZES else 25
    page = Paginator(users, page_size).get_page(params.get("page"))
    context = settings_context(
        request, "users", page_obj=page, users=page.object_list, page_size=page_size, page_sizes=USER_PAGE_SIZES,
        departments=Department.objects.order_by("path"), roles=Role.objects.order_by("id"), q=q,
    )
    return render_page(request, "org/settings/users.html", context, fragment="org/settings/users_table.html")


def _user_data(form: UserForm) -> dict:
    data = {k: form.cleaned_data[k] for k in ("display_name", "email", "phone", "department", "manager",
                                              "roles", "is_active")}
    data["username"] = form.cleaned_data.get("username")
    return data


@settings_page
def user_create(request):
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services_admin.user_add(by=request.user, data=_user_data(form),
                                           password=form.cleaned_data["password"])
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("User “%(name)s” was created.") % {"name": user})
            return redirect("org:user_list")
    return render_page(request, "org/settings/user_form.html", settings_context(request, "users", form=form))


def _user_or_404(pk) -> User:
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise Http404(_("Not found."))
    return user


@settings_page
def user_edit(request, pk: int):
    target = _user_or_404(pk)
    initial = {
        "username": target.username, "display_name": target.display_name, "email": target.email,
        "phone": target.phone, "department": target.department_id, "manager": target.manager_id,
        "roles": list(target.roles.values_list("id", flat=True)), "is_active": target.is_active,
    }
    form = UserForm(request.POST or None, initial=initial, instance=target)
    if request.method == "POST" and form.is_valid():
        data = _user_data(form)
        data.pop("username")
        try:
            services_admin.user_update(user=target, by=request.user, data=data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("User “%(name)s” was saved.") % {"name": target})
            return redirect("org:user_list")
    return render_page(request, "org/settings/user_form.html", settings_context(
        request, "users", form=form, target=target, password_form=PasswordSetForm()))


@settings_page
def user_password(request, pk: int):
    target = _user_or_404(pk)
    if request.method != "POST":
        return redirect("org:user_edit", pk=target.pk)
    form = PasswordSetForm(request.POST)
    if form.is_valid():
        try:
            services_admin.user_password_set(user=target, by=request.user, password=form.cleaned_data["password"])
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("The password of “%(name)s” was reset.") % {"name": target})
    else:
        for errors in form.errors.values():
            messages.error(request, _("%(field)s: %(errors)s") % {"field": _("New password"), "errors": " ".join(errors)})
    return redirect("org:user_edit", pk=target.pk)


@settings_page
def role_list(request):
    roles = Role.objects.annotate(user_count=Count("users", distinct=True)).prefetch_related("grants").order_by("id")
    return render_page(request, "org/settings/roles.html", settings_context(
        request, "roles", roles=roles, modules=Module.choices, scope_labels=dict(DataScope.choices)))


def _role_or_404(pk) -> Role:
    role = Role.objects.filter(pk=pk).first()
    if role is None:
        raise Http404(_("Not found."))
    return role


@settings_page
def role_edit(request, pk: int | None = None):
    role = _role_or_404(pk) if pk is not None else None
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            if role is None:
                role = services_admin.role_add(by=request.user, code=cd["code"], name=cd["name"])
            services_admin.role_update(
                role=role, by=request.user, name=cd["name"], name_en=cd["name_en"], description=cd["description"],
                max_owned_customers=cd["max_owned_customers"], grants=form.grants(),
            )
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Role “%(name)s” was saved.") % {"name": role.name})
            return redirect("org:role_list")
    return render_page(request, "org/settings/role_form.html",
                       settings_context(request, "roles", form=form, role=role))

