"""Demo gazette: a few posts per community, some with photos drawn here (plain shapes and
colours, no one's picture), and one report waiting in the moderation queue."""

import random
from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from monquartier.communities.models import Community, Membership
from monquartier.gazette.models import Post
from monquartier.gazette.services import create_post
from monquartier.moderation.models import Report
from monquartier.moderation.services import report

POSTS = [
    (
        "event",
        "Fête des voisins samedi",
        "Rendez-vous dans la cour commune samedi à 16 h. Chacun apporte un plat ou une boisson. Les enfants sont les bienvenus !",
        True,
    ),
    (
        "small_ad",
        "Vends réfrigérateur",
        "Réfrigérateur 200 L, bon état, 60 000 F à débattre. Visible le soir après 18 h.",
        True,
    ),
    (
        "carpool",
        "Covoiturage vers le Plateau",
        "Je descends au Plateau chaque matin à 7 h 15, deux places libres. Participation à l'essence.",
        False,
    ),
    (
        "lost_found",
        "Clés trouvées devant la boutique",
        "Trousseau de trois clés avec un porte-clés orange, trouvé ce matin. À récupérer chez moi.",
        False,
    ),
    (
        "service",
        "Cours de soutien en maths",
        "Étudiante, je donne des cours de maths et de physique aux collégiens, le mercredi après-midi.",
        False,
    ),
    (
        "info",
        "Ramassage des ordures décalé",
        "Cette semaine, le camion passera jeudi au lieu de mercredi. Sortez vos poubelles la veille au soir.",
        False,
    ),
]


def _picture(seed: str) -> SimpleUploadedFile:
    rng = random.Random(seed)  # noqa: S311 # nosec B311 # demo pictures
    image = Image.new("RGB", (960, 720), tuple(rng.randint(90, 230) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _shape in range(6):
        x, y = rng.randint(0, 800), rng.randint(0, 560)
        draw.ellipse(
            (x, y, x + rng.randint(60, 200), y + rng.randint(60, 200)),
            fill=tuple(rng.randint(0, 255) for _ in range(3)),
        )
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(f"{seed}.jpg", buffer.getvalue(), content_type="image/jpeg")


@transaction.atomic
def create_demo_posts(per_community: int = 3) -> int:
    created = 0
    now = timezone.now()
    for index, community in enumerate(Community.objects.order_by("pk")):
        if Post.objects.filter(community=community).exists():
            continue
        members = [
            membership.user
            for membership in Membership.objects.active()
            .filter(community=community)
            .select_related("user")
        ]
        rng = random.Random(community.name)  # noqa: S311 # nosec B311 # demo posts
        for number in range(per_community):
            category, title, text, photo = POSTS[(index + number) % len(POSTS)]
            author = rng.choice(members)
            files = [_picture(f"{community.pk}-{number}")] if photo else []
            post = create_post(author, title=title, text=text, category=category, files=files)
            Post.objects.filter(pk=post.pk).update(
                created_at=now - timedelta(hours=rng.randint(1, 240))
            )
            created += 1
    return created


def create_demo_report() -> int:
    """One report waiting for the moderation queue, if none exists."""
    if Report.objects.exists():
        return 0
    post = Post.objects.order_by("pk").first()
    if post is None:
        return 0
    reporter = (
        Membership.objects.active()
        .filter(community=post.community)
        .exclude(user=post.author)
        .first()
    )
    if reporter is None:
        return 0
    report(
        reporter.user,
        "post",
        post.pk,
        reason="spam",
        details="Cette annonce revient chaque semaine.",
    )
    return 1
