"""The request an audit record is written in, for the address it came from. Set by
`casetransfer.middleware.SecurityHeadersMiddleware` for the length of one request; empty in
tasks and commands."""

from contextvars import ContextVar

request_ip: ContextVar[str | None] = ContextVar("audit_request_ip", default=None)


def current_ip() -> str | None:
    return request_ip.get()
