"""What the project's cache backend (config/cache.py) says when Redis is away."""


class CacheUnavailable(Exception):  # noqa: N818 - the name says what the caller learns
    """The cache cannot be reached. Raised only by the counting operations (`add`, `incr`,
    `decr`), which have no safe answer without the store; reads miss and writes do nothing
    instead."""
