"""Accounts URLs: sign-up, sign-in and passwords, members, leaving, invitations, settings.

The organisation dashboard (`organisation`, /o/<id>/) belongs to the assessments app.
"""

from django.urls import path

from diam.web.accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/changed/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("o/<id:organisation_id>/members/", views.members, name="members"),
    path("o/<id:organisation_id>/members/invite/", views.member_invite, name="member_invite"),
    path(
        "o/<id:organisation_id>/members/<id:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "o/<id:organisation_id>/members/<id:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("o/<id:organisation_id>/leave/", views.organisation_leave, name="organisation_leave"),
    path(
        "o/<id:organisation_id>/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "o/<id:organisation_id>/settings/",
        views.organisation_settings,
        name="organisation_settings",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
