from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from people import views as people_views

from . import views

admin.site.site_header = "casetransfer administration"
admin.site.site_title = "casetransfer"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", people_views.LoginView.as_view(), name="login"),
    path("accounts/login/code/", people_views.LoginCodeView.as_view(), name="login_code"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        people_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        people_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/two-factor/", people_views.TwoFactorView.as_view(), name="two_factor"),
    path(
        "accounts/two-factor/turn-off/",
        people_views.TwoFactorTurnOffView.as_view(),
        name="two_factor_turn_off",
    ),
    path("cases/", include("cases.urls")),
    path("deadlines/", include("deadlines.urls")),
    path("transfers/", include("registers.urls")),
    path("transfers/", include("transfers.urls")),
    path("casework/", include("casework.urls")),
    path("escalations/", include("escalations.urls")),
    path("conferences/", include("conferences.urls")),
    path("admin/", admin.site.urls),
]
