from django.urls import path

from . import views

app_name = "escalations"
urlpatterns = [
    path(
        "cases/<str:reference>/concerns/new/",
        views.RaiseConcernView.as_view(),
        name="raise_concern",
    ),
    path("concerns/<int:pk>/", views.ConcernDetailView.as_view(), name="concern"),
    path("concerns/<int:pk>/respond/", views.RespondView.as_view(), name="respond"),
    path("concerns/<int:pk>/close/", views.CloseView.as_view(), name="close"),
    path("", views.EscalationListView.as_view(), name="list"),
    path("<int:pk>/", views.EscalationDetailView.as_view(), name="escalation"),
    path("<int:pk>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("<int:pk>/decide/", views.ResolveView.as_view(), name="resolve"),
    path("<int:pk>/pass-up/", views.PassUpView.as_view(), name="pass_up"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/oversight/", views.OversightView.as_view(), name="oversight"),
    path(
        "<int:pk>/end-suspension/",
        views.EndSuspensionView.as_view(),
        name="end_suspension",
    ),
    path(
        "<int:pk>/notification/",
        views.SuspensionNotificationView.as_view(),
        name="notification",
    ),
    path(
        "cases/<str:reference>/escalate/",
        views.RaiseFromCaseView.as_view(),
        name="raise_for_case",
    ),
    path(
        "transfers/<int:pk>/escalate/",
        views.RaiseFromTransferView.as_view(),
        name="raise_for_transfer",
    ),
    path(
        "suspensions/new/",
        views.SuspensionRequestView.as_view(),
        name="request_suspension",
    ),
]
