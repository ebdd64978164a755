import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView
from django_otp import login as otp_login

from casetransfer.views import LoginView as PasswordLoginView

from .forms import OwnPasswordChangeForm, TwoFactorCodeForm
from .models import User
from .services import user_password_changed
from .two_factor import (
    two_factor_confirm,
    two_factor_device,
    two_factor_key_groups,
    two_factor_offered_to,
    two_factor_remove,
    two_factor_start,
)

# The session of someone who gave the right password and still owes a code.
PENDING_KEY = "two_factor_pending"


class PasswordChangeView(auth_views.PasswordChangeView):
    """A user changes their own password; the change is audited."""

    form_class = OwnPasswordChangeForm
    template_name = "registration/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_changed(user=form.user, by=self.request.user)
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            two_factor_offered=two_factor_offered_to(self.request.user), **kwargs
        )


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


def locked_out(request, response, credentials):
    """django-axes' answer to a login while locked: a GOV.UK page, 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class LoginView(PasswordLoginView):
    """Step one, the password. Someone with an authenticator app set up is not signed in yet:
    the session remembers who they said they were, and the code page finishes the sign-in."""

    def form_valid(self, form):
        user = form.get_user()
        if two_factor_device(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
            "next": self.get_success_url(),
        }
        return redirect("login_code")


def _pending(request) -> tuple[User, dict] | tuple[None, None]:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > settings.TWO_FACTOR_PENDING_SECONDS:
        return None, None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else (None, None)


@method_decorator(
    [login_not_required, sensitive_post_parameters(), csrf_protect, never_cache], name="dispatch"
)
class LoginCodeView(FormView):
    """Step two: the code from the authenticator app. A wrong code counts as a failed sign-in
    (audited, and towards django-axes' lockout for that username and address)."""

    template_name = "registration/login_code.html"
    form_class = TwoFactorCodeForm

    def dispatch(self, request, *args, **kwargs):
        self.user, self.pending = _pending(request)
        if self.user is None:
            request.session.pop(PENDING_KEY, None)
            return redirect("login")
        self.credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, self.credentials):
            return locked_out(request, None, self.credentials)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "button": "Sign in"}

    def form_valid(self, form):
        device = two_factor_device(self.user)
        if device is None or not device.verify_token(form.cleaned_data["code"]):
            return self._wrong_code(form)
        request = self.request
        del request.session[PENDING_KEY]
        auth_login(request, self.user, backend=self.pending["backend"])
        otp_login(request, device)
        next_url = self.pending["next"]
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = settings.LOGIN_REDIRECT_URL
        return redirect(next_url)

    def _wrong_code(self, form):
        form.code_is_wrong()
        user_login_failed.send(
            sender=__name__,
            credentials={**self.credentials, "two_factor": True},
            request=self.request,
        )
        if not AxesProxyHandler.is_allowed(self.request, self.credentials):
            return locked_out(self.request, None, self.credentials)
        return self.render_to_response(self.get_context_data(form=form))


class TwoFactorMixin:
    """Only for those offered two-factor (managers, administrators and staff); `self.device` is
    their authenticator app, if they have one. A page that `needs_device` sends those without
    one to set it up."""

    needs_device = False

    def dispatch(self, request, *args, **kwargs):
        if not two_factor_offered_to(request.user):
            raise PermissionDenied("Two-factor authentication is for managers and administrators.")
        self.device = two_factor_device(request.user)
        if self.needs_device and self.device is None:
            return redirect("two_factor")
        return super().dispatch(request, *args, **kwargs)

    def _wrong_code(self, form):
        form.code_is_wrong()
        return self.form_invalid(form)


class TwoFactorView(TwoFactorMixin, FormView):
    """Set up, check or turn off an authenticator app (managers, administrators and staff)."""

    template_name = "people/two_factor.html"
    form_class = TwoFactorCodeForm

    def get_form_kwargs(self):
        button = "Confirm code" if self.device is not None else "Turn on two-factor"
        return {**super().get_form_kwargs(), "button": button}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        next_url = self.request.GET.get("next", "")
        context["for_admin"] = next_url.startswith("/admin/")
        context["device"] = self.device
        context["verified"] = self.request.user.is_verified()
        if self.device is None:
            setup = two_factor_start(user=self.request.user)
            context["key_groups"] = two_factor_key_groups(setup)
            context["config_url"] = setup.config_url
        return context

    def form_valid(self, form):
        request = self.request
        code = form.cleaned_data["code"]
        if self.device is None:
            device = two_factor_start(user=request.user)
            if not two_factor_confirm(user=request.user, device=device, code=code):
                return self._wrong_code(form)
            messages.success(request, "Two-factor authentication is on")
        else:
            # Set up in another session: a code verifies this one (the admin needs it).
            device = self.device
            if not device.verify_token(code):
                return self._wrong_code(form)
            messages.success(request, "Code confirmed")
        otp_login(request, device)
        next_url = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect("two_factor")


class TwoFactorTurnOffView(TwoFactorMixin, FormView):
    """Turning two-factor off needs a current code, so a session left open cannot do it."""

    template_name = "people/two_factor_turn_off.html"
    form_class = TwoFactorCodeForm

    needs_device = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "button": "Turn off two-factor"}

    def form_valid(self, form):
        if not self.device.verify_token(form.cleaned_data["code"]):
            return self._wrong_code(form)
        two_factor_remove(user=self.request.user, by=self.request.user)
        messages.success(self.request, "Two-factor authentication is off")
        return redirect("two_factor")
