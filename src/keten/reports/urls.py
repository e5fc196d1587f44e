from django.urls import path, register_converter

from keten.reports import views


class MonthConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "month")

urlpatterns = [
    path("ketens/<slug:slug>/rapportage/", views.report_index, name="report-index"),
    path("ketens/<slug:slug>/rapportage/<month:month>/", views.report_view, name="report-view"),
    path(
        "ketens/<slug:slug>/rapportage/<month:month>/download.<str:fmt>",
        views.report_download,
        name="report-download",
    ),
    path(
        "ketens/<slug:slug>/rapportage/<month:month>/publiceren/", views.report_publish, name="report-publish"
    ),
    path(
        "ketens/<slug:slug>/rapportage/archief/<int:pk>.<str:fmt>",
        views.published_report,
        name="report-published",
    ),
]
