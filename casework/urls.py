from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path(
        "cases/<str:reference>/meetings/new/",
        views.CaseMeetingView.as_view(),
        name="case_meeting_new",
    ),
    path(
        "transfers/<int:pk>/meetings/new/",
        views.TransferMeetingView.as_view(),
        name="transfer_meeting_new",
    ),
    path("meetings/<int:pk>/held/", views.MeetingHeldView.as_view(), name="meeting_held"),
    path(
        "transfers/<int:pk>/notifications/new/",
        views.NotificationView.as_view(),
        name="notification_new",
    ),
    path("transfers/<int:pk>/letter/", views.LetterView.as_view(), name="letter"),
]
