from django.urls import path

from diam.web.security import views

urlpatterns = [
    path("account/two-factor/", views.overview, name="two_factor"),
    path("account/two-factor/setup/", views.setup, name="two_factor_setup"),
    path("account/two-factor/verify/", views.verify, name="two_factor_verify"),
    path(
        "account/two-factor/recovery-codes/",
        views.recovery_codes_new,
        name="two_factor_recovery_codes",
    ),
    path("account/two-factor/remove/", views.remove, name="two_factor_remove"),
]
