from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render

from .forms import OwnPasswordChangeForm
from .services import user_password_changed


class PasswordChangeView(auth_views.PasswordChangeView):
    """A user changes their own password; the change is audited."""

    form_class = OwnPasswordChangeForm
    template_name = "registration/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_changed(user=form.user, by=self.request.user)
        return response


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
