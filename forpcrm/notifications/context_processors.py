"""The header bell: the unread count, fetched lazily (one query, only when a page shows the bell)."""

from django.utils.functional import cached_property

from .selectors import unread_count


class Bell:
    def __init__(self, user):
        self._user = user

    @cached_property
    def count(self) -> int:
        return unread_count(user=self._user)


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_bell": Bell(user)}
