from django.urls import path

from keten.accounts import views

app_name = "accounts"

chain = "ketens/<slug:slug>/"

urlpatterns = [
    path(chain + "leden/", views.members, name="members"),
    path(chain + "leden/<int:user_id>/ontgrendelen/", views.unlock_member, name="unlock"),
    path(chain + "leden/<int:user_id>/tweede-factor/", views.reset_two_factor, name="reset-two-factor"),
    path(chain + "leden/<int:user_id>/verwijderen/", views.remove_member_view, name="remove"),
    path("account/wachtwoord/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set-password"),
    path("account/tweede-factor/", views.two_factor, name="two-factor"),
    path("account/tweede-factor/code/", views.two_factor_verify, name="two-factor-verify"),
    path(chain + "api-tokens/", views.api_tokens, name="api-tokens"),
    path(chain + "api-tokens/<int:token_id>/intrekken/", views.revoke_token, name="revoke-token"),
]
