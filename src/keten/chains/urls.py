from django.urls import path

from keten.chains import views

urlpatterns = [
    path("", views.home, name="home"),
    path("ketens/<slug:slug>/definitie/", views.chain_detail, name="chain-detail"),
    path("ketens/<slug:slug>/definitie/importeren/", views.chain_import, name="chain-import"),
]
