"""Django's Redis cache, with one redis-py client per connection pool.

Django's backend builds a new `redis.Redis` for every operation, and each one copies its
table of about 170 reply parsers: 0.3–0.5 ms of CPU an operation, 1–2 ms of a page that
the page cache answers with three or four of them (measured in-process, issue 16). A
client only holds its pool and that table, and redis-py's clients are safe to share
between threads, so one per pool serves every operation. The pool still checks that it
belongs to this process (it is rebuilt after a fork).
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClients(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write: bool = False):
        # Django's own steps (its get_client), without the client built each time; the
        # stubs do not declare these private names.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(index)  # type: ignore[attr-defined]
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClients
