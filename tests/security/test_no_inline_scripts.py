"""No page runs script the CSP would have to allow inline: every script is a static file.

Checked twice: in the template sources (a template no test renders is still read), and in
the pages as a visitor, a member and an outsider see them (what includes and template tags
add is read too).
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from monquartier.alerts import services as alerts
from monquartier.messaging import services as messaging
from tests import factories

# Data blocks (json_script) are not run.
DATA_TYPES = {"application/json", "application/ld+json"}
EVENT_HANDLER = re.compile(r"on[a-z]+")
URL_ATTRIBUTES = {"href", "src", "action", "formaction"}


class InlineScriptFinder(HTMLParser):
    """Inline <script>, on…= handlers, javascript: URLs, and htmx attributes that run
    script (hx-on, hx-vars, js: values)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        values = {name: value or "" for name, value in attrs}
        if (
            tag == "script"
            and not values.get("src")
            and values.get("type", "").lower() not in DATA_TYPES
        ):
            self.problems.append(f"line {line}: <script> without src")
        for name, value in values.items():
            htmx_name = name.removeprefix("data-")
            if EVENT_HANDLER.fullmatch(name) or htmx_name.startswith(("hx-on", "hx-vars")):
                self.problems.append(f"line {line}: <{tag} {name}=…>")
            elif name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: <{tag} {name}=javascript:…>")
            elif htmx_name == "hx-vals" and value.strip().lower().startswith(
                ("js:", "javascript:")
            ):
                self.problems.append(f"line {line}: <{tag} {name}=js:…>")


def inline_scripts(html: str) -> list[str]:
    finder = InlineScriptFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def test_the_finder_sees_each_kind_of_inline_script():
    # The pages below must pass; this proves a page with inline script would not.
    html = """<script>alert(1)</script>
<script type="module">import "x"</script>
<button onclick="go()">Go</button>
<body ONLOAD="init()">
<a href=" JavaScript:void(0)">x</a>
<div hx-on:click="x()"></div><div data-hx-on--after-request="y()"></div>
<div hx-vals='js:{a: b()}'></div>
<script src="/static/js/pin-map.js"></script>
<script id="points" type="application/json">[1, 2]</script>
<details{% if form.errors %} open{% endif %}><summary>ok</summary></details>
<a href="{% url 'home' %}" hx-vals='{"page": 2}'>ok</a>"""
    assert [problem.split(":", 1)[0] for problem in inline_scripts(html)] == [
        "line 1",
        "line 2",
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 6",
        "line 7",
    ]


def our_templates() -> list[Path]:
    roots = [Path(root) for root in settings.TEMPLATES[0]["DIRS"]]
    roots += sorted((settings.BASE_DIR / "monquartier").glob("*/templates"))
    return sorted(path for root in roots for path in root.rglob("*.html"))


def test_no_template_has_an_inline_script_or_event_handler():
    templates = our_templates()
    assert len(templates) > 50, "the templates were not found"
    problems = [
        f"{path.relative_to(settings.BASE_DIR)} {problem}"
        for path in templates
        for problem in inline_scripts(path.read_text(encoding="utf-8"))
    ]
    assert problems == []


def assert_pages_are_script_free(client, urls: list[str]) -> None:
    problems = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        problems += [f"{url} {problem}" for problem in inline_scripts(response.content.decode())]
    assert problems == []


def test_the_pages_a_visitor_sees_have_no_inline_script(client, riviera):
    riviera.public_page = True
    riviera.save(update_fields=["public_page"])
    commune = riviera.commune.slug
    assert_pages_are_script_free(
        client,
        [
            reverse("home"),
            reverse("charter"),
            reverse("account_login"),
            reverse("account_signup"),
            reverse("account_reset_password"),
            reverse("public:communes"),
            reverse("public:commune", args=[commune]),
            reverse("public:community", args=[commune, riviera.pk]),
        ],
    )
    # Error pages are pages too.
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert inline_scripts(response.content.decode()) == []


def test_the_pages_a_member_sees_have_no_inline_script(client, riviera, awa, yao):
    alert = alerts.send_alert(awa, category="suspicious", text="Un inconnu essaie les portails")
    post = factories.make_post(awa)
    conversation = messaging.start_conversation(awa, [yao.pk], "Bonsoir Yao").conversation
    factories.log_in(client, awa)
    community = [riviera.pk]
    assert_pages_are_script_free(
        client,
        [
            reverse("home"),
            reverse("alerts:list"),
            reverse("alerts:launch"),
            reverse("alerts:detail", args=[alert.pk]),
            reverse("gazette:list"),
            reverse("gazette:create"),
            reverse("gazette:detail", args=[post.pk]),
            reverse("messaging:list"),
            reverse("messaging:compose"),
            reverse("messaging:conversation", args=[conversation.pk]),
            reverse("communities:info", args=community),
            reverse("communities:directory", args=community),
            reverse("communities:member", args=[riviera.pk, yao.pk]),
            reverse("communities:history", args=community),
            reverse("communities:requests", args=community),
            reverse("communities:referents", args=community),
            reverse("communities:boundary", args=community),
            reverse("communities:settings", args=community),
            reverse("communities:twinnings", args=community),
            reverse("communities:register_neighbour", args=community),
            reverse("notification_settings"),
            reverse("accounts:settings"),
            reverse("accounts:identity"),
            reverse("accounts:phones"),
            reverse("accounts:profile"),
            reverse("accounts:home"),
            reverse("accounts:close"),
            reverse("account_email"),
            reverse("account_change_password"),
            reverse("account_change_phone"),
        ],
    )


def test_the_pages_an_outsider_sees_have_no_inline_script(client, issa):
    factories.log_in(client, issa)
    assert_pages_are_script_free(
        client,
        [reverse("communities:mine"), reverse("communities:create"), reverse("accounts:home")],
    )
