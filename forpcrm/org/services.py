"""Writes for departments, users and roles."""

from django.db import transaction
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError

from .models import PATH_STEP, Action, DataScope, Department, Module, Role, RoleGrant, User


def _segment(pk: int) -> str:
    return f"{pk:0{PATH_STEP}d}/"


@transaction.atomic
def department_create(*, name: str, parent: Department | None = None, sort_order: int = 0) -> Department:
    if not name.strip():
        raise ApplicationError(_("A department needs a name."), code="name_required")
    department = Department.objects.create(name=name.strip(), parent=parent, sort_order=sort_order)
    department.path = (parent.path if parent else "") + _segment(department.pk)
    department.depth = (parent.depth + 1) if parent else 0
    department.save(update_fields=["path", "depth"])
    return department


@transaction.atomic
def department_move(*, department: Department, parent: Department | None) -> Department:
    """Re-parent a department; rewrites the paths of its whole subtree."""
    if parent and parent.path.startswith(department.path):
        raise ApplicationError(_("A department cannot be moved under itself."), code="department_cycle")
    old_path = department.path
    new_path = (parent.path if parent else "") + _segment(department.pk)
    depth_shift = ((parent.depth + 1) if parent else 0) - department.depth
    for node in Department.objects.select_for_update().filter(path__startswith=old_path):
        node.path = new_path + node.path[len(old_path):]
        node.depth += depth_shift
        if node.pk == department.pk:
            node.parent = parent
        node.save(update_fields=["path", "depth", "parent"])
    department.refresh_from_db()
    return department


def department_get_or_create_path(*, names: list[str]) -> Department:
    """Find or create a chain of departments by name from the root, e.g. ["总部", "销售中心", "华东大区"]."""
    parent = None
    for name in names:
        found = Department.objects.filter(parent=parent, name=name).first()
        parent = found or department_create(name=name, parent=parent)
    if parent is None:
        raise ApplicationError(_("A department path needs at least one name."), code="name_required")
    return parent


@transaction.atomic
def user_create(
    *, username: str, password: str | None = None, email: str = "", display_name: str = "",
    department: Department | None = None, manager: User | None = None, roles: list[Role] | None = None,
    phone: str = "", is_superuser: bool = False, language: str = "",
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("The username “%(name)s” is taken.") % {"name": username}, code="username_taken")
    if email and User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(_("The e-mail “%(email)s” is taken.") % {"email": email}, code="email_taken")
    user = User(
        username=username, email=email, display_name=display_name, department=department, manager=manager,
        phone=phone, is_superuser=is_superuser, is_staff=is_superuser, language=language,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if roles:
        user.roles.set(roles)
    return user


ALL = list(Action.values)
VIEW = [Action.VIEW]
SALES_ACTIONS = [Action.VIEW, Action.CREATE, Action.EDIT, Action.EXPORT, Action.TRANSFER]

# Built-in role templates: (code, zh name, en name, {module: (actions, scope)}, owned-customer cap).
ROLE_TEMPLATES: list[tuple[str, str, str, dict[str, tuple[list[str], DataScope]], int | None]] = [
    ("admin", "系统管理员", "System administrator", dict.fromkeys(Module.values, (ALL, DataScope.ALL)), None),
    ("sales_director", "销售总监", "Sales director", {
        Module.CUSTOMERS: ([*SALES_ACTIONS, Action.DELETE, Action.IMPORT], DataScope.DEPARTMENT_TREE),
        Module.CONTACTS: ([Action.VIEW, Action.CREATE, Action.EDIT, Action.DELETE, Action.EXPORT], DataScope.DEPARTMENT_TREE),
        Module.POOL: ([Action.VIEW, Action.TRANSFER, Action.CONFIGURE], DataScope.ALL),
        Module.IMPORTS: ([Action.VIEW, Action.IMPORT, Action.EXPORT], DataScope.DEPARTMENT_TREE),
        Module.OPPORTUNITIES: ([*SALES_ACTIONS, Action.DELETE, Action.IMPORT], DataScope.DEPARTMENT_TREE),
        Module.PRODUCTS: ([Action.VIEW, Action.CREATE, Action.EDIT, Action.EXPORT], DataScope.ALL),
        Module.ACTIVITIES: ([*SALES_ACTIONS, Action.DELETE], DataScope.DEPARTMENT_TREE),
        Module.REPORTS: ([Action.VIEW, Action.CREATE, Action.EDIT, Action.EXPORT, Action.CONFIGURE],
                         DataScope.DEPARTMENT_TREE),
        Module.LEADS: ([*SALES_ACTIONS, Action.DELETE, Action.IMPORT], DataScope.DEPARTMENT_TREE),
    }, None),
    ("sales_manager", "销售经理", "Sales manager", {
        Module.CUSTOMERS: ([*SALES_ACTIONS, Action.DELETE, Action.IMPORT], DataScope.OWN_AND_SUBORDINATES),
        Module.CONTACTS: ([Action.VIEW, Action.CREATE, Action.EDIT, Action.DELETE, Action.EXPORT], DataScope.OWN_AND_SUBORDINATES),
        Module.POOL: ([Action.VIEW, Action.TRANSFER], DataScope.DEPARTMENT_TREE),
        Module.IMPORTS: ([Action.VIEW, Action.IMPORT, Action.EXPORT], DataScope.OWN_AND_SUBORDINATES),
        Module.OPPORTUNITIES: ([*SALES_ACTIONS, Action.DELETE, Action.IMPORT], DataScope.OWN_AND_SUBORDINATES),
        Module.PRODUCTS: (VIEW, DataScope.ALL),
        Module.ACTIVITIES: ([*SALES_ACTIONS, Action.DELETE], DataScope.OWN_AND_SUBORDINATES),
        Module.REPORTS: ([Action.VIEW, Action.CREATE, Action.EDIT, Action.EXPORT], DataScope.OWN_AND_SUBORDINATES),
        Module.LEADS: ([*SALES_ACTIONS, Action.DELETE, Action.IMPORT], DataScope.OWN_AND_SUBORDINATES),
    }, 500),
    ("sales_rep", "销售代表", "Sales representative", {
        Module.CUSTOMERS: ([Action.VIEW, Action.CREATE, Action.EDIT, Action.EXPORT], DataScope.OWN),
        Module.CONTACTS: ([Action.VIEW, Action.CREATE, Action.EDIT, Action.DELETE], DataScope.OWN),
        Module.POOL: ([Action.VIEW], DataScope.DEPARTMENT),
        Module.OPPORTUNITIES: ([Action.VIEW, Action.CREATE, Action.EDIT, Action.EXPORT], DataScope.OWN),
        Module.PRODUCTS: (VIEW, DataScope.ALL),
        Module.ACTIVITIES: ([Action.VIEW, Action.CREATE, Action.EDIT], DataScope.OWN),
        Module.REPORTS: ([Action.VIEW, Action.CREATE, Action.EDIT], DataScope.OWN),
        Module.LEADS: ([Action.VIEW, Action.CREATE, Action.EDIT], DataScope.OWN),
    }, 200),
    ("finance", "财务", "Finance", {
        Module.CUSTOMERS: (VIEW, DataScope.ALL),
        Module.CONTACTS: (VIEW, DataScope.ALL),
    }, None),
    ("delivery", "交付", "Delivery", {
        Module.CUSTOMERS: (VIEW, DataScope.DEPARTMENT_TREE),
        Module.CONTACTS: (VIEW, DataScope.DEPARTMENT_TREE),
    }, None),
    ("customer_service", "客服", "Customer service", {
        Module.CUSTOMERS: ([Action.VIEW, Action.EDIT], DataScope.ALL),
        Module.CONTACTS: ([Action.VIEW, Action.CREATE, Action.EDIT], DataScope.ALL),
    }, None),
]


@transaction.atomic
def role_templates_install() -> dict[str, Role]:
    """Create the built-in roles if missing (existing roles keep their edits). Idempotent."""
    roles = {}
    for code, name, name_en, grants, cap in ROLE_TEMPLATES:
        role, created = Role.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "is_builtin": True, "max_owned_customers": cap}
        )
        if created:
            RoleGrant.objects.bulk_create(
                RoleGrant(role=role, module=str(module), actions=[str(a) for a in actions], scope=scope)
                for module, (actions, scope) in grants.items()
            )
        roles[code] = role
    return roles


@transaction.atomic
def role_grant_set(*, role: Role, module: str, actions: list[str], scope: int) -> RoleGrant:
    unknown = set(actions) - set(Action.values)
    if module not in Module.values or unknown:
        raise ApplicationError(_("Unknown module or action."), code="invalid_grant")
    grant, _created = RoleGrant.objects.update_or_create(
        role=role, module=module, defaults={"actions": sorted(actions), "scope": int(scope)}
    )
    return grant
