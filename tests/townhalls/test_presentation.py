"""The presentation of MonQuartier for a commune: a real, light PDF of aggregated numbers,
its public URL, and its sending to the town hall."""

import io
import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from monquartier.alerts.models import Alert, AlertCategory
from monquartier.communities.models import Community
from monquartier.places.models import Commune
from monquartier.townhalls import presentation
from monquartier.townhalls.models import PresentationSent
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = "/mairie-partenaire/"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _alert(community, sender, category, *, days_ago=0, **fields):
    return Alert.objects.create(
        community=community,
        sender=sender,
        category=category,
        text="Alerte de test",
        created_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def alerts(riviera, riviera3, awa, yao, koffi):
    _alert(riviera, awa, AlertCategory.BURGLARY, days_ago=3)
    _alert(riviera, yao, AlertCategory.BURGLARY, days_ago=40)
    first = _alert(riviera3, koffi, AlertCategory.FIRE, days_ago=100)
    # Not counted: older than a year, a correction, a hidden one.
    _alert(riviera, awa, AlertCategory.THEFT, days_ago=400)
    _alert(riviera3, koffi, AlertCategory.FIRE, days_ago=99, corrects=first)
    _alert(riviera, awa, AlertCategory.THEFT, days_ago=5, hidden_at=timezone.now())


def test_the_pdf_is_a_real_pdf_with_the_communes_aggregated_numbers(alerts, aya):
    figures = presentation.commune_figures(Commune.objects.get(slug="cocody"))
    assert (figures.community_count, figures.member_count, figures.alert_count) == (2, 4, 3)
    assert figures.alerts_by_category == [("Cambriolage", 2), ("Incendie", 1)]
    pdf = presentation.render_pdf(figures)
    assert pdf.startswith(b"%PDF-") and len(pdf) < 100_000
    text = _text(pdf)
    assert "MonQuartier à Cocody" in text
    assert "Communautés de voisins 2" in text
    assert "Membres 4" in text
    assert "Alertes des 12 derniers mois 3" in text
    assert "Cambriolage 2" in text and "Incendie 1" in text and "Vol" not in text
    assert "Riviera 2 2" in text and "Riviera 3 2" in text
    assert "mairies@monquartier.ci" in text
    # Aggregated numbers only: nobody's name.
    for name in ("Awa", "Koné", "Yao", "Kouassi", "Koffi", "Aya", "couturière"):
        assert name not in text


def test_the_public_url_serves_the_pdf_to_anyone_with_sensible_headers(client, alerts):
    response = client.get(reverse("townhalls:presentation", args=["cocody"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="monquartier-cocody.pdf"'
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    assert "MonQuartier à Cocody" in _text(response.content)
    assert client.get("/mairie-partenaire/monquartier-atlantide.pdf").status_code == 404
    assert client.post(reverse("townhalls:presentation", args=["cocody"])).status_code == 405


def test_a_commune_of_2000_communities_builds_a_light_pdf_in_under_a_second(awa):
    cocody = Commune.objects.get(slug="cocody")
    area = factories.square(*factories.RIVIERA)
    Community.objects.bulk_create(
        Community(
            name=f"Quartier {number:04d}",
            commune=cocody,
            area=area,
            area_m2=360_000,
            min_latitude=5.35,
            max_latitude=5.36,
            min_longitude=-3.97,
            max_longitude=-3.96,
            centre_latitude=5.355,
            centre_longitude=-3.965,
        )
        for number in range(2000)
    )
    started = time.perf_counter()
    pdf = presentation.render_pdf(presentation.commune_figures(cocody))
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert len(pdf) < 100_000
    text = _text(pdf)
    assert "Communautés de voisins 2 000" in text or "Communautés de voisins 2000" in text
    assert "Quartier 0000" in text and "Quartier 0039" in text and "Quartier 0040" not in text
    assert re.search(r"et 1\s?960 autres communautés", text)


def test_a_member_sends_the_presentation_by_a_link_recorded_and_flood_limited(
    client, yao, riviera, run_tasks
):
    factories.log_in(client, yao)
    response = client.post(
        PAGE, {"to": " Maire@Mairie-Cocody.ci ", "message": "Rejoignez-nous, voisins de Riviera !"}
    )
    assert response.status_code == 302
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["maire@mairie-cocody.ci"]
    assert "Cocody" in message.subject
    assert "Rejoignez-nous, voisins de Riviera !" in message.body
    assert not message.attachments
    html, _mime = message.alternatives[0]
    assert "/mairie-partenaire/monquartier-cocody.pdf" in html
    link = re.search(r"https?://\S+/mairie-partenaire/monquartier-cocody\.pdf", message.body)
    assert link is not None
    # The sender's name is not in it.
    assert "Kouassi" not in message.body and "Yao" not in message.body
    sent = PresentationSent.objects.get()
    assert (sent.sent_by, sent.to, sent.commune.slug) == (yao, "maire@mairie-cocody.ci", "cocody")
    client.logout()
    pdf = client.get(link.group(0).split("localhost:8000", 1)[-1])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    factories.log_in(client, yao)
    for _ in range(2):
        assert client.post(PAGE, {"to": "maire@mairie-cocody.ci"}).status_code == 302
    flooded = client.post(PAGE, {"to": "maire@mairie-cocody.ci"})
    assert flooded.status_code == 400
    assert "cette semaine" in flooded.content.decode()
    assert PresentationSent.objects.count() == 3


def test_a_bad_address_or_a_too_long_message_is_refused_with_a_message(client, yao, riviera):
    factories.log_in(client, yao)
    response = client.post(PAGE, {"to": "la mairie"})
    assert response.status_code == 400
    assert "adresse e-mail n&#x27;est pas valable" in response.content.decode()
    response = client.post(PAGE, {"to": "maire@mairie-cocody.ci", "message": "x" * 501})
    assert response.status_code == 400
    with pytest.raises(ValidationError) as error:
        presentation.send_presentation(yao, yao.home.commune, "pas-une-adresse")
    assert "to" in error.value.message_dict
    assert not PresentationSent.objects.exists() and not mail.outbox


def test_nothing_is_sent_for_a_commune_whose_town_hall_is_a_partner(
    client, yao, riviera, cocody_town_hall
):
    with pytest.raises(ValidationError):
        presentation.send_presentation(yao, cocody_town_hall.commune, "maire@mairie-cocody.ci")
    factories.log_in(client, yao)
    assert client.post(PAGE, {"to": "maire@mairie-cocody.ci"}).status_code == 302
    assert not PresentationSent.objects.exists() and not mail.outbox
