from django.urls import path

from keten.events import api, views

urlpatterns = [
    path("ketens/<slug:slug>/leveringen/", views.deliveries, name="events-deliveries"),
    path("ketens/<slug:slug>/leveringen/<str:batch_id>/intrekken/", views.withdraw, name="events-withdraw"),
    path("ketens/<slug:slug>/leveringen/<str:batch_id>/herstellen/", views.restore, name="events-restore"),
    path("ketens/<slug:slug>/leveringen/<str:batch_id>/afgekeurd.csv", views.rejects, name="events-rejects"),
    path("api/chains/<slug:chain_slug>/deliveries/", api.DeliveryView.as_view(), name="api-events-deliver"),
    path("api/chains/<slug:chain_slug>/batches/", api.BatchListView.as_view(), name="api-events-batches"),
]
