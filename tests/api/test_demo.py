from monquartier.accounts.demo import DEMO_PASSWORD, create_demo_people, email_for
from monquartier.alerts.demo import create_demo_alerts
from monquartier.api.demo import DEMO_API_TOKEN, create_demo_device_tokens
from monquartier.communities.demo import create_demo_communities
from monquartier.gazette.demo import create_demo_posts
from monquartier.messaging.demo import create_demo_conversations
from tests.api.conftest import ApiClient


def test_the_demo_token_and_docs_first_run_work(communes, client):
    create_demo_people()
    create_demo_communities()
    create_demo_alerts()
    assert create_demo_device_tokens() == 1
    assert create_demo_device_tokens() == 0
    yao = ApiClient(client, DEMO_API_TOKEN)
    assert yao.get("/me").json()["email"] == "yao.kouassi@demo.monquartier.ci"
    assert yao.get("/alerts").json()["items"]
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
