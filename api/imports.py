"""POST /api/v1/imports/ (a file → a queued run, 202 with its status URL) and the import
history, each run with its status, progress and report.

A token (Authorization: Token <key>, django-rest-knox: stored hashed, expiring) of a user
with the permission importers.add_importrun (to import) or importers.view_importrun (to
read the history). An import also needs the permissions to add and publish contacts, and
both the account and the token must be allowed the named source (curation.services
.import_refusal): else 403 with a message naming the source.
Never CORS-enabled (settings.CORS_URLS_REGEX leaves /api/v1/imports/ out). The upload is
checked and stored here; the task worker does the import with the importer's one service
(importers/tasks.py), as for the admin.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from knox.auth import TokenAuthentication
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api.errors import ApiError
from api.pagination import ApiPagination
from api.throttles import WriteThrottle
from curation.services import import_refusal
from importers.models import ImportRun
from importers.services import SOURCE_SLUG, ImportRefused
from importers.tasks import import_submit
from lotse.env import parse_bool

DEFAULT_IMPORT_MAX_BYTES = 20 * 1024 * 1024  # the importer's default (importers/readers.py)
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and the small form fields around the file


def import_max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES))


class ImportPermission(permissions.BasePermission):
    """Per-user permission: staff alone is not enough, the Django permission decides."""

    message = "Your account may not import contacts; an administrator can grant the permission importers.add_importrun."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = "importers.add_importrun" if request.method == "POST" else "importers.view_importrun"
        if not user.has_perm(needed):
            self.message = f"Your account lacks the permission {needed}; an administrator can grant it."
            return False
        return True


class ImportView:
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated, ImportPermission]
    throttle_classes = [WriteThrottle]


class ImportRunSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", allow_null=True, default=None)

    class Meta:
        model = ImportRun
        fields = [
            "id", "started_at", "finished_at", "user", "via", "filename", "sha256", "size", "source_slug", "dry_run",
            "status", "phase", "progress_done", "progress_total", "attempts", "failure",
            "rows", "created", "updated", "unchanged", "deactivated", "invalid",
        ]


class ImportRunDetailSerializer(ImportRunSerializer):
    class Meta(ImportRunSerializer.Meta):
        fields = ImportRunSerializer.Meta.fields + ["options", "errors", "report"]


def _flag(data, name: str, default: bool) -> bool:
    raw = str(data.get(name, "")).strip()
    try:
        value = parse_bool(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f'{name}: "{raw[:20]}" is not a boolean; use true or false', name) from None
    return default if value is None else value


IMPORT_REQUEST = inline_serializer(
    "ImportRequest",
    {
        "file": serializers.FileField(help_text="CSV, XLSX or JSON in the canonical columns (docs: importers)"),
        "source": serializers.CharField(help_text="Source slug, e.g. weisser-ring; created on its first real import"),
        "dry_run": serializers.BooleanField(default=True, help_text="true (default): report only, write nothing"),
        "skip_invalid": serializers.BooleanField(default=False, help_text="import the valid rows of a file with errors"),
        "deactivate": serializers.BooleanField(default=True, help_text="deactivate the source's contacts missing from the file"),
        "mapping": serializers.CharField(required=False, help_text='JSON object {"columns": {"Their header": "canonical column"}, "values": {"kinds": {"Their value": "slug"}}}; added to the source\'s stored mapping'),
    },
)


@extend_schema(tags=["imports"])
class ImportListView(ImportView, generics.ListAPIView):
    """GET: the import history, newest first. POST: import a file (administrators)."""

    serializer_class = ImportRunSerializer
    pagination_class = ApiPagination
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return ImportRun.objects.select_related("user").order_by("-started_at", "-id")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permission, throttling first
        if request.method == "POST":
            # Refuse an oversized body before reading it (Content-Length), not after.
            length = request.META.get("CONTENT_LENGTH") or "0"
            limit = import_max_bytes()
            if length.isascii() and length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
                raise _too_large(int(length), limit)

    @extend_schema(
        request={"multipart/form-data": IMPORT_REQUEST},
        responses={
            202: OpenApiResponse(ImportRunSerializer, description="queued: the run, and its status URL in `status_url` and Location"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="refused before queueing (source, mapping, flags)"),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="file too large"),
        },
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError(400, "missing_file", 'Send the file as multipart/form-data field "file".', "file")
        limit = import_max_bytes()
        if upload.size > limit:
            raise _too_large(upload.size, limit)
        source = str(request.data.get("source", "")).strip()
        if not source:
            raise ApiError(400, "missing_source", 'Name the source (field "source"), e.g. weisser-ring.', "source")
        if SOURCE_SLUG.match(source):  # a malformed name is a 400 from import_submit below
            with translation.override("en"):
                refusal = import_refusal(user=request.user, source_slug=source, token=request.auth)
            if refusal:
                raise ApiError(403, "permission_denied", refusal, "source")
        mapping = None
        if request.data.get("mapping"):
            try:
                mapping = json.loads(request.data["mapping"])
            except (ValueError, RecursionError):  # RecursionError: nested too deeply (issue 17)
                raise ApiError(400, "invalid_parameter", 'mapping: not JSON; send an object like {"Their header": "name"}', "mapping") from None
        # The API answers in English, the one language its clients can rely on (as the
        # search API's errors); the admin and the command speak German first.
        with translation.override("en"):
            try:
                run = import_submit(
                    data=upload.read(), filename=upload.name or "upload", source_slug=source,
                    dry_run=_flag(request.data, "dry_run", True), skip_invalid=_flag(request.data, "skip_invalid", False),
                    deactivate=_flag(request.data, "deactivate", True), mapping=mapping, user=request.user, via="api",
                )
            except ImportRefused as exc:
                raise ApiError(400, "invalid_parameter", f"{exc.field}: {exc.message}", exc.field) from None
        status_url = request.build_absolute_uri(reverse("api:import-detail", args=[run.pk]))
        body = {**ImportRunSerializer(run).data, "status_url": status_url}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": status_url})


@extend_schema(tags=["imports"])
class ImportDetailView(ImportView, generics.RetrieveAPIView):
    serializer_class = ImportRunDetailSerializer
    queryset = ImportRun.objects.select_related("user")


def _too_large(size: int, limit: int) -> ApiError:
    return ApiError(
        413, "file_too_large",
        f"The upload is {size:,} bytes; the limit is {limit:,} bytes (IMPORT_MAX_BYTES). Split the file into smaller ones.",
        "file",
    )
