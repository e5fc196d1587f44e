from django.conf import settings
from django.urls import path

from keten.governance import views

app_name = "governance"

# Dutch paths, as the rest of the site. Logos live under MEDIA_URL so that `chain.logo.url`
# (used by the page header) points at the login-protected `logo` view.
P = "ketens/<slug:slug>/bestuur/"
urlpatterns = [
    path(f"{settings.MEDIA_URL.strip('/')}/logos/<path:name>", views.logo, name="logo"),
    path(P, views.overview, name="overview"),
    path(f"{P}convenant/", views.covenant_list, name="covenants"),
    path(f"{P}convenant/nieuw/", views.covenant_edit, name="covenant-new"),
    path(f"{P}convenant/<int:pk>/", views.covenant_edit, name="covenant-edit"),
    path(f"{P}convenant/<int:pk>/document/", views.covenant_document, name="covenant-document"),
    path(f"{P}tafels/", views.table_list, name="tables"),
    path(f"{P}tafels/nieuw/", views.table_edit, name="table-new"),
    path(f"{P}tafels/<int:pk>/", views.table_detail, name="table-detail"),
    path(f"{P}tafels/<int:pk>/bewerken/", views.table_edit, name="table-edit"),
    path(f"{P}tafels/<int:table_pk>/leden/nieuw/", views.seat_edit, name="seat-new"),
    path(f"{P}tafels/<int:table_pk>/leden/<int:pk>/", views.seat_edit, name="seat-edit"),
    path(f"{P}tafels/<int:table_pk>/overleggen/nieuw/", views.meeting_edit, name="meeting-new"),
    path(f"{P}tafels/<int:table_pk>/overleggen/<int:pk>/", views.meeting_edit, name="meeting-edit"),
    path(f"{P}tafels/<int:table_pk>/besluiten/nieuw/", views.decision_edit, name="decision-new"),
    path(f"{P}tafels/<int:table_pk>/besluiten/<int:pk>/", views.decision_edit, name="decision-edit"),
    path(f"{P}besluiten/", views.decision_list, name="decisions"),
    path(f"{P}aanwezigheid/", views.attendance, name="attendance"),
    path(f"{P}escalaties/", views.escalation_list, name="escalations"),
    path(f"{P}escalaties/nieuw/", views.escalation_edit, name="escalation-new"),
    path(f"{P}escalaties/<int:pk>/", views.escalation_edit, name="escalation-edit"),
    path(f"{P}verhalen/", views.story_list, name="stories"),
    path(f"{P}verhalen/nieuw/", views.story_edit, name="story-new"),
    path(f"{P}verhalen/<int:pk>/", views.story_edit, name="story-edit"),
    path(f"{P}verhalen/<int:pk>/beoordelen/", views.story_review, name="story-review"),
    path(f"{P}activiteiten/", views.activity_list, name="activities"),
    path(f"{P}activiteiten/nieuw/", views.activity_edit, name="activity-new"),
    path(f"{P}activiteiten/<int:pk>/", views.activity_edit, name="activity-edit"),
    path(f"{P}identiteit/", views.identity, name="identity"),
]
