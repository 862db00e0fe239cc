"""The partner town hall's contacts receive every alert of their commune, by e-mail and
SMS at once: two SELECTs the alert fan-out adds to its INSERT (alerts/audiences.py)."""

from django.db import connection

from monquartier.alerts.audiences import TOWN_HALL, Audience, Branch
from monquartier.alerts.models import Alert
from monquartier.communities.models import Community
from monquartier.outbox.models import Channel
from monquartier.townhalls.models import TownHallContact

_BRANCH = (
    "SELECT NULL, c.id, %s, c.{column}, %s, %s FROM {contact} c "  # nosec B608
    "WHERE c.commune_id = %s AND c.active = %s AND c.{column} <> ''"
)


def _branches(alert: Alert, now_db) -> list[Branch]:
    contact = connection.ops.quote_name(TownHallContact._meta.db_table)
    commune = alert.community.commune_id
    return [
        (
            _BRANCH.format(column=column, contact=contact),
            [channel, TOWN_HALL, now_db, commune, True],
        )
        for channel, column in ((Channel.EMAIL, "email"), (Channel.SMS, "mobile"))
    ]


def _reaches(community: Community) -> bool:
    return TownHallContact.objects.active().filter(commune_id=community.commune_id).exists()


TOWN_HALL_CONTACTS = Audience(name=TOWN_HALL, branches=_branches, reaches=_reaches)
