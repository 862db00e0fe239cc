"""The gazette's rows: posts and their attachment rows (no file is written)."""

from collections.abc import Iterator

from bench.scale.plan import Plan
from bench.scale.shape import PHOTO_SHARE, POST_BASE, POST_PER_MEMBER, POST_TEXTS, THINGS
from monquartier.gazette.models import AttachmentKind


class GazetteRows(Plan):
    """The gazette's rows: posts and their attachment rows (no file is written)."""

    POST_COLUMNS = (
        "id",
        "community_id",
        "author_id",
        "category",
        "title",
        "text",
        "created_at",
        "edited_at",
        "hidden_at",
        "hidden_by_id",
        "hidden_reason",
    )

    def post_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        categories = list(POST_TEXTS)
        self.photos: list[tuple[int, float]] = []
        number = 0
        for place in self.places:
            count = int(self.np_rng.poisson(POST_BASE + len(place.members) * POST_PER_MEMBER))
            for _k in range(count):
                number += 1
                when = self.rng.uniform(place.created, self.clock.now - 60)
                author = self._member_at(place, when)
                category = categories[number % len(categories)]
                title, text = POST_TEXTS[category]
                thing = THINGS[number % len(THINGS)]
                edited = self.rng.random() < 0.1
                hidden = self.rng.random() < 0.003
                if self.rng.random() < PHOTO_SHARE:
                    self.photos.append((number, when))
                yield (
                    number,
                    place.community.pk,
                    author,
                    category,
                    title.format(thing=thing),
                    text.format(n=author % 900 + 1),
                    at(when),
                    at(when + 3_600) if edited else None,
                    at(when + 7_200) if hidden else None,
                    self.staff_id if hidden else None,
                    "Annonce hors charte" if hidden else "",
                )

    def attachment_rows(self) -> Iterator[tuple]:
        # The rows only: the list pages read them (one prefetch query) and print links;
        # no page of the benchmarks opens the files.
        at = self.clock.at
        for number, (post_id, when) in enumerate(self.photos, start=1):
            yield (
                number,
                post_id,
                AttachmentKind.PHOTO,
                f"gazette/bench-{post_id}.jpg",
                f"gazette/bench-{post_id}-vignette.jpg",
                "photo.jpg",
                84_000,
                1280,
                960,
                0,
                at(when),
            )
