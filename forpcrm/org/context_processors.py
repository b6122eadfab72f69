from .access import has_perm
from .models import Action, Module


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "customers": has_perm(user, Module.CUSTOMERS, Action.VIEW),
            "contacts": has_perm(user, Module.CONTACTS, Action.VIEW),
            "pool": has_perm(user, Module.POOL, Action.VIEW),
            "opportunities": has_perm(user, Module.OPPORTUNITIES, Action.VIEW),
            "imports": has_perm(user, Module.IMPORTS, Action.VIEW) or has_perm(user, Module.CUSTOMERS, Action.IMPORT),
            "administration": has_perm(user, Module.ADMINISTRATION, Action.VIEW),
        }
    }
