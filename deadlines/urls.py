from django.urls import path

from . import views

app_name = "deadlines"
urlpatterns = [path("", views.TeamDeadlinesView.as_view(), name="team")]
