""" "Télécharger mes données": the zip opens, the JSON holds the member's data and nobody
else's, with their photo and attachments; behind the password, flood-limited."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts import exports, services
from monquartier.accounts.models import DataExport
from monquartier.alerts import services as alerts
from monquartier.audit import log
from monquartier.messaging import services as messaging
from tests import factories


@pytest.fixture
def busy_awa(riviera, awa, yao, issa, mariam):
    """Awa with a photo, an alert, a post with a photo, and a conversation with Yao; Yao
    and Issa with data of their own."""
    services.set_profile_photo(awa, factories.uploaded_image())
    services.update_profile(awa, description="J'aime le jardinage.", housing_notes="Portail bleu")
    alerts.send_alert(awa, category="theft", text="Vol de moto devant la pharmacie")
    factories.make_post(awa, title="Vends vélo", files=[factories.uploaded_image("velo.jpg")])
    factories.make_post(yao, title="Cours de maths", text="Pour les CM2.")
    first = messaging.start_conversation(awa, [yao.pk], "Bonsoir Yao, le portail est ouvert ?")
    messaging.reply(yao, first.conversation, "Oui, je le ferme tout de suite.")
    log.record(mariam, "member.view", member=awa, target=awa, reason="ticket 12")
    return awa


def download(client) -> tuple[dict, zipfile.ZipFile]:
    response = client.post(reverse("accounts:my_data"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return json.loads(archive.read(exports.JSON_NAME)), archive


def test_the_zip_holds_the_members_data_and_files(client, busy_awa, yao, issa):
    factories.log_in(client, busy_awa)
    data, archive = download(client)
    account = data["account"]
    assert account["email"] == "awa.kone@exemple.ci"
    assert account["phones"]["mobile"] == str(busy_awa.mobile)
    assert account["profile"]["housing_notes"] == "Portail bleu"
    assert account["home"]["commune"] == "Cocody"
    assert [m["community"] for m in data["memberships"]] == ["Riviera 2"]
    assert data["memberships"][0]["referent"] is True
    assert data["alerts_sent"][0]["text"] == "Vol de moto devant la pharmacie"
    assert [post["title"] for post in data["gazette_posts"]] == ["Vends vélo"]
    [conversation] = data["conversations"]
    assert [m["from"] for m in conversation["messages"]] == ["me", "Yao Kouassi"]
    assert conversation["messages"][1]["text"] == "Oui, je le ferme tout de suite."
    assert data["staff_access"] == [
        {"created_at": data["staff_access"][0]["created_at"], "action": "member.view"}
    ]
    assert "notification_preferences" in data and "deliveries_last_90_days" in data
    files = [name for name in archive.namelist() if name.startswith("fichiers/")]
    photo = account["profile"]["photo"]
    assert f"fichiers/account/{photo}" in files
    attachment = data["gazette_posts"][0]["attachments"][0]["file"]
    assert f"fichiers/gazette_posts/{attachment}" in files
    assert archive.read(f"fichiers/account/{photo}")[:2] == b"\xff\xd8"  # a JPEG


def test_the_zip_holds_nobody_elses_personal_data(client, busy_awa, yao, issa, mariam):
    factories.log_in(client, busy_awa)
    _data, archive = download(client)
    text = archive.read(exports.JSON_NAME).decode()
    for other in (yao, issa):
        assert other.email not in text
        assert str(other.mobile) not in text
    assert "Cours de maths" not in text  # Yao's post
    assert "mariam" not in text.lower()  # who on the team looked: never said
    assert len([n for n in archive.namelist() if n.startswith("fichiers/")]) == 2


def test_the_download_needs_the_password_typed_recently(client, busy_awa):
    client.force_login(busy_awa)  # a session opened by a link: nothing typed
    response = client.post(reverse("accounts:my_data"))
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert not DataExport.objects.exists()


def test_downloads_are_flood_limited(client, busy_awa, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "data_export": (2, 24 * 3600)}
    factories.log_in(client, busy_awa)
    download(client)
    download(client)
    response = client.post(reverse("accounts:my_data"))
    assert response.status_code == 302
    assert DataExport.objects.filter(user=busy_awa).count() == 2


def test_the_page_says_what_the_zip_holds(client, awa, django_assert_max_num_queries):
    factories.log_in(client, awa)
    assert reverse("accounts:my_data") in client.get(reverse("accounts:settings")).content.decode()
    with django_assert_max_num_queries(8):
        page = client.get(reverse("accounts:my_data"))
    assert "Télécharger le fichier zip" in page.content.decode()


def test_old_deliveries_are_left_out(client, awa):
    from monquartier.outbox.models import Channel, Delivery

    old = timezone.now() - timedelta(days=exports.RECENT_DAYS + 1)
    Delivery.objects.create(
        user=awa, channel=Channel.EMAIL, address="vieux@exemple.ci", created_at=old
    )
    Delivery.objects.create(user=awa, channel=Channel.EMAIL, address=awa.email)
    factories.log_in(client, awa)
    data, _archive = download(client)
    assert [row["address"] for row in data["deliveries_last_90_days"]] == [awa.email]


def test_an_agent_finds_their_town_hall_role(aicha):
    archive = zipfile.ZipFile(exports.build_export(aicha))
    data = json.loads(archive.read(exports.JSON_NAME))
    assert data["town_hall"]["agent"]["town_hall"] == aicha.town_hall_agent.town_hall.name
    assert data["memberships"] == []
