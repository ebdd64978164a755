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
]
