"""The API's alert list and detail share the member pages' cache (core/pagecache.py): a
poll of an unchanged answer costs no serialisation, and a change shows at once."""

import pytest

from monquartier.accounts import services as account_services
from monquartier.alerts import services as alert_services

pytestmark = pytest.mark.django_db


def _alert(sender, text: str):
    return alert_services.send_alert(sender, category="other", text=text)


def test_an_unchanged_list_is_answered_from_the_cache(
    api_as, riviera, awa, yao, django_assert_max_num_queries
):
    _alert(awa, "Chien perdu rue des Jardins")
    app = api_as(yao)
    first = app.get("/alerts")
    assert first.status_code == 200
    # The device token with its user: the rest comes from the cache.
    with django_assert_max_num_queries(1):
        again = app.get("/alerts")
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert app.get("/alerts", headers={"If-None-Match": first["ETag"]}).status_code == 304


def test_a_new_alert_and_a_read_show_at_once(api_as, riviera, awa, yao):
    app = api_as(yao)
    assert app.get("/alerts").json()["items"] == []
    alert = _alert(awa, "Voiture suspecte devant l'école")
    items = app.get("/alerts").json()["items"]
    assert [item["id"] for item in items] == [alert.pk]
    assert items[0]["read"] is False
    alert_services.mark_read(alert, yao)
    assert app.get("/alerts").json()["items"][0]["read"] is True


def test_a_name_change_shows_in_the_detail(api_as, riviera, awa, yao):
    alert = _alert(awa, "Rue inondée")
    app = api_as(yao)
    before = app.get(f"/alerts/{alert.pk}").json()
    account_services.update_user(awa, first_name="Awatif")
    after = app.get(f"/alerts/{alert.pk}").json()
    assert "Awatif" in str(after) and "Awatif" not in str(before)


def test_each_device_token_has_its_own_answers(api_as, riviera, awa, yao):
    _alert(awa, "Coupure de courant")
    for_yao = api_as(yao).get("/alerts")
    for_awa = api_as(awa).get("/alerts")
    assert for_yao["ETag"] != for_awa["ETag"]
    # Another of Yao's devices: its own entry, the same content.
    assert api_as(yao).get("/alerts")["ETag"] != for_yao["ETag"]


def test_a_revoked_token_gets_no_cached_answer(api_as, riviera, awa, yao):
    app = api_as(yao)
    assert app.get("/alerts").status_code == 200
    from monquartier.accounts.models import DeviceToken

    DeviceToken.objects.filter(user=yao).delete()
    assert app.get("/alerts").status_code == 401


def test_the_sender_following_the_delivery_gets_it_live(api_as, riviera, awa, monkeypatch):
    """Kept LIVE_SECONDS at most (its delivery moves by the second), then rendered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monquartier.core import pagecache

    alert = _alert(awa, "Serpent dans la cour")
    app = api_as(awa)
    first = app.get(f"/alerts/{alert.pk}")
    with CaptureQueriesContext(connection) as queries:
        again = app.get(f"/alerts/{alert.pk}")
    assert again.json() == first.json()
    assert len(queries) == 1  # the device token with its user
    real = pagecache.time.time
    monkeypatch.setattr(pagecache.time, "time", lambda: real() + pagecache.LIVE_SECONDS + 1)
    with CaptureQueriesContext(connection) as queries:
        assert app.get(f"/alerts/{alert.pk}").status_code == 200
    assert len(queries) > 1


def test_a_hit_is_stored_compressed_for_the_apps_that_take_gzip(
    api_as, riviera, awa, yao, django_assert_max_num_queries
):
    import gzip
    import json

    for number in range(5):
        _alert(awa, f"Coupure d'eau numéro {number} dans la rue des Manguiers")
    app = api_as(yao)
    gzipped = {"Accept-Encoding": "gzip, deflate"}
    first = app.get("/alerts", headers=gzipped)
    assert first["Content-Encoding"] == "gzip"
    with django_assert_max_num_queries(1):
        again = app.get("/alerts", headers=gzipped)
    assert again.content == first.content
    assert again["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in again["Vary"] and "Authorization" in again["Vary"]
    # An app without gzip gets its own entry, never the compressed one.
    plain = app.get("/alerts")
    assert not plain.has_header("Content-Encoding")
    assert json.loads(gzip.decompress(again.content)) == plain.json()
    assert app.get("/alerts").content == plain.content
    assert plain["ETag"] != first["ETag"]
