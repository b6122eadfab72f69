"""/api/v1/customers/: thin views over forpcrm.customers.selectors and services.

Order of checks on every request: signed in (401) → module permission, independent of any record (403)
→ the record within the caller's scope (404) → editable (403) → the service's own rules.
"""

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from forpcrm.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from forpcrm.customers import selectors, services
from forpcrm.customers.exports import customer_export_response
from forpcrm.customers.filters import (
    CONTACT_LIST_PARAMETERS,
    CUSTOMER_LIST_PARAMETERS,
    EXPAND_PARAMETER,
    selector_params,
)
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.serializers import (
    AssignSerializer,
    BulkResultSerializer,
    BulkSerializer,
    ConflictSerializer,
    ContactSerializer,
    ContactWriteSerializer,
    CustomerCreateSerializer,
    CustomerDetailSerializer,
    CustomerSerializer,
    CustomerWriteSerializer,
    DuplicateCheckSerializer,
    DuplicateMatchSerializer,
    DuplicatesFoundSerializer,
    ErrorSerializer,
    HistoryEntrySerializer,
    MergeSerializer,
    OwnershipLogSerializer,
    ReleaseSerializer,
    TagsSerializer,
    TeamMemberSerializer,
    TeamMemberWriteSerializer,
    TransferSerializer,
    duplicate_match_data,
    history_entry_data,
)
from forpcrm.org.access import get_editable_or_404, get_visible_or_404, has_perm
from forpcrm.org.api import ModuleActionPermission
from forpcrm.org.models import Action, Module

from .common import (
    SelectablePaginationMixin,
    conflict_response,
    duplicates_response,
    required_version,
    with_etag,
)

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                            description='The version read, as the ETag `"<version>"`; or send `version` in the body.')
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


def list_queryset(qs):
    # The selector already joins what the list shows; repeating it is free and keeps the list N+1-proof.
    return qs.select_related("owner", "department").prefetch_related("tags")


def contacts_allowed(user) -> bool:
    return has_perm(user, Module.CONTACTS, Action.VIEW)


@extend_schema_view(
    list=extend_schema(parameters=CUSTOMER_LIST_PARAMETERS, responses=CustomerSerializer(many=True)),
    retrieve=extend_schema(parameters=[EXPAND_PARAMETER], responses={200: CustomerDetailSerializer, 404: ErrorSerializer}),
    create=extend_schema(request=CustomerCreateSerializer,
                         responses={201: CustomerDetailSerializer, 409: DuplicatesFoundSerializer, **ERRORS}),
    update=extend_schema(request=CustomerWriteSerializer, parameters=[IF_MATCH],
                         responses={200: CustomerDetailSerializer, 412: ConflictSerializer, **ERRORS}),
    partial_update=extend_schema(request=CustomerWriteSerializer, parameters=[IF_MATCH],
                                 responses={200: CustomerDetailSerializer, 412: ConflictSerializer, **ERRORS}),
    destroy=extend_schema(responses={204: None, **ERRORS}),
)
class CustomerViewSet(SelectablePaginationMixin, viewsets.GenericViewSet):
    """Customers within the caller's data scope. Records outside it answer 404."""

    permission_classes = [ModuleActionPermission]
    permission_module = Module.CUSTOMERS
    action_permissions = {
        "restore": Action.DELETE,
        "recycle_bin": Action.VIEW,
        "claim": None,  # the service applies the pool rules (right, cap, reclaim block)
        "release": None,
        "assign": None,
        "transfer": Action.TRANSFER,
        "bulk": None,  # each record checked by the service
        "tags": Action.EDIT,
        "team": Action.VIEW,
        "team_member": Action.EDIT,
        "merge": Action.EDIT,
        "duplicates": None,
        "history": None,
        "ownership": None,
        "contacts": (Module.CONTACTS, Action.VIEW),
    }
    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()
    filter_backends: list = []

    # --- reads ---------------------------------------------------------------------------------

    def list(self, request):
        qs = selectors.customer_list(user=request.user, params=selector_params(request.query_params))
        return self.paginated(list_queryset(qs), CustomerSerializer)

    def retrieve(self, request, pk=None):
        customer = selectors.customer_detail(user=request.user, pk=pk)
        return self._detail(customer)

    def _detail(self, customer: Customer, *, status_code=status.HTTP_200_OK) -> Response:
        user = self.request.user
        prefetch_related_objects([customer], "tags", "team_members__user")
        context = self.get_serializer_context()
        expand = {p.strip() for p in self.request.query_params.get("expand", "").split(",") if p.strip()}
        if "contacts" in expand and contacts_allowed(user):
            context["contacts"] = list(selectors.customer_contacts(user=user, customer=customer)
                                       .select_related("customer"))
        data = CustomerDetailSerializer(customer, context=context).data
        return with_etag(Response(data, status=status_code), customer)

    def _visible(self, pk) -> Customer:
        return get_visible_or_404(Customer, self.request.user, pk)

    def _editable(self, pk) -> Customer:
        return get_editable_or_404(Customer, self.request.user, pk)

    # --- writes --------------------------------------------------------------------------------

    def create(self, request):
        serializer = CustomerCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        confirm = data.pop("confirm_duplicates", False)
        extra = {"owner": data.pop("owner")} if "owner" in data else {}
        try:
            customer = services.customer_create(by=request.user, data=data, confirm_duplicates=confirm, **extra)
        except ApplicationError as exc:
            if hasattr(exc, "matches"):
                return duplicates_response(exc, duplicate_match_data)
            raise
        response = self._fresh_or_receipt(customer, status_code=status.HTTP_201_CREATED)
        response["Location"] = f"{request.build_absolute_uri(request.path)}{customer.pk}/"
        return response

    def update(self, request, pk=None, partial=False):
        customer = self._editable(pk)
        version = required_version(request)
        serializer = CustomerWriteSerializer(data=request.data, partial=partial, instance_customer=customer,
                                             context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            customer = services.customer_update(customer=customer, by=request.user, data=dict(serializer.validated_data),
                                                expected_version=version, strict=True)
        except ConflictError as exc:
            current = Customer.objects.get(pk=customer.pk)
            return conflict_response(exc, current, CustomerSerializer, self.get_serializer_context())
        return self._detail(selectors.customer_detail(user=request.user, pk=customer.pk))

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.customer_delete(customer=self._editable(pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: CustomerDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        customer = get_visible_or_404(Customer.all_objects.filter(deleted_at__isnull=False), request.user, pk)
        services.customer_restore(customer=customer, by=request.user)
        return self._detail(selectors.customer_detail(user=request.user, pk=customer.pk))

    @extend_schema(responses=CustomerSerializer(many=True), parameters=[
        OpenApiParameter("page", int, required=False), OpenApiParameter("page_size", int, required=False)])
    @action(detail=False, methods=["get"], url_path="recycle-bin")
    def recycle_bin(self, request):
        qs = selectors.recycle_bin(user=request.user, kind="customer")
        return self.paginated(list_queryset(qs.order_by("-deleted_at", "-id")), CustomerSerializer)

    @extend_schema(
        parameters=[*CUSTOMER_LIST_PARAMETERS, OpenApiParameter("file_format", str, enum=["xlsx", "csv"], required=False)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS},
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as a streamed XLSX or CSV file, with the same scope and columns as the page."""
        fmt = request.query_params.get("file_format", "xlsx")
        if fmt not in {"xlsx", "csv"}:
            raise ValidationError({"file_format": [_("Choose xlsx or csv.")]})
        return customer_export_response(user=request.user, params=selector_params(request.query_params), fmt=fmt)

    # --- pool and ownership ----------------------------------------------------------------------

    @extend_schema(request=None, responses={200: CustomerDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        customer = self._visible(pk)
        services.customer_claim(customer=customer, by=request.user)
        return self._fresh_or_receipt(customer)

    @extend_schema(request=ReleaseSerializer, responses={200: CustomerDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        customer = self._visible(pk)
        serializer = ReleaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_release(customer=customer, by=request.user, reason=serializer.validated_data["reason"])
        return self._fresh_or_receipt(customer)

    @extend_schema(request=AssignSerializer, responses={200: CustomerDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        customer = self._visible(pk)
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_assign(customer=customer, to=serializer.validated_data["to"], by=request.user)
        return self._fresh_or_receipt(customer)

    @extend_schema(request=TransferSerializer, responses={200: CustomerDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        customer = self._visible(pk)
        serializer = TransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_transfer(customer=customer, to=serializer.validated_data["to"], by=request.user,
                                   reason=serializer.validated_data["reason"])
        return self._fresh_or_receipt(customer)

    def _fresh_or_receipt(self, customer: Customer, *, status_code=status.HTTP_200_OK) -> Response:
        """The record as it is now; when the write put it outside the caller's scope (given to someone
        else, released to another department's pool) only a short receipt."""
        if not Customer.objects.visible_to(self.request.user).filter(pk=customer.pk).exists():
            return Response({"id": customer.pk, "visible": False}, status=status_code)
        return self._detail(selectors.customer_detail(user=self.request.user, pk=customer.pk), status_code=status_code)

    @extend_schema(request=BulkSerializer, responses={200: BulkResultSerializer, **ERRORS})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        serializer = BulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        params = {k: data[k] for k in ("to", "tags", "reason", "mode") if k in data}
        result = services.customers_bulk(action=data["action"], customer_ids=data["ids"], by=request.user, **params)
        return Response({"done": list(result.done), "failed": {str(k): str(v) for k, v in result.failed.items()}})

    @extend_schema(request=TagsSerializer, responses={200: CustomerDetailSerializer, **ERRORS})
    @action(detail=True, methods=["put"])
    def tags(self, request, pk=None):
        customer = self._editable(pk)
        serializer = TagsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_tags_set(customer=customer, tags=serializer.validated_data["tags"], by=request.user)
        return self._detail(selectors.customer_detail(user=request.user, pk=customer.pk))

    @extend_schema(methods=["get"], request=None, responses=TeamMemberSerializer(many=True))
    @extend_schema(methods=["post"], request=TeamMemberWriteSerializer,
                   responses={201: TeamMemberSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def team(self, request, pk=None):
        if request.method == "GET":
            customer = self._visible(pk)
        else:
            if not has_perm(request.user, Module.CUSTOMERS, Action.EDIT):
                raise PermissionDeniedError(_("You do not have permission to perform this action."))
            customer = self._editable(pk)
            serializer = TeamMemberWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.team_member_add(customer=customer, by=request.user, **serializer.validated_data)
        members = selectors.customer_team(customer=customer)
        code = status.HTTP_200_OK if request.method == "GET" else status.HTTP_201_CREATED
        return Response(TeamMemberSerializer(members, many=True).data, status=code)

    @extend_schema(request=None, responses={204: None, **ERRORS})
    @action(detail=True, methods=["delete"], url_path=r"team/(?P<user_id>\d+)")
    def team_member(self, request, pk=None, user_id=None):
        customer = self._editable(pk)
        member = customer.team_members.filter(user_id=user_id).select_related("user").first()
        if member is None:
            return Response({"detail": _("Not found."), "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
        services.team_member_remove(customer=customer, user=member.user, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MergeSerializer, responses={200: CustomerDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        survivor = self._editable(pk)
        serializer = MergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        merged = get_editable_or_404(Customer, request.user, serializer.validated_data["merged"])
        survivor = services.customer_merge(survivor=survivor, merged=merged, by=request.user)
        return self._detail(selectors.customer_detail(user=request.user, pk=survivor.pk))

    @extend_schema(request=DuplicateCheckSerializer, responses={200: DuplicateMatchSerializer(many=True)})
    @action(detail=False, methods=["post"], pagination_class=None)
    def duplicates(self, request):
        serializer = DuplicateCheckSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        exclude_id = data.pop("exclude_id", None)
        matches = services.customer_duplicates(data=data, user=request.user, exclude_id=exclude_id)
        return Response([duplicate_match_data(m) for m in matches])

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        customer = self._visible(pk)
        return Response([history_entry_data(e) for e in selectors.customer_history(customer=customer)])

    @extend_schema(responses=OwnershipLogSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def ownership(self, request, pk=None):
        customer = self._visible(pk)
        log = selectors.customer_ownership_log(customer=customer)
        return Response(OwnershipLogSerializer(log, many=True).data)

    # --- contacts sub-resource (C08: refused without contacts view) ------------------------------

    @extend_schema(methods=["get"], parameters=CONTACT_LIST_PARAMETERS, responses=ContactSerializer(many=True))
    @extend_schema(methods=["post"], request=ContactWriteSerializer, responses={201: ContactSerializer, **ERRORS})
    @action(detail=True, methods=["get", "post"])
    def contacts(self, request, pk=None):
        customer = self._visible(pk)
        if request.method == "POST":
            if not has_perm(request.user, Module.CONTACTS, Action.CREATE):
                raise PermissionDeniedError(_("You do not have permission to perform this action."))
            serializer = ContactWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            contact = services.contact_create(by=request.user, customer=customer, data=dict(serializer.validated_data))
            contact = Contact.objects.select_related("customer").get(pk=contact.pk)
            return with_etag(Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED), contact)
        qs = selectors.contact_list(user=request.user, params=selector_params(request.query_params))
        qs = qs.filter(customer_id=customer.pk).select_related("customer")
        return self.paginated(qs, ContactSerializer)
