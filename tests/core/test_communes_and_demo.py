import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.demo import (
    DEMO_PASSWORD,
    DEMO_STAFF_TOTP_SECRET,
    current_totp_code,
    named_logins,
)
from monquartier.accounts.models import Home, User
from monquartier.places.models import Commune
from monquartier.townhalls.demo import DEMO_AGENT_EMAIL
from monquartier.web.management.commands import run_demo

ABIDJAN = {
    "Abobo",
    "Adjamé",
    "Anyama",
    "Attécoubé",
    "Bingerville",
    "Cocody",
    "Koumassi",
    "Marcory",
    "Plateau",
    "Port-Bouët",
    "Songon",
    "Treichville",
    "Yopougon",
}


@pytest.mark.django_db
def test_the_communes_of_abidjan_and_the_main_towns_are_loaded():
    assert set(Commune.objects.filter(district="Abidjan").values_list("name", flat=True)) == ABIDJAN
    for town in ("Yamoussoukro", "Bouaké", "Daloa", "San-Pédro", "Korhogo", "Man", "Gagnoa"):
        assert Commune.objects.filter(name=town).exists(), town
    for commune in Commune.objects.all():
        # Centres inside Côte d'Ivoire's bounding box.
        assert 4.3 < commune.latitude < 10.8 and -8.7 < commune.longitude < -2.4, commune


@pytest.mark.django_db
def test_demo_data_loads_twice_without_change_and_its_logins_work(client):
    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (User.objects.count(), Home.objects.count())
    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (User.objects.count(), Home.objects.count()) == counts
    assert counts[0] >= 30
    communes = set(Home.objects.values_list("commune__slug", flat=True))
    # Koumassi: the two communities staff can merge (staffops).
    assert communes == {"cocody", "yopougon", "marcory", "plateau", "koumassi"}
    assert all(
        str(mobile).startswith("+225") for mobile in User.objects.values_list("mobile", flat=True)
    )
    for _role, email, password in named_logins():
        assert password == DEMO_PASSWORD
        client.logout()
        response = client.post("/compte/login/", {"login": email, "password": password})
        assert response.status_code == 302, email
    # The last log-in is the staff's: it asks for the code that make demo says how to get.
    assert User.objects.get(email=email).is_staff
    code = StringIO()
    call_command("demo_totp_code", stdout=code)
    client.post(reverse("mfa_authenticate"), {"code": code.getvalue().strip()})
    assert client.get("/admin/").status_code == 200
    # The town hall's agent too: password, then the same kind of code, then the console.
    client.logout()
    client.post("/compte/login/", {"login": DEMO_AGENT_EMAIL, "password": DEMO_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(DEMO_STAFF_TOTP_SECRET)})
    assert client.get(reverse("townhalls:console")).status_code == 200

    from monquartier.communities.models import Community, Membership, Twinning

    # One per quartier, and the two of Koumassi, twinned, that staff can merge (staffops).
    assert Community.objects.count() == 10
    assert Twinning.objects.filter(status="active").count() == 4
    assert Membership.objects.pending().count() == 8
    awa = User.objects.get(email=named_logins()[0][1])
    riviera = Membership.objects.get(user=awa).community
    assert Membership.objects.get(user=awa).is_referent
    assert (
        Membership.objects.active()
        .filter(community=riviera, user__email=named_logins()[1][1])
        .exists()
    )
    for community in Community.objects.all():
        assert community.area_m2 < 1_000_000

    from monquartier.alerts.models import Alert, AlertRead

    # The alerts of the last days; older ones are the town hall's history (townhalls).
    recent = Alert.objects.visible().filter(created_at__gte=timezone.now() - timedelta(days=7))
    # Two for each community (Koumassi Remblais's two included), and one held by the
    # safeguards for the référents' page.
    assert recent.count() == 20
    assert Alert.objects.held().count() == 1
    assert AlertRead.objects.exists()
    assert recent.filter(created_at__lt=timezone.now() - timedelta(hours=1)).count() == 20

    from monquartier.gazette.models import Post
    from monquartier.messaging.models import Conversation
    from monquartier.moderation.models import Report

    assert Post.objects.exists()
    assert Conversation.objects.count() == 2
    assert Report.objects.exists()


def test_run_demo_gives_its_port_to_the_links_written_by_every_process(
    monkeypatch, capfd, settings
):
    """The web server, the worker and the scheduler each get the demo's address as
    SITE_URL: the links of the e-mails and SMS in the dev outbox open the demo."""
    monkeypatch.delenv("SITE_URL", raising=False)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    # The demo's processes, each replaced by one that prints the address it would use
    # (the web one through Django's settings). The demo stops when one process ends: the
    # other two wait to be stopped. Each writes its line in one system call: the three
    # share the terminal unbuffered, and print's separate writes could interleave.
    show = (
        "import os, time; os.write(1, ('{name} ' + os.environ['SITE_URL'] + '\\n').encode());"
        " time.sleep(60)"
    )
    monkeypatch.setattr(
        run_demo,
        "demo_commands",
        lambda host, port: {
            "web": [
                *manage,
                "shell",
                "-c",
                "import os; from django.conf import settings as s;"
                " os.write(1, ('web ' + s.SITE_URL + '\\n').encode())",
            ],
            "worker": [sys.executable, "-c", show.format(name="worker")],
            "scheduler": [sys.executable, "-c", show.format(name="scheduler")],
        },
    )

    call_command("run_demo", port=8123, host=run_demo.ALL_INTERFACES)

    out = capfd.readouterr().out
    for name in ("web", "worker", "scheduler"):
        assert f"{name} http://localhost:8123\n" in out
    assert "MonQuartier demo: http://localhost:8123/" in out
    assert "http://localhost:8123/dev/boite-d-envoi/" in out
