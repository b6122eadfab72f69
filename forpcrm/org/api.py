"""API for the organisation: token login, the caller (/me/), users and departments (read only),
and the one permission class every view set uses for module/action permissions."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from .access import grants_for
from .access import has_perm as _has_perm
from .models import Action, Department, User

# --- permissions -------------------------------------------------------------------------------

DEFAULT_ACTION_PERMISSIONS = {
    "list": Action.VIEW,
    "retrieve": Action.VIEW,
    "create": Action.CREATE,
    "update": Action.EDIT,
    "partial_update": Action.EDIT,
    "destroy": Action.DELETE,
}


class ModuleActionPermission(BasePermission):
    """Module-wide action permission, checked before any record is looked up.

    A view set declares ``permission_module`` and optionally ``action_permissions``: view-set action →
    required Action (in ``permission_module``), a ``(module, Action)`` pair, a list of those, or None for
    "signed in is enough" (the service decides). A missing action needs ``view``; every action also needs
    ``view`` on the view set's module. The answer never depends on a record, so it reveals nothing about
    records outside the caller's scope; those answer 404 afterwards.
    """

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        module = getattr(view, "permission_module", None)
        if module is None:
            return True
        mapping = {**DEFAULT_ACTION_PERMISSIONS, **getattr(view, "action_permissions", {})}
        required = mapping.get(getattr(view, "action", None) or "", Action.VIEW)
        return all(_has_perm(request.user, m, a) for m, a in required_pairs(module, required))


def required_pairs(module: str, required) -> list[tuple[str, str]]:
    pairs = [(module, Action.VIEW)]
    if required is None:
        return pairs
    items = required if isinstance(required, list) else [required]
    for item in items:
        pairs.append(item if isinstance(item, tuple) else (module, item))
    return pairs


# --- serializers -------------------------------------------------------------------------------


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "parent", "path", "depth", "manager", "sort_order", "is_active"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="label", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = User
        fields = ["id", "username", "name", "display_name", "email", "phone", "department", "department_name",
                  "manager", "is_active"]
        read_only_fields = fields


class GrantSerializer(serializers.Serializer):
    actions = serializers.ListField(child=serializers.CharField())
    scope = serializers.IntegerField()


class MeSerializer(UserSerializer):
    permissions = serializers.SerializerMethodField()
    language = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    is_superuser = serializers.BooleanField(read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "language", "time_zone", "is_superuser", "permissions"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=GrantSerializer()))
    def get_permissions(self, user) -> dict:
        return {module: {"actions": sorted(g.actions), "scope": int(g.scope)}
                for module, g in sorted(grants_for(user).items())}


# --- views -------------------------------------------------------------------------------------


class TokenObtainView(ObtainAuthToken):
    """POST username (or e-mail) and password: the caller's API token (the same one until revoked).
    DELETE (authenticated): revoke the caller's token."""

    @extend_schema(
        request=inline_serializer("TokenRequest", {
            "username": serializers.CharField(help_text="Username or e-mail address."),
            "password": serializers.CharField(),
        }),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField(),
                                                            "user_id": serializers.IntegerField()}),
                   400: inline_serializer("TokenError", {"non_field_errors": serializers.ListField(
                       child=serializers.CharField())})},
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        data = request.data
        if hasattr(data, "get") and not data.get("username") and data.get("email"):
            data = {"username": data.get("email"), "password": data.get("password")}
        serializer = self.get_serializer(data=data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "user_id": user.pk})

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def delete(self, request, *args, **kwargs):
        if not (request.user and request.user.is_authenticated):
            return Response({"detail": _("Authentication credentials were not provided."),
                             "code": "not_authenticated"}, status=401)
        Token.objects.filter(user=request.user).delete()
        return Response(status=204)


class MeView(APIView):
    @extend_schema(responses=MeSerializer, tags=["org"])
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class UserFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label=_("search"))
    department = filters.NumberFilter(field_name="department_id")

    class Meta:
        model = User
        fields = ["q", "department"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value) | Q(display_name__icontains=value) | Q(email__icontains=value)
            | Q(first_name__icontains=value) | Q(last_name__icontains=value)
        )


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Active users: the people a caller may pick as owner, assignee or team member."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    queryset = User.objects.none()

    def get_queryset(self):
        return User.objects.filter(is_active=True).select_related("department").order_by("id")


class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DepartmentSerializer
    filterset_fields = ["parent", "is_active"]
    queryset = Department.objects.none()

    def get_queryset(self):
        return Department.objects.order_by("path", "id")
