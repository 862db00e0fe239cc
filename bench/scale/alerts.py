"""The alerts' rows: alerts over the last year, their reads, and their outbox as fan-out and the senders left it."""

from collections.abc import Iterator

import numpy as np

from bench.scale.plan import Place, Plan, mobile_of, points_inside
from bench.scale.shape import (
    ALERT_BASE,
    ALERT_DAYS,
    ALERT_PER_MEMBER,
    ALERT_READ_SHARE,
    ALERT_TEXTS,
    ALERT_WEIGHTS,
    EMAIL_DOMAIN,
)
from monquartier.alerts.audiences import TOWN_HALL
from monquartier.alerts.fanout import COMMUNITY, TWINNED
from monquartier.alerts.models import AlertSource, AlertStatus
from monquartier.communities import geometry
from monquartier.outbox.models import Channel, DeliveryStatus


class AlertRows(Plan):
    """The alerts' rows: alerts over the last year, their reads, and their outbox as fan-out and the senders left it."""

    DELIVERY_COLUMNS = (
        "id",
        "alert_id",
        "user_id",
        "contact_id",
        "channel",
        "address",
        "audience",
        "status",
        "due_at",
        "attempts",
        "claimed_at",
        "sent_at",
        "delivered_at",
        "provider_id",
        "last_error",
        "created_at",
        "sms_provider",
    )

    ALERT_COLUMNS = (
        "id",
        "community_id",
        "sender_id",
        "category",
        "text",
        "latitude",
        "longitude",
        "corrects_id",
        "source",
        "created_at",
        "fanned_out_at",
        "hidden_at",
        "hidden_by_id",
        "hidden_reason",
        "status",
        "held_rules",
        "held_words",
        "decision_reason",
        "escalation_level",
    )

    def _member_at(self, place: Place, when: float) -> int:
        """A member drawn at random among those who had joined by `when` (the creator
        had: alerts and posts come after the community's creation)."""
        k = self.rng.randrange(len(place.members))
        return int(place.members[k]) if place.joined[k] <= when else int(place.members[0])

    def alert_rows(self) -> Iterator[tuple]:
        """Alerts, and as a side effect the plan of their deliveries and reads."""
        at = self.clock.at
        categories = list(ALERT_WEIGHTS)
        weights = [ALERT_WEIGHTS[category] for category in categories]
        sources = [AlertSource.WEB] * 16 + [AlertSource.SMS] * 2 + [AlertSource.API] * 2
        self.alerts: list[tuple[int, int, int, float]] = []  # (alert, place, sender, time)
        number = 0
        for place in self.places:
            count = int(self.np_rng.poisson(ALERT_BASE + len(place.members) * ALERT_PER_MEMBER))
            start = max(place.created, self.clock.days_ago(ALERT_DAYS))
            times = sorted(self.rng.uniform(start, self.clock.now - 600) for _ in range(count))
            last_by_sender: dict[int, int] = {}
            polygon = None
            for when in times:
                number += 1
                sender = self._member_at(place, when)
                category = self.rng.choices(categories, weights=weights, k=1)[0]
                latitude = longitude = None
                if self.rng.random() < 0.3:
                    polygon = polygon or geometry.polygon_from_geojson(place.community.area)
                    xs, ys = points_inside(self.np_rng, polygon, 1)
                    longitude, latitude = float(xs[0]), float(ys[0])
                corrects = last_by_sender.get(sender) if self.rng.random() < 0.1 else None
                hidden = self.rng.random() < 0.003
                last_by_sender[sender] = number
                self.alerts.append((number, place.index, sender, when))
                yield (
                    number,
                    place.community.pk,
                    sender,
                    category,
                    ALERT_TEXTS[category].format(n=sender % 900 + 1, h=int(when // 3_600 % 24)),
                    latitude,
                    longitude,
                    corrects,
                    self.rng.choice(sources),
                    at(when),
                    at(when + 2),
                    at(when + 3_600) if hidden else None,
                    self.staff_id if hidden else None,
                    "Alerte mensongère" if hidden else "",
                    AlertStatus.SENT,  # none held by the safeguards
                    "",
                    "",
                    "",
                    0,  # never escalated
                )

    def _readers(self, place: Place, sender: int, alert_id: int) -> list[int]:
        """Who opened the alert: a stable draw per (alert, member)."""
        members = place.members
        draws = np.random.default_rng(alert_id).random(len(members))
        return [
            int(user) for user, draw in zip(members.tolist(), draws, strict=True)
            if draw < ALERT_READ_SHARE and user != sender
        ]  # fmt: skip

    def read_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        number = 0
        for alert_id, index, sender, when in self.alerts:
            for user_id in self._readers(self.places[index], sender, alert_id):
                number += 1
                yield (number, alert_id, user_id, at(when + 30 + user_id % 170))

    def delivery_rows(self) -> Iterator[tuple]:
        """The rows of _delivery_rows, each with its SMS provider (none recorded: the scale
        data's SMS predate routing by operator)."""
        for row in self._delivery_rows():
            yield (*row, "")

    def _delivery_rows(self) -> Iterator[tuple]:
        """The outbox as the fan-out and the senders left it (alerts/fanout.py's
        rules): every row handed over, none left to send."""
        at = self.clock.at
        has_email, has_push, sms_alerts = self.has_email, self.has_push, self.sms_alerts
        verified = self.mobile_verified
        sent, delivered, cancelled, failed = (
            DeliveryStatus.SENT,
            DeliveryStatus.DELIVERED,
            DeliveryStatus.CANCELLED,
            DeliveryStatus.FAILED,
        )
        delay = 180.0
        number = 0
        for alert_id, index, sender, when in self.alerts:
            place = self.places[index]
            readers = set(self._readers(place, sender, alert_id))
            created, done = at(when + 1), at(when + 3)
            sms_done = at(when + delay + 2)
            for user_id in place.members.tolist():
                if user_id == sender:
                    continue
                email, push = has_email[user_id], has_push[user_id]
                if email:
                    number += 1
                    yield (
                        number, alert_id, user_id, None, Channel.EMAIL, f"m{user_id}@{EMAIL_DOMAIN}",
                        COMMUNITY, sent, created, 1, done, done, None, "", "", created,
                    )  # fmt: skip
                if push:
                    number += 1
                    status = failed if user_id % 50 == 0 else sent
                    yield (
                        number, alert_id, user_id, None, Channel.PUSH, "", COMMUNITY, status,
                        created, 1, done, done if status == sent else None, None, "",
                        "410 Gone: subscription expired" if status == failed else "", created,
                    )  # fmt: skip
                if verified[user_id] and sms_alerts[user_id]:
                    number += 1
                    phone_only = not email and not push
                    if user_id in readers and not phone_only:
                        yield (
                            number, alert_id, user_id, None, Channel.SMS, mobile_of(user_id),
                            COMMUNITY, cancelled, at(when + delay), 0, None, None, None, "", "",
                            created,
                        )  # fmt: skip
                    else:
                        due = created if phone_only else at(when + delay)
                        yield (
                            number, alert_id, user_id, None, Channel.SMS, mobile_of(user_id),
                            COMMUNITY, delivered, due, 1, sms_done, sms_done, sms_done,
                            f"ATPid_{alert_id}_{user_id}", "", created,
                        )  # fmt: skip
            for twin in place.twins:
                for user_id in self.places[twin].members.tolist():
                    if has_email[user_id]:
                        number += 1
                        yield (
                            number, alert_id, user_id, None, Channel.EMAIL,
                            f"m{user_id}@{EMAIL_DOMAIN}", TWINNED, sent, created, 1, done, done,
                            None, "", "", created,
                        )  # fmt: skip
            for contact_id, email, mobile in self.contacts.get(place.community.commune_id, ()):
                for channel, address in ((Channel.EMAIL, email), (Channel.SMS, mobile)):
                    number += 1
                    yield (
                        number, alert_id, None, contact_id, channel, address, TOWN_HALL, sent,
                        created, 1, done, done, None, "", "", created,
                    )  # fmt: skip
