from django.urls import path

from keten.scan import views

app_name = "scan"

# Dutch paths, as the rest of the site. Respondents have no account: their page lives outside
# the chain's paths and needs only the one-time token.
P = "ketens/<slug:slug>/scan/"
W = P + "<int:pk>/"
urlpatterns = [
    path(P, views.index, name="index"),
    path(f"{P}nieuw/", views.wave_new, name="wave-new"),
    path(f"{P}vragenbank/", views.item_banks, name="item-banks"),
    path(f"{P}vragenbank/<int:bank_pk>.yaml", views.item_bank_download, name="item-bank-download"),
    path(W, views.results, name="results"),
    path(f"{W}export.csv", views.results_csv, name="results-csv"),
    path(f"{W}open-antwoorden/", views.open_answers_page, name="open-answers"),
    path(f"{W}beheer/", views.manage, name="manage"),
    path(f"{W}uitnodigen/", views.issue, name="issue"),
    path(f"{W}intrekken/", views.revoke, name="revoke"),
    path(f"{W}sluiten/", views.close, name="close"),
    path(f"{W}baten/", views.gains, name="gains"),
    path(f"{W}baten/export.csv", views.gains_export, name="gains-csv"),
    path(f"{W}baten/invullen/", views.gains_edit, name="gains-edit"),
    path("vragenlijst/<str:token>/", views.respond, name="respond"),
]
