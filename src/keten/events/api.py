"""REST API for automated (nightly) delivery: POST a file, get the validation report as JSON."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from keten.chains.permissions import IsChainMember
from keten.events.actions import ingest_file
from keten.events.models import IngestBatch
from keten.events.query import batches_visible_to
from keten.events.uploads import save_upload, upload_refused


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"


class ProblemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="e.g. bad_timestamp, unknown_activity, bsn_found, missing_column")
    message = serializers.CharField()
    field = serializers.CharField(allow_blank=True)
    count = serializers.IntegerField()
    rows = serializers.ListField(child=serializers.IntegerField(), help_text="first row numbers in the file")
    examples = serializers.ListField(child=serializers.CharField())


class ReportSerializer(serializers.Serializer):
    file = serializers.CharField()
    chain = serializers.CharField()
    partner = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(
        ["stored", "stored_with_rejects", "nothing_new", "rejected", "already_delivered"]
    )
    format = serializers.CharField(allow_blank=True)
    policy = serializers.CharField()
    counts = inline_serializer(
        "IngestCounts",
        {
            name: serializers.IntegerField()
            for name in ("rows_read", "rows_valid", "rows_rejected", "rows_already_present", "rows_stored")
        },
    )
    problems = ProblemSerializer(many=True)
    batch_id = serializers.CharField(allow_null=True)
    duplicate_of = serializers.CharField(allow_null=True)
    checksum = serializers.CharField(allow_blank=True)


class DeliverySerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, XES, gzipped XES, Parquet, Excel (.xlsx, .xls) or OpenDocument (.ods)"
    )
    partner = serializers.CharField(help_text="code of the delivering partner")


class DeliveryView(APIView):
    """Deliver one file of events for a partner; the answer is the validation report."""

    permission_classes = [IsAuthenticated, IsChainMember]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": DeliverySerializer},
        responses={
            201: OpenApiResponse(ReportSerializer, description="Stored (possibly with quarantined rows)."),
            200: OpenApiResponse(
                ReportSerializer, description="Nothing new, or this file was delivered before."
            ),
            422: OpenApiResponse(ReportSerializer, description="Refused: nothing was stored; see problems."),
            413: OpenApiResponse(description="The file is larger than KETEN_MAX_UPLOAD; nothing was read."),
        },
        tags=["events"],
    )
    def post(self, request, chain_slug):
        data = request.data  # parses the upload, which may set the cap's flag
        if refused := upload_refused(request):
            raise PayloadTooLarge(refused)
        incoming = DeliverySerializer(data=data)
        incoming.is_valid(raise_exception=True)
        partner = (
            self.membership.deliverable_partners().filter(code=incoming.validated_data["partner"]).first()
        )
        if partner is None:
            raise PermissionDenied("You may not deliver events for this partner.")
        upload = incoming.validated_data["file"]
        path = save_upload(upload, self.chain)
        try:
            report = ingest_file(
                self.chain, path, partner=partner, user=request.user, source_name=upload.name
            )
        finally:
            path.unlink(missing_ok=True)
        code = (
            status.HTTP_201_CREATED
            if report.status in ("stored", "stored_with_rejects")
            else status.HTTP_200_OK
            if report.accepted or report.status == "already_delivered"
            else status.HTTP_422_UNPROCESSABLE_ENTITY
        )
        return Response(report.as_dict(), status=code)


class BatchSerializer(serializers.ModelSerializer):
    # A canonical Parquet file delivered by a coordinator may hold several partners: then none.
    partner = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = IngestBatch
        fields = [
            "batch_id",
            "partner",
            "username",
            "created_at",
            "source_name",
            "source_format",
            "source_sha256",
            "source_size",
            "rows_read",
            "rows_accepted",
            "rows_rejected",
            "rows_already_present",
            "rows_stored",
            "status",
        ]


@extend_schema(tags=["events"])
class BatchListView(ListAPIView):
    """The batches of the chain this member may see (an analyst: their own partner's)."""

    permission_classes = [IsAuthenticated, IsChainMember]
    serializer_class = BatchSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no chain
            return IngestBatch.objects.none()
        return batches_visible_to(self.membership)
