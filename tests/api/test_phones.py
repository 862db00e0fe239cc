"""The phones from an app: the website's verification by SMS code, its limits, and the
password asked again for every change."""

import re

import pytest

from monquartier.accounts.models import User
from monquartier.outbox.models import TextMessage, TextPurpose
from tests import factories

pytestmark = pytest.mark.django_db

NEW = "05 05 12 34 56"
NEW_E164 = "+2250505123456"


def _code(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)


def test_the_phones_show_the_mobile_the_landline_and_the_directorys_choices(api_as, awa):
    awa.landline = "+2252722445566"
    awa.hide_mobile = True
    awa.save()
    body = api_as(awa).get("/me/phones").json()
    assert body["mobile"] == {
        "number": str(awa.mobile),
        "display": awa.mobile_display,
        "verified": True,
    }
    assert body["landline"] == {"number": "+2252722445566", "display": "27 22 44 55 66"}
    assert (body["hide_mobile"], body["hide_landline"], body["pending"]) == (True, False, None)


def test_a_new_mobile_gets_the_websites_code_and_replaces_the_old_once_verified(
    api_as, awa, sms_outbox
):
    old = str(awa.mobile)
    app = api_as(awa)
    response = app.post("/me/phones/mobile", {"number": NEW, "password": factories.PASSWORD})
    assert response.status_code == 202
    body = response.json()
    assert body["pending"]["number"] == NEW_E164
    assert body["pending"]["attempts_left"] == 5
    assert body["mobile"]["number"] == old  # alerts keep going to the verified one
    assert [sms.to for sms in sms_outbox] == [NEW_E164]
    assert TextMessage.objects.filter(purpose=TextPurpose.CODE, account=awa).count() == 1
    assert not response.cookies

    response = app.post("/me/phones/mobile/verify", {"code": _code(sms_outbox)})
    assert response.status_code == 200
    assert response.json()["mobile"] == {"number": NEW_E164, "display": NEW, "verified": True}
    assert response.json()["pending"] is None
    fresh = User.objects.get(pk=awa.pk)
    assert (str(fresh.mobile), fresh.mobile_verified) == (NEW_E164, True)


def test_a_wrong_code_counts_and_five_end_the_attempt(api_as, awa, sms_outbox):
    app = api_as(awa)
    app.post("/me/phones/mobile", {"number": NEW, "password": factories.PASSWORD})
    right = _code(sms_outbox)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = app.post("/me/phones/mobile/verify", {"code": wrong})
        assert response.status_code == 422
        assert "code" in response.json()["fields"]
        assert app.get("/me/phones").json()["pending"]["attempts_left"] == left
    assert app.post("/me/phones/mobile/verify", {"code": wrong}).status_code == 422
    response = app.post("/me/phones/mobile/verify", {"code": right})
    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_verify"
    assert str(User.objects.get(pk=awa.pk).mobile) != NEW_E164


def test_adding_a_mobile_needs_the_password(api_as, awa, sms_outbox):
    response = api_as(awa).post("/me/phones/mobile", {"number": NEW, "password": "devine"})
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_password"
    assert sms_outbox == []


def test_a_bad_number_gets_the_websites_message(api_as, awa, sms_outbox):
    response = api_as(awa).post(
        "/me/phones/mobile", {"number": "07070707", "password": factories.PASSWORD}
    )
    assert response.status_code == 422
    assert "10 chiffres" in response.json()["fields"]["number"][0]
    response = api_as(awa).post(
        "/me/phones/mobile", {"number": str(awa.mobile), "password": factories.PASSWORD}
    )
    assert response.status_code == 422  # the same as the verified one
    assert sms_outbox == []


def test_an_unverified_mobile_may_ask_for_its_code_again(api_as, awa, sms_outbox):
    awa.mobile_verified = False
    awa.save()
    app = api_as(awa)
    response = app.post(
        "/me/phones/mobile", {"number": str(awa.mobile), "password": factories.PASSWORD}
    )
    assert response.status_code == 202
    app.post("/me/phones/mobile/verify", {"code": _code(sms_outbox)})
    assert User.objects.get(pk=awa.pk).mobile_verified


def test_a_second_code_within_30_seconds_waits_as_on_the_website(api_as, awa, sms_outbox):
    app = api_as(awa)
    app.post("/me/phones/mobile", {"number": NEW, "password": factories.PASSWORD})
    response = app.post("/me/phones/mobile", {"number": NEW, "password": factories.PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 60
    assert len(sms_outbox) == 1


def test_the_days_codes_are_capped_per_account(api_as, awa, sms_outbox):
    for _ in range(5):
        TextMessage.objects.create(to=NEW_E164, purpose=TextPurpose.CODE, account=awa)
    response = api_as(awa).post(
        "/me/phones/mobile", {"number": NEW, "password": factories.PASSWORD}
    )
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 24 * 3600
    assert sms_outbox == []


def test_changes_of_phone_share_the_websites_limit_per_account(api_as, awa, rf, sms_outbox):
    from allauth.core import ratelimit

    # The website's "Changer de mobile" page, posted three times this minute (its
    # decorator counts "change_phone" per account in the same cache).
    page = rf.post("/compte/phone/change/", REMOTE_ADDR="10.0.0.9")
    page.user = awa
    for _ in range(3):
        assert ratelimit.consume(page, action="change_phone", user=awa)
    response = api_as(awa).post(
        "/me/phones/mobile", {"number": NEW, "password": factories.PASSWORD}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 60
    assert sms_outbox == []


def test_the_pending_mobile_can_be_forgotten(api_as, awa, sms_outbox):
    app = api_as(awa)
    app.post("/me/phones/mobile", {"number": NEW, "password": factories.PASSWORD})
    assert app.delete("/me/phones/mobile/pending").status_code == 204
    assert app.get("/me/phones").json()["pending"] is None
    response = app.post("/me/phones/mobile/verify", {"code": _code(sms_outbox)})
    assert response.status_code == 409


def test_the_code_belongs_to_the_device_that_asked(client, awa, sms_outbox):
    from tests.api.conftest import ApiClient, token_for

    phone = ApiClient(client, token_for(awa, "Téléphone"))
    tablet = ApiClient(client, token_for(awa, "Tablette"))
    phone.post("/me/phones/mobile", {"number": NEW, "password": factories.PASSWORD})
    assert tablet.post("/me/phones/mobile/verify", {"code": _code(sms_outbox)}).status_code == 409


def test_the_landline_and_the_directorys_choices_change_with_the_password(api_as, awa):
    app = api_as(awa)
    response = app.patch(
        "/me/phones",
        {"password": factories.PASSWORD, "landline": "27 22 44 55 66", "hide_mobile": True},
    )
    assert response.status_code == 200
    awa.refresh_from_db()
    assert (str(awa.landline), awa.hide_mobile, awa.hide_landline) == (
        "+2252722445566",
        True,
        False,
    )
    response = app.patch("/me/phones", {"password": factories.PASSWORD, "landline": ""})
    assert response.json()["landline"] is None
    awa.refresh_from_db()
    assert (str(awa.landline), awa.hide_mobile) == ("", True)


def test_the_landline_does_not_change_without_the_password(api_as, awa):
    response = api_as(awa).patch("/me/phones", {"password": "devine", "hide_mobile": True})
    assert response.status_code == 403
    awa.refresh_from_db()
    assert awa.hide_mobile is False


def test_a_bad_landline_is_refused(api_as, awa):
    response = api_as(awa).patch(
        "/me/phones", {"password": factories.PASSWORD, "landline": "27 22", "hide_mobile": True}
    )
    assert response.status_code == 422
    assert "landline" in response.json()["fields"]
    awa.refresh_from_db()
    assert awa.hide_mobile is False


def test_adding_a_mobile_again_with_the_same_key_sends_one_code(api_as, awa, sms_outbox):
    app = api_as(awa)
    key = {"Idempotency-Key": "3b1f0c9e-phone-0001"}
    payload = {"number": NEW, "password": factories.PASSWORD}
    first = app.post("/me/phones/mobile", payload, headers=key)
    again = app.post("/me/phones/mobile", payload, headers=key)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again["Idempotent-Replayed"] == "true"
    assert len(sms_outbox) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me/phones"),
        ("patch", "/me/phones"),
        ("post", "/me/phones/mobile"),
        ("post", "/me/phones/mobile/verify"),
        ("delete", "/me/phones/mobile/pending"),
    ],
)
def test_phones_need_a_token(api, method, path):
    assert getattr(api, method)(path).status_code == 401


def test_the_phones_cost_a_fixed_number_of_queries(api_as, awa, django_assert_num_queries):
    app = api_as(awa)
    app.get("/me")
    with django_assert_num_queries(1):  # the token and its user; the code waits in the cache
        assert app.get("/me/phones").status_code == 200


def test_what_the_website_would_say_comes_back_as_notices(api_as, awa, sms_outbox):
    response = api_as(awa).post(
        "/me/phones/mobile", {"number": "+33 6 12 34 56 78", "password": factories.PASSWORD}
    )
    assert response.status_code == 202
    notices = response.json()["notices"]
    assert any("numéro étranger" in notice for notice in notices)
    assert not response.cookies
