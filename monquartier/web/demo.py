"""The demo data, app by app. Each loader is idempotent; later features add theirs here."""

from monquartier.accounts.demo import DEMO_STAFF_TOTP_SECRET, create_demo_people, named_logins
from monquartier.alerts.demo import (
    create_demo_alerts,
    create_demo_escalation,
    create_demo_held_alert,
)
from monquartier.alerts.voice_demo import create_demo_voice_calls
from monquartier.api.demo import (
    DEMO_AGENT_API_TOKEN,
    DEMO_API_TOKEN,
    DEMO_REFERENT_API_TOKEN,
    create_demo_device_tokens,
)
from monquartier.communities.demo import create_demo_communities
from monquartier.gazette.demo import create_demo_posts, create_demo_report
from monquartier.helpcentre.demo import create_demo_help
from monquartier.invitations.demo import create_demo_invitations
from monquartier.messaging.demo import create_demo_conversations
from monquartier.newsletters.demo import create_demo_newsletters
from monquartier.shop.demo import create_demo_shop
from monquartier.staffops.demo import create_demo_audit_entries, create_demo_mergeable_communities
from monquartier.support.demo import create_demo_tickets
from monquartier.townhalls.demo import (
    create_demo_mandate_order,
    create_demo_town_hall,
    demo_agent_login,
)
from monquartier.townhalls.demo_history import create_demo_history
from monquartier.ussd.demo import create_demo_basic_phones


def load_demo_data() -> list[str]:
    created, total = create_demo_people()
    communities, twinnings = create_demo_communities()
    # Before the alerts and posts, so that the two staff can merge have some to move.
    mergeable = create_demo_mergeable_communities()
    alerts = create_demo_alerts()
    held_alerts = create_demo_held_alert()
    escalated = create_demo_escalation()
    voice_calls = create_demo_voice_calls()
    posts = create_demo_posts()
    conversations = create_demo_conversations()
    reports = create_demo_report()
    town_halls = create_demo_town_hall()
    history = create_demo_history()
    newsletters = create_demo_newsletters()
    invitations = create_demo_invitations()
    tickets = create_demo_tickets()
    audit_entries = create_demo_audit_entries()
    products, orders = create_demo_shop()
    # After the catalogue: the town hall's request becomes a shop order by mandate.
    mandates = create_demo_mandate_order()
    return [
        f"People: {total} ({created} new).",
        f"Communities: {communities} new, twinnings: {twinnings} new.",
        f"Alerts: {alerts} new (the worker sends their e-mails and SMS to the dev outbox); "
        f"held by the safeguards: {held_alerts} new; escalated: {escalated} new.",
        f"voice calls on record: {voice_calls} new.",
        f"Gazette posts: {posts} new; conversations: {conversations} new; "
        f"reports in the moderation queue: {reports} new.",
        f"Partner town halls: {town_halls} new (Cocody); past alerts for its dashboard: "
        f"{history} new.",
        f"Help centre questions: {create_demo_help()} new (its data migration loads them).",
        f"Newsletters: {newsletters} new (one sent, one draft).",
        f"Invitations: {invitations} new (Yao's, one of them accepted).",
        f"Support tickets: {tickets} new (one identity theft, in the staff's desk).",
        f"Communities staff can merge (Koumassi Remblais): {mergeable} new; audit entries: "
        f"{audit_entries} new.",
        "Basic phones: {} acknowledgements (j'ai vu), {} USSD call-back requests new.".format(
            *create_demo_basic_phones()
        ),
        f"App sign-ins: {create_demo_device_tokens()} new (Yao's phone, API token "
        f"{DEMO_API_TOKEN}; Awa's, the référente's, {DEMO_REFERENT_API_TOKEN}; "
        f"the town hall of Cocody's software: {DEMO_AGENT_API_TOKEN}).",
        f"Shop: {products} products new; Yao's orders: {orders} new (one delivered, one to pay "
        f"with the fake wallet at /boutique/); Cocody's order by mandate: {mandates} new.",
    ]


__all__ = ["DEMO_STAFF_TOTP_SECRET", "demo_logins", "load_demo_data"]


def demo_logins() -> list[tuple[str, str, str]]:
    return [*named_logins(), demo_agent_login()]
