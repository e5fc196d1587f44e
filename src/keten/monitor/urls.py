from django.urls import include, path, register_converter

from keten.monitor import journey, views
from keten.monitor.api import urls as api_urls

chain = "ketens/<slug:slug>/monitor/"
register_converter(journey.CaseIdConverter, "case")

urlpatterns = [
    path(chain, views.overview, name="monitor-overview"),
    path(chain + "stroom/", views.flow, name="monitor-flow"),
    path(chain + "stroom/<str:from_partner>/<str:to_partner>/", views.handover, name="monitor-handover"),
    path(chain + "doorlooptijden/", views.throughput, name="monitor-throughput"),
    path(chain + "normen/", views.norms, name="monitor-norms"),
    path(chain + "werkvoorraad/", views.stages, name="monitor-stages"),
    path(chain + "varianten/", views.variants, name="monitor-variants"),
    path(chain + "partners/<str:code>/", views.partner, name="monitor-partner"),
    path(chain + "zaken/", views.cases, name="monitor-cases"),
    path(chain + "zaken/<case:case_id>/", journey.case, name="monitor-case"),
    path(chain + "csv/<str:dataset>.csv", views.download_csv, name="monitor-csv"),
    path(chain + "weergave/", views.switch_view, name="monitor-switch-view"),
    path(chain + "audit/", views.audit_log, name="monitor-audit"),
    path("api/", include(api_urls)),
]
