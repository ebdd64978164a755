"""The admin site: staff get in only with a session signed in with a two-factor code (issue 13).

Signing in happens on the service's own sign-in page (password, then the code), never on a
password-only admin form."""

from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache


class TwoFactorAdminSite(AdminSite):
    site_header = "casetransfer administration"
    site_title = "casetransfer"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_verified()

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """The admin's login page is the service's: anyone signed out signs in there (with
        the code when they have set up two-factor); staff signed in without a code are sent to
        set up two-factor or confirm a code; anyone else may not use the admin."""
        from .views import LoginView

        user = request.user
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not user.is_authenticated:
            return LoginView.as_view()(request)
        if user.is_active and user.is_staff:
            if user.is_verified():
                return redirect(next_url)
            return redirect(f"{reverse('two_factor')}?{urlencode({'next': next_url})}")
        raise PermissionDenied
