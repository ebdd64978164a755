from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("<str:reference>/", views.CaseDetailView.as_view(), name="detail"),
    path("<str:reference>/timeline/", views.CaseTimelineView.as_view(), name="timeline"),
    path("<str:reference>/deadlines/", views.CaseDeadlinesView.as_view(), name="deadlines"),
    path("<str:reference>/allocate/", views.CaseAllocateView.as_view(), name="allocate"),
    path("<str:reference>/hold/", views.CaseHoldView.as_view(), name="hold"),
    path("<str:reference>/close/", views.CaseCloseView.as_view(), name="close"),
    path("<str:reference>/step-down/", views.CaseStepDownView.as_view(), name="step_down"),
]
