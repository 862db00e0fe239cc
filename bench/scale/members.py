"""The members' rows: users, verified e-mail addresses, profiles, homes, push subscriptions, notification preferences."""

from collections.abc import Iterator
from datetime import date

import numpy as np

from bench.scale.plan import Plan, mobile_of, names_of, points_inside
from bench.scale.shape import (
    EMAIL_DOMAIN,
    INTERESTS,
    LANDMARKS,
    PREFERENCE_SHARE,
    PSEUDONYMS,
    PUSH_PLACEHOLDER,
    STAFF_EMAIL,
)
from monquartier.communities import geometry
from monquartier.notifications.models import Mode, NotificationKind


class MemberRows(Plan):
    """The members' rows: users, verified e-mail addresses, profiles, homes, push subscriptions, notification preferences."""

    USER_COLUMNS = (
        "id",
        "password",
        "last_login",
        "is_superuser",
        "email",
        "first_name",
        "last_name",
        "pseudonym",
        "mobile",
        "mobile_verified",
        "landline",
        "hide_mobile",
        "hide_landline",
        "newsletter",
        "alert_sms",
        "alert_voice",
        "language",
        "is_staff",
        "is_town_hall_agent",
        "is_active",
        "date_joined",
        "closed_at",
    )

    def user_rows(self, password: str) -> Iterator[tuple]:
        now = self.now
        joined_at: dict[int, float] = {}
        for place in self.places:
            for user_id, joined in zip(place.members.tolist(), place.joined.tolist(), strict=True):
                joined_at[user_id] = joined
        for user_id, _index, requested in self.pending:
            joined_at[user_id] = requested
        for user_id, (_old, old_joined, _left) in self.moved.items():
            joined_at[user_id] = old_joined
        for user_id in range(1, self.users + 1):
            rng = self.rng.random()
            yield (
                user_id,
                password,
                None,
                False,
                f"m{user_id}@{EMAIL_DOMAIN}" if self.has_email[user_id] else None,
                *names_of(user_id),
                PSEUDONYMS[user_id % len(PSEUDONYMS)] if rng < 0.2 else "",
                mobile_of(user_id),
                bool(self.mobile_verified[user_id]),
                f"+22527{22_000_000 + user_id % 1_000_000:08d}" if rng > 0.9 else "",
                rng < 0.08,
                False,
                rng < 0.3,
                bool(self.sms_alerts[user_id]),
                False,  # voice calls: chosen by few, none in the scale data
                "en" if user_id % 10 == 0 else "fr",
                False,
                False,
                True,
                self.clock.at(joined_at[user_id] - 600),
                None,
            )
        yield (
            self.staff_id,
            password,
            None,
            False,
            STAFF_EMAIL,
            "Équipe",
            "MonQuartier",
            "",
            "",
            False,
            "",
            True,
            True,
            False,
            False,
            False,
            "fr",
            True,
            False,
            True,
            now,
            None,
        )

    def email_rows(self) -> Iterator[tuple]:
        for user_id in range(1, self.users + 1):
            if self.has_email[user_id]:
                yield (user_id, user_id, f"m{user_id}@{EMAIL_DOMAIN}", True, True)
        yield (self.staff_id, self.staff_id, STAFF_EMAIL, True, True)

    def profile_rows(self) -> Iterator[tuple]:
        now = self.now
        for user_id in range(1, self.staff_id + 1):
            draw = self.rng.random()
            birth = (
                date(1950 + user_id % 55, 1 + user_id % 12, 1 + user_id % 28)
                if draw < 0.4
                else None
            )
            yield (
                user_id,
                "",
                "",
                "Au quartier depuis longtemps, toujours prêt à rendre service."
                if draw < 0.1
                else "",
                INTERESTS[user_id % len(INTERESTS)] if draw < 0.25 else "",
                birth,
                "",
                False,
                False,
                "",
                False,
                now,
            )

    def home_rows(self) -> Iterator[tuple]:
        now = self.now
        per_place: dict[int, list[int]] = {}
        for user_id in range(1, self.users + 1):
            per_place.setdefault(int(self.home_place[user_id]), []).append(user_id)
        for index, user_ids in per_place.items():
            place = self.places[index]
            community = place.community
            polygon = geometry.polygon_from_geojson(community.area)
            longitudes, latitudes = points_inside(self.np_rng, polygon, len(user_ids))
            quartier = community.name[:80]
            for user_id, longitude, latitude in zip(
                user_ids, longitudes.tolist(), latitudes.tolist(), strict=True
            ):
                yield (
                    user_id,
                    community.commune_id,
                    quartier,
                    f"Lot {user_id % 900 + 1}, îlot {user_id % 40 + 1}",
                    LANDMARKS[user_id % len(LANDMARKS)],
                    latitude,
                    longitude,
                    now,
                )

    def push_rows(self, keys) -> Iterator[tuple]:
        now = self.now
        subscribed = (np.flatnonzero(self.has_push[1 : self.users + 1]) + 1).tolist()
        for number, user_id in enumerate(subscribed, start=1):
            key = keys[user_id % len(keys)]
            yield (
                number,
                user_id,
                f"{PUSH_PLACEHOLDER}/push/{user_id}/{user_id % len(keys)}",
                key[0],
                key[1],
                "Mozilla/5.0 (Linux; Android 12) bench",
                now,
                None,
            )

    def preference_rows(self) -> Iterator[tuple]:
        kinds = [NotificationKind.GAZETTE, NotificationKind.MOVEMENT, NotificationKind.MESSAGE]
        modes = [Mode.INSTANT, Mode.OFF, Mode.DIGEST]
        number = 0
        for user_id in range(1, self.users + 1):
            if self.rng.random() >= PREFERENCE_SHARE:
                continue
            number += 1
            yield (number, user_id, kinds[user_id % 3], modes[(user_id // 3) % 3])
