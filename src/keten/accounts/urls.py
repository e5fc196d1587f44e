from django.urls import path

from keten.accounts import views

app_name = "accounts"

chain = "ketens/<slug:slug>/"

urlpatterns = [
    path(chain + "leden/", views.members, name="members"),
    path(chain + "leden/<int:user_id>/ontgrendelen/", views.unlock_member, name="unlock"),
]
