from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from deadlines.models import EmailStatus, OutboxEmail
from deadlines.sweep import sweep_is_stale
from people.roles import Role

from . import health
from .forms import LoginForm
from .home import home_panels


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class HomeView(TemplateView):
    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        # Seed 004: the senior administrator keeps the weekly transfer list; it is their home
        # page. (Staff keep this page, with its sweep and outbox banners.)
        user = request.user
        if user.role_names == {Role.SENIOR_ADMINISTRATOR} and not user.is_staff:
            return redirect("registers:weekly")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(panels=home_panels(user), **kwargs)
        if user.is_administrator or user.is_staff:
            context["sweep_stale"], context["sweep_last_run"] = sweep_is_stale()
            # The failure alert is itself an email: when mail is down, this banner is the alert.
            context["failed_emails"] = OutboxEmail.objects.filter(status=EmailStatus.FAILED).count()
            context["mail"] = health.mail_status()
            context["failing_deadlines"] = health.failing_deadlines()
        return context


@login_not_required
@never_cache
def healthz(request):
    """Database, broker, deadline sweep, mail and failing deadlines as JSON (casetransfer.health);
    503 when any is down."""
    body, status = health.report()
    return JsonResponse(body, status=status)
