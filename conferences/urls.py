from django.urls import path

from . import views

app_name = "conferences"
urlpatterns = [
    path("", views.ConferenceListView.as_view(), name="list"),
    path("qa/", views.QaListView.as_view(), name="qa"),
    path("chair/", views.ChairListView.as_view(), name="chair"),
    path("receive/", views.ReceiveView.as_view(), name="receive"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="detail"),
    path("<int:pk>/conference.ics", views.CalendarView.as_view(), name="calendar"),
    path(
        "<int:pk>/documents/<int:document_pk>/",
        views.DocumentView.as_view(),
        name="document",
    ),
    path("<int:pk>/letters/<slug:kind>/", views.LetterView.as_view(), name="letter"),
    path("<int:pk>/letters/<slug:kind>.pdf", views.LetterPdfView.as_view(), name="letter_pdf"),
    path("<int:pk>/<slug:step>/", views.StepView.as_view(), name="step"),
]
