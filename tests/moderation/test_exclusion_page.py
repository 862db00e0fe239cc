from django.urls import reverse

from monquartier.moderation.models import ExclusionRequest
from tests import factories


def test_a_referent_asks_for_an_exclusion_from_the_page(client, riviera, awa, yao):
    factories.log_in(client, awa)
    url = reverse("moderation:exclusion", args=[riviera.pk, yao.pk])
    assert "Demander l'exclusion" in client.get(url).content.decode()
    response = client.post(url, {"reason": "court"})
    assert response.status_code == 200 and not ExclusionRequest.objects.exists()
    response = client.post(url, {"reason": "Menaces répétées dans la gazette."})
    assert response["Location"] == reverse("communities:member", args=[riviera.pk, yao.pk])
    request = ExclusionRequest.objects.get()
    assert (request.community, request.member, request.requested_by) == (riviera, yao, awa)


def test_only_a_referent_opens_the_exclusion_page(client, riviera, awa, yao):
    factories.log_in(client, yao)
    assert client.get(reverse("moderation:exclusion", args=[riviera.pk, awa.pk])).status_code == 403
