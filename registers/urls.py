from django.urls import path

from . import views

app_name = "registers"
urlpatterns = [
    path("weekly/", views.WeeklyListView.as_view(), name="weekly"),
    path("historic/", views.HistoricListView.as_view(), name="historic"),
]
