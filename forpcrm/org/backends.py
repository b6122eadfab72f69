"""Log in with the username or the e-mail address."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import User


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = User.objects.filter(Q(username__iexact=username) | Q(email__iexact=username)).order_by("id").first()
        if user is None:
            User().set_password(password)  # same work as a real check, against timing probes
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
