"""Monitor REST API: the same numbers, role rules and suppression as the pages.

Every endpoint under a chain needs membership (404 otherwise, as for pages); case rows need a
role with case rights (403 for steering), and an analyst receives only their partner's cases.
Query parameters: grain (day, week, month), start and end (YYYY-MM, end month included),
partner, view (bestuurlijk or uitvoering; the role's default when absent or not allowed).
"""

from __future__ import annotations

import math

import pandas as pd
from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from keten.analytics.cases import CASE_COLUMNS
from keten.chains.actions import record_audit
from keten.chains.models import Membership
from keten.chains.permissions import IsChainMember
from keten.chains.query import chains_visible_to
from keten.monitor.access import BESTUURLIJK, UITVOERING, Viewer, viewer_for
from keten.monitor.api import serializers as s
from keten.monitor.cache import page_cache
from keten.monitor.data import MonitorData
from keten.monitor.forms import FilterForm

FILTER_PARAMETERS = [
    OpenApiParameter("grain", OpenApiTypes.STR, enum=["day", "week", "month"], description="Period length"),
    OpenApiParameter("start", OpenApiTypes.STR, description="First month, YYYY-MM"),
    OpenApiParameter("end", OpenApiTypes.STR, description="Last month (included), YYYY-MM"),
    OpenApiParameter(
        "partner", OpenApiTypes.STR, description="Only cases this partner handled (partner code)"
    ),
    OpenApiParameter(
        "as_of",
        OpenApiTypes.STR,
        description="YYYY-MM: the figures as they stood at the end of that month (as in its report)",
    ),
    OpenApiParameter(
        "view", OpenApiTypes.STR, enum=[BESTUURLIJK, UITVOERING], description="Steering or operations view"
    ),
]
MAX_CASES = 1000
CASE_PAGE_SIZE = 100


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe rows: NaN/NA become null, numpy scalars plain Python."""
    out = []
    for row in frame.to_dict("records"):
        clean = {}
        for key, value in row.items():
            if key == "href":
                continue
            if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
                clean[key] = None
            elif hasattr(value, "item"):
                clean[key] = value.item()
            elif isinstance(value, pd.Timestamp):
                clean[key] = value.isoformat()
            else:
                clean[key] = value
        out.append(clean)
    return out


def viewer_json(viewer: Viewer) -> dict:
    return {
        "role": viewer.role,
        "view": viewer.view,
        "suppressed_below": viewer.min_cell if viewer.suppresses else None,
    }


class ChainMonitorView(APIView):
    permission_classes = [IsAuthenticated, IsChainMember]

    def monitor_data(self, request) -> MonitorData:
        viewer = viewer_for(self.membership, request.query_params.get("view"), settings.KETEN_MIN_CELL)
        partners = self.chain.partners.filter(kind="producing")
        form = FilterForm(request.query_params or None, partners=partners)
        if request.query_params and not form.is_valid():
            raise ValidationError(form.errors)
        filters = form.filters() if request.query_params else FilterForm(partners=partners).filters()
        return MonitorData(self.chain, viewer, filters)


def cached_payload(data: MonitorData, name: str, build) -> dict:
    """The endpoint's payload from the page cache (same key rules as the pages)."""
    key = ["api", name, data.filters.key(), data.viewer.suppresses, data.viewer.min_cell, data.viewer.view]
    return page_cache(data, key, build)


class ChainList(generics.ListAPIView):
    """The chains you are a member of, with your role."""

    serializer_class = s.ChainSerializer
    pagination_class = None

    def get_queryset(self):
        return chains_visible_to(self.request.user)

    def get_serializer_context(self):
        memberships = {
            m.chain_id: m for m in Membership.objects.filter(user=self.request.user).select_related("partner")
        }
        return {**super().get_serializer_context(), "memberships": memberships}


class KpiList(ChainMonitorView):
    @extend_schema(
        parameters=FILTER_PARAMETERS, responses=s.KpiResponseSerializer, summary="KPIs with their values"
    )
    def get(self, request, chain_slug):
        data = self.monitor_data(request)
        return Response(cached_payload(data, "kpis", lambda: self.payload(data)))

    def payload(self, data: MonitorData) -> dict:
        kpis = [
            {
                "code": k.code,
                "name": k.name,
                "objective": k.objective,
                "kind": k.kind,
                "is_chain_level": k.is_chain_level,
                "direction": k.direction,
                "target": k.target,
                "unit": k.unit,
                "value": k.value,
                "status": k.status,
                "period": k.period,
                "cases": k.cases,
                "trend": [
                    {"period": p, "value": v, "cases": n, "mature": mature} for p, v, n, mature in k.trend
                ],
            }
            for k in data.kpis()
        ]
        return {
            "viewer": viewer_json(data.viewer),
            "chain_level_share": data.chain_level_share(),
            "kpis": kpis,
        }


class FlowMetrics(ChainMonitorView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses=s.FlowResponseSerializer, summary="Flow metrics")
    def get(self, request, chain_slug):
        data = self.monitor_data(request)
        return Response(cached_payload(data, "flow", lambda: self.payload(data)))

    def payload(self, data: MonitorData) -> dict:
        handovers = data.handovers()[
            [
                "from_partner",
                "to_partner",
                "cases",
                "transitions",
                "median_days",
                "p80_days",
                "mean_days",
                "median_working_days",
                "slowest",
                "suppressed",
            ]
        ]
        return {
            "viewer": viewer_json(data.viewer),
            "handovers": records(handovers),
            "throughput": records(data.throughput()),
            "stage_times": records(data.stage_times()),
            "stage_flow": records(data.stage_flow()),
            "rework": records(data.rework()),
            "dropout": records(data.dropout()),
            "variants": records(data.variants()),
        }


class NormList(ChainMonitorView):
    @extend_schema(
        parameters=FILTER_PARAMETERS, responses=s.NormResponseSerializer, summary="Norm compliance"
    )
    def get(self, request, chain_slug):
        data = self.monitor_data(request)

        def payload() -> dict:
            frame = data.norms().drop(columns=["agreement_name"])
            return {"viewer": viewer_json(data.viewer), "norms": records(frame)}

        return Response(cached_payload(data, "norms", payload))


class CasePagination(PageNumberPagination):
    """Pages of case rows (`?page=`, `?page_size=` up to MAX_CASES): the page is computed in
    the engine (keten.monitor.data.CaseSequence), `count` is the whole selection's."""

    page_size = CASE_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_CASES

    def get_paginated_response(self, data, viewer: Viewer | None = None):
        return Response(
            {
                "viewer": viewer_json(viewer) if viewer else None,
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "cases": data,
            }
        )


class CaseList(ChainMonitorView):
    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "reached", "dropped"]),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1"),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description=f"Cases per page (at most {MAX_CASES})"
            ),
        ],
        responses=s.CaseResponseSerializer,
        summary="Pseudonymised case rows (coordinators; analysts: their partner's cases), a page at a time",
    )
    def get(self, request, chain_slug):
        data = self.monitor_data(request)
        if not data.viewer.sees_case_rows:
            raise PermissionDenied(
                "Case rows are for coordinators and partner analysts in the operations view."
            )
        status = request.query_params.get("status")
        cases = data.case_rows(status=status if status in ("open", "reached", "dropped") else None)
        paginator = CasePagination()
        rows = paginator.paginate_queryset(cases, request, view=self)
        frame = pd.DataFrame(rows, columns=list(CASE_COLUMNS))[list(CASE_COLUMNS)]
        record_audit(
            request.user,
            self.chain,
            "cases.viewed",
            page="api",
            filters=data.filters.query(),
            page_number=paginator.page.number,
            rows=len(frame),
            format="json",
        )
        return paginator.get_paginated_response(records(frame), viewer=data.viewer)
