"""Page weight guards (TARGETS.md): each main page's HTML fits in TCP's first window
(14 KB gzipped, full list pages included), and every static file a page names is a
hashed file that browsers keep for a year, so that a repeat visit downloads only the
HTML. `make bench BENCH_ARGS="--only weight"` measures the same in Chromium."""

import gzip
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from monquartier.alerts.demo import EXAMPLES as ALERT_TEXTS
from monquartier.alerts.models import Alert
from monquartier.gazette.demo import POSTS as POST_TEXTS
from monquartier.gazette.models import Post
from monquartier.messaging import services as messaging
from monquartier.messaging.demo import NEIGHBOURS as MESSAGE_TEXTS
from monquartier.messaging.models import Message
from tests import factories

HTML_LIMIT = 14 * 1024
YEAR = 365 * 24 * 3600
FIRST_NAMES = ["Adjoua", "Koffi", "Fatou", "Serge", "Aminata", "Brice", "Rokia", "Didier"]
LAST_NAMES = ["N'Guessan", "Bamba", "Ouattara", "Coulibaly", "Diabaté", "Kouamé"]
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@pytest.fixture
def full_pages(riviera, awa, yao):
    """Riviera 2 with more than a page of everything: neighbours, alerts, posts, a long
    conversation and many conversations."""
    neighbours = [
        factories.add_member(
            riviera,
            first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
            last_name=LAST_NAMES[index % len(LAST_NAMES)],
        )
        for index in range(32)
    ]
    now = timezone.now()
    Alert.objects.bulk_create(
        Alert(
            community=riviera,
            sender=neighbours[index],
            category=ALERT_TEXTS[index % len(ALERT_TEXTS)][0],
            text=ALERT_TEXTS[index % len(ALERT_TEXTS)][1],
            created_at=now - timedelta(hours=index),
        )
        for index in range(24)
    )
    Post.objects.bulk_create(
        Post(
            community=riviera,
            author=neighbours[index],
            category=POST_TEXTS[index % len(POST_TEXTS)][0],
            title=POST_TEXTS[index % len(POST_TEXTS)][1],
            text=POST_TEXTS[index % len(POST_TEXTS)][2],
            created_at=now - timedelta(hours=index),
        )
        for index in range(18)
    )
    first = messaging.start_conversation(awa, [yao.pk], MESSAGE_TEXTS[0][2])
    Message.objects.bulk_create(
        Message(
            conversation=first.conversation,
            sender=(awa, yao)[index % 2],
            text=MESSAGE_TEXTS[index % len(MESSAGE_TEXTS)][2],
            created_at=now - timedelta(minutes=40 - index),
        )
        for index in range(35)
    )
    for neighbour in neighbours[:22]:
        messaging.start_conversation(neighbour, [awa.pk], MESSAGE_TEXTS[1][2])
    riviera.public_page = True
    riviera.presentation = "Les voisins des Manguiers se préviennent et s'entraident."
    riviera.save()
    return {
        "community": riviera,
        "alert": Alert.objects.filter(community=riviera).first(),
        "post": Post.objects.filter(community=riviera).first(),
        "conversation": first.conversation,
        "neighbour": yao,
    }


def visitor_urls(data) -> list[str]:
    community = data["community"]
    return [
        reverse("home"),
        reverse("charter"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("public:communes"),
        reverse("public:commune", args=[community.commune.slug]),
        reverse("public:community", args=[community.commune.slug, community.pk]),
    ]


def member_urls(data) -> list[str]:
    community = data["community"].pk
    return [
        reverse("home"),
        reverse("alerts:list"),
        reverse("alerts:detail", args=[data["alert"].pk]),
        reverse("alerts:launch"),
        reverse("gazette:list"),
        reverse("gazette:detail", args=[data["post"].pk]),
        reverse("gazette:create"),
        reverse("communities:info", args=[community]),
        reverse("communities:directory", args=[community]),
        reverse("communities:member", args=[community, data["neighbour"].pk]),
        reverse("communities:history", args=[community]),
        reverse("messaging:list"),
        reverse("messaging:conversation", args=[data["conversation"].pk]),
        reverse("accounts:settings"),
        reverse("accounts:profile"),
        reverse("notification_settings"),
    ]


def test_every_main_page_fits_in_one_round_trip_gzipped(client, awa, full_pages):
    """gzip at level 6, as the reverse proxy of docs/deployment.md compresses."""
    sizes = {}
    for url in visitor_urls(full_pages):
        sizes[f"visitor {url}"] = client.get(url)
    factories.log_in(client, awa)
    for url in member_urls(full_pages):
        sizes[f"member {url}"] = client.get(url)

    assert {name: r.status_code for name, r in sizes.items() if r.status_code != 200} == {}
    compressed = {
        name: len(gzip.compress(response.content, compresslevel=6))
        for name, response in sizes.items()
    }
    assert {name: size for name, size in compressed.items() if size > HTML_LIMIT} == {}
    # Full list pages really were rendered.
    assert sizes[f"member {reverse('alerts:list')}"].content.count(b'class="alert-item') == 20


@pytest.fixture
def collected(settings, tmp_path):
    """The static files as production collects them: hashed and compressed by WhiteNoise.
    Without the admin's and the unused htmx and Leaflet files, which only cost time."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command(
        "collectstatic",
        interactive=False,
        verbosity=0,
        ignore_patterns=["admin", "ext", "draw", "htmax-*", "htmx-4*", "proj4*", "*-src.js*"],
    )
    return settings.STATIC_ROOT


def test_pages_name_only_hashed_static_files_kept_for_a_year(collected, awa, full_pages):
    visitor, member = Client(), Client()
    factories.log_in(member, awa)
    community = full_pages["community"]
    pages = [
        visitor.get(reverse("home")),
        visitor.get(reverse("public:community", args=[community.commune.slug, community.pk])),
        member.get(reverse("home")),
        member.get(reverse("communities:info", args=[community.pk])),
        member.get(reverse("alerts:launch")),
    ]
    urls = {url for page in pages for url in STATIC_URL.findall(page.content.decode())}

    assert any(url.endswith(".css") for url in urls) and any(url.endswith(".js") for url in urls)
    for url in sorted(urls):
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), f"{url}: not a hashed name"
        response = visitor.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
        assert response.status_code == 200, url
        cache = response["Cache-Control"]
        max_age = int(re.search(r"max-age=(\d+)", cache).group(1))
        assert max_age >= YEAR and "immutable" in cache, f"{url}: {cache}"
        if url.endswith((".css", ".js", ".svg")):
            assert response["Content-Encoding"] == "br", url
