"""The Redis cache (core/cache.py): Django's backend on a real Redis, with one client per
connection pool instead of one per operation."""

import os
import secrets
import threading

import pytest

from monquartier.core.cache import RedisCache

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def cache():
    # Keys of this test only, gone within a minute (clear() would empty the whole
    # database, under another test process's feet).
    return RedisCache(REDIS, {"KEY_PREFIX": f"test-{secrets.token_hex(4)}", "TIMEOUT": 60})


def test_it_behaves_as_djangos_backend(cache):
    assert cache.get("absent") is None
    cache.set("page", (b"<html>", {"Content-Type": "text/html"}), timeout=30)
    assert cache.get("page") == (b"<html>", {"Content-Type": "text/html"})
    assert cache.add("page", "other") is False
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    assert cache.incr("a") == 2
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b"]) == {}


def test_one_client_serves_every_operation(cache):
    reader = cache._cache.get_client("key")
    assert cache._cache.get_client("other") is reader
    writer = cache._cache.get_client("key", write=True)
    assert cache._cache.get_client("other", write=True) is writer
    cache.set("shared", 1)
    assert cache._cache.get_client("key") is reader


def test_threads_share_the_client(cache):
    errors: list[Exception] = []

    def work(number: int) -> None:
        try:
            for step in range(50):
                cache.set(f"t{number}", step)
                assert cache.get(f"t{number}") == step
        except Exception as error:  # reported below, with the thread's own assertion
            errors.append(error)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get_many([f"t{number}" for number in range(8)]) == {
        f"t{number}": 49 for number in range(8)
    }
