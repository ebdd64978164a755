from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from . import health
from .forms import LoginForm
from .home import home_panels


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(panels=home_panels(self.request.user), **kwargs)


@login_not_required
@never_cache
def healthz(request):
    """Database, broker and deadline-sweep status as JSON; 503 when any is down."""
    checks = {
        "database": "ok" if health.database_ok() else "down",
        "broker": "ok" if health.broker_ok() else "down",
    }
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503
    )
