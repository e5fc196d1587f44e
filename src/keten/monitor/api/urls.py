from django.urls import path

from keten.monitor.api import views
from keten.monitor.docs import api_docs

urlpatterns = [
    path("", api_docs, name="monitor-api-docs"),
    path("chains/", views.ChainList.as_view(), name="api-chain-list"),
    path("chains/<slug:chain_slug>/kpis/", views.KpiList.as_view(), name="api-kpis"),
    path("chains/<slug:chain_slug>/flow/", views.FlowMetrics.as_view(), name="api-flow"),
    path("chains/<slug:chain_slug>/norms/", views.NormList.as_view(), name="api-norms"),
    path("chains/<slug:chain_slug>/cases/", views.CaseList.as_view(), name="api-cases"),
]
