from monquartier.accounts.demo import DEMO_PASSWORD, create_demo_people, email_for
from monquartier.alerts.demo import create_demo_alerts
from monquartier.api.demo import (
    DEMO_API_TOKEN,
    DEMO_REFERENT_API_TOKEN,
    create_demo_device_tokens,
)
from monquartier.communities.demo import create_demo_communities
from monquartier.gazette.demo import create_demo_posts
from monquartier.messaging.demo import create_demo_conversations
from tests.api.conftest import ApiClient


def test_the_demo_token_and_docs_first_run_work(communes, client):
    create_demo_people()
    create_demo_communities()
    create_demo_alerts()
    assert create_demo_device_tokens() == 2
    assert create_demo_device_tokens() == 0
    yao = ApiClient(client, DEMO_API_TOKEN)
    assert yao.get("/me").json()["email"] == "yao.kouassi@demo.monquartier.ci"
    assert yao.get("/alerts").json()["items"]
    # The référente's phone reaches the référents' endpoints of docs/api.md.
    awa = ApiClient(client, DEMO_REFERENT_API_TOKEN)
    assert any(item["is_me"] for item in awa.get("/community/referents").json()["items"])
    assert awa.get("/community/twinnings").status_code == 200
    assert awa.get("/community/validation-mode").json()["mode"] == "referents"
    assert yao.get("/community/referents").status_code == 403
    # docs/api.md's sign-in, as written there.
    signed_in = ApiClient(client).post(
        "/auth/token",
        {
            "email": email_for("Yao", "Kouassi"),
            "password": DEMO_PASSWORD,
            "device_name": "Mon Tecno Spark",
        },
    )
    assert signed_in.status_code == 201
    sent = ApiClient(client, signed_in.json()["token"]).post(
        "/alerts",
        {
            "category": "theft",
            "text": "On vient de voler une moto devant la pharmacie",
            "place": {"latitude": 5.3601, "longitude": -3.9612},
        },
        headers={"Idempotency-Key": "4f0c2b9e-6a51-4c1e-9d2a-0e8b7f3a5c61"},
    )
    assert sent.status_code == 201, sent.json()


def test_the_demo_token_reads_the_gazette_and_messages(communes, client):
    create_demo_people()
    create_demo_communities()
    create_demo_posts()
    create_demo_conversations()
    create_demo_device_tokens()
    yao = ApiClient(client, DEMO_API_TOKEN)
    assert yao.get("/gazette").json()["items"]
    conversations = yao.get("/conversations").json()["items"]
    assert conversations
    thread = yao.get(f"/conversations/{conversations[0]['id']}").json()
    assert thread["messages"]
    assert yao.get("/recipients").json()["items"]


def test_the_demo_town_hall_token_reads_the_communes_alerts(communes, client):
    from monquartier.api.demo import DEMO_AGENT_API_TOKEN
    from monquartier.townhalls.demo import create_demo_town_hall

    create_demo_people()
    create_demo_communities()
    create_demo_alerts()
    create_demo_town_hall()
    assert create_demo_device_tokens() == 3
    assert create_demo_device_tokens() == 0
    town_hall = ApiClient(client, DEMO_AGENT_API_TOKEN)
    alerts = town_hall.get("/townhall/alerts").json()["items"]
    assert alerts
    # docs/api.md's partners' example, as written there.
    seen = town_hall.post(f"/townhall/alerts/{alerts[0]['id']}/seen")
    assert seen.status_code == 200 and seen.json()["newly_seen"] is True
    assert town_hall.get("/townhall/announcements").json()["items"]
    assert ApiClient(client, DEMO_API_TOKEN).get("/townhall/alerts").status_code == 403


def test_the_demo_has_a_public_page_for_the_public_endpoints(communes, client):
    from monquartier.communities.models import Community

    create_demo_people()
    create_demo_communities()
    create_demo_communities()  # again: nothing changes
    community = Community.objects.get(public_page=True)
    body = ApiClient(client).get(f"/public/communities/{community.pk}").json()
    assert body["name"] == "Riviera 2 – Les Manguiers"
    assert body["presentation"].startswith("Nous sommes les voisins")
    assert body["referents"]
