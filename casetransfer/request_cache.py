"""What one request that changes nothing (a GET or HEAD) works out once: the teams a user
belongs to, the cases they see. Set by casetransfer.middleware.ReadOnlyRequestMiddleware and
None everywhere else, so a request that changes data, a task or a test never reads a stale
answer (issue 14)."""

from contextlib import contextmanager
from contextvars import ContextVar

request_cache: ContextVar[dict | None] = ContextVar("request_cache", default=None)


def once_per_request(key: tuple, work_out):
    """`work_out()`, remembered under `key` for the rest of a GET (request_cache); worked out
    afresh anywhere else."""
    cache = request_cache.get()
    if cache is None:
        return work_out()
    if key not in cache:
        cache[key] = work_out()
    return cache[key]


@contextmanager
def read_only():
    """Within the block, the request changes nothing, so what it works out is worked out once:
    for a GET (the middleware) and for a search POSTed only to keep a name out of the URL."""
    if request_cache.get() is not None:
        yield
        return
    token = request_cache.set({})
    try:
        yield
    finally:
        request_cache.reset(token)
