"""Security headers the settings cannot set, and the client address for the audit trail."""

import time

from django.conf import settings
from django.utils.cache import add_never_cache_headers

from audit.context import request_ip

from .request_cache import read_only


def client_ip(request) -> str | None:
    """The client's address: the peer's, or behind TRUSTED_PROXY_COUNT proxies the one the
    outermost trusted proxy saw (X-Forwarded-For is read from the right, so a client cannot
    choose its own address by sending the header)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


IDLE_CLOCK_KEY = "_idle_clock_at"


def _restart_idle_clock(request) -> None:
    """A session lasts SESSION_COOKIE_AGE from its last save: saving it restarts the idle
    clock. Saved at sign-in and then at most once every SESSION_REFRESH_SECONDS, so a busy user
    stays signed in without a session write on every request."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    last = session.get(IDLE_CLOCK_KEY)
    if session.modified or (last is not None and now - last >= settings.SESSION_REFRESH_SECONDS):
        session[IDLE_CLOCK_KEY] = now


class SecurityHeadersMiddleware:
    """A signed-in page holds children's data: never stored by a browser or a proxy
    (Cache-Control: no-store). Every response says which browser features the pages never use
    (Permissions-Policy). The client address is kept for audit records written meanwhile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_ip.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            request_ip.reset(token)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A download that already says no-store keeps its own header.
            if "no-store" not in response.get("Cache-Control", ""):
                add_never_cache_headers(response)
            _restart_idle_clock(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class ReadOnlyRequestMiddleware:
    """A GET or HEAD changes nothing, so within it the teams a user belongs to and the cases
    they see are worked out once, however many checks the page makes
    (casetransfer.request_cache; issue 14)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with read_only():
            return self.get_response(request)
