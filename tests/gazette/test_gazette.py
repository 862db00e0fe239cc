from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from monquartier.alerts.models import Alert
from monquartier.gazette.models import Attachment, Post
from monquartier.notifications.models import Notification
from tests import factories


def upload_pdf(name="programme.pdf", **options):
    return SimpleUploadedFile(name, factories.pdf_bytes(**options), content_type="application/pdf")


def test_a_member_posts_with_photos_and_a_pdf(client, riviera, awa, yao):
    factories.log_in(client, awa)
    response = client.post(
        reverse("gazette:create"),
        {
            "category": "event",
            "title": "Fête des voisins samedi",
            "text": "Rendez-vous dans la cour à 16 h.\nApportez une chaise !",
            "files": [factories.uploaded_image("affiche.jpg"), upload_pdf()],
        },
    )
    post = Post.objects.get()
    assert response["Location"] == reverse("gazette:detail", args=[post.pk])
    kinds = sorted(post.attachments.values_list("kind", flat=True))
    assert kinds == ["pdf", "photo"]
    notification = Notification.objects.get(event="new_post")
    assert (notification.recipient, notification.data["title"], notification.for_digest) == (
        yao,
        "Fête des voisins samedi",
        True,
    )


def test_photos_are_reencoded_without_exif(client, riviera, awa):
    from tests.accounts.test_profile import jpeg_with_gps_and_rotation

    factories.log_in(client, awa)
    client.post(
        reverse("gazette:create"),
        {
            "category": "lost_found",
            "title": "Chat trouvé",
            "text": "Chat roux près du lot 8.",
            "files": [SimpleUploadedFile("chat.jpg", jpeg_with_gps_and_rotation(), "image/jpeg")],
        },
    )
    attachment = Attachment.objects.get()
    with attachment.file.open("rb") as handle:
        image = Image.open(BytesIO(handle.read()))
        assert not image.getexif() and image.size == (200, 400)
    assert attachment.thumbnail


def test_a_pdf_named_jpg_is_taken_as_a_pdf_and_an_image_named_pdf_as_a_photo(client, riviera, awa):
    factories.log_in(client, awa)
    client.post(
        reverse("gazette:create"),
        {
            "category": "info",
            "title": "Documents",
            "text": "Voir les pièces jointes.",
            "files": [
                upload_pdf("scan.jpg"),
                SimpleUploadedFile("photo.pdf", factories.image_bytes(), "application/pdf"),
            ],
        },
    )
    by_name = {attachment.original_name: attachment for attachment in Attachment.objects.all()}
    assert by_name["scan.jpg"].kind == "pdf" and by_name["scan.jpg"].file.name.endswith(".pdf")
    assert by_name["photo.pdf"].kind == "photo" and by_name["photo.pdf"].file.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("data", "files", "message"),
    [
        ({"title": "", "text": "Du texte"}, [], "Titre"),
        ({"title": "Titre", "text": ""}, [], "Texte"),
        ({"title": "Titre", "text": "x", "category": "weapons"}, [], "rubrique"),
        ({"title": "T" * 121, "text": "x"}, [], "titre"),
        (
            {},
            [SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 pas une image", "image/jpeg")],
            "pas une image lisible",
        ),
        (
            {},
            [SimpleUploadedFile("faux.pdf", b"%PDF-1.4 tronque sans pages", "application/pdf")],
            "illisible",
        ),
        (
            {},
            [
                SimpleUploadedFile(
                    "piege.pdf",
                    factories.pdf_bytes(extra=b"\n/JavaScript (app.alert(1))"),
                    "application/pdf",
                )
            ],
            "code",
        ),
        ({}, [factories.uploaded_image(f"p{index}.jpg") for index in range(7)], "6 pièces jointes"),
    ],
)
def test_bad_posts_are_refused_with_a_message_and_create_nothing(
    client, riviera, awa, data, files, message
):
    factories.log_in(client, awa)
    form = {"category": "info", "title": "Titre", "text": "Du texte", **data, "files": files}
    response = client.post(reverse("gazette:create"), form)
    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()
    assert not Post.objects.exists() and not Attachment.objects.exists()


def test_an_oversized_pdf_is_refused_with_the_limit(client, riviera, awa, settings):
    settings.GAZETTE_PDF_MAX_BYTES = 2000
    factories.log_in(client, awa)
    response = client.post(
        reverse("gazette:create"),
        {"category": "info", "title": "T", "text": "x", "files": [upload_pdf(pages=30)]},
    )
    assert "la limite est de" in response.content.decode()
    assert not Post.objects.exists()


def test_script_in_titles_and_texts_is_shown_as_text(client, riviera, awa, yao):
    post = factories.make_post(
        awa, title="<script>alert('x')</script>", text="<img src=x onerror=alert(1)>"
    )
    factories.log_in(client, yao)
    for url in (
        reverse("gazette:list"),
        reverse("gazette:detail", args=[post.pk]),
        reverse("home"),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert(" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_the_author_edits_and_an_edited_mark_shows(client, riviera, awa, yao):
    post = factories.make_post(awa, files=[factories.uploaded_image()])
    factories.log_in(client, awa)
    attachment = post.attachments.get()
    response = client.post(
        reverse("gazette:edit", args=[post.pk]),
        {
            "category": "small_ad",
            "title": "Vélo vendu",
            "text": "Merci à tous.",
            "remove": [attachment.pk],
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.edited_at is not None, post.attachments.count()) == (
        "Vélo vendu",
        True,
        0,
    )
    assert "modifiée le" in client.get(reverse("gazette:detail", args=[post.pk])).content.decode()
    factories.log_in(client, yao)
    assert client.get(reverse("gazette:edit", args=[post.pk])).status_code == 404


def test_nobody_deletes_a_post_and_staff_hide_it(client, riviera, awa, yao, mariam):
    post = factories.make_post(awa)
    factories.log_in(client, mariam)
    client.post(reverse("gazette:hide", args=[post.pk]), {"reason": "Arnaque"})
    post.refresh_from_db()
    assert post.is_hidden and Post.objects.filter(pk=post.pk).exists()
    factories.log_in(client, yao)
    assert client.get(reverse("gazette:detail", args=[post.pk])).status_code == 404
    assert post not in client.get(reverse("gazette:list")).context["page"]


def test_a_member_cannot_hide(client, riviera, awa, yao):
    post = factories.make_post(awa)
    factories.log_in(client, yao)
    assert (
        client.post(
            reverse("gazette:hide", args=[post.pk]), {"reason": "Je n'aime pas"}
        ).status_code
        == 403
    )
    post.refresh_from_db()
    assert not post.is_hidden


@pytest.fixture
def post_with_files(riviera, awa):
    return factories.make_post(
        awa,
        files=[
            factories.uploaded_image(),
            SimpleUploadedFile("doc.pdf", factories.pdf_bytes(), "application/pdf"),
        ],
    )


ROLES = {
    "visitor": 302,
    "pending": 404,
    "member": 200,
    "twinned": 404,
    "outsider": 404,
    "staff": 200,
    "author": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_post_pages_and_files_per_role(
    client, post_with_files, awa, yao, salif, aya, twinned, issa, mariam, role
):
    people = {
        "pending": salif,
        "member": yao,
        "twinned": aya,
        "outsider": issa,
        "staff": mariam,
        "author": awa,
    }
    if role in people:
        factories.log_in(client, people[role])
    expected = ROLES[role]
    urls = [reverse("gazette:detail", args=[post_with_files.pk])]
    urls += [
        reverse("gazette:file", args=[attachment.pk, size])
        for attachment in post_with_files.attachments.all()
        for size in ("vignette", "photo")
    ]
    for url in urls:
        assert client.get(url).status_code == expected, url
    if role in ("pending", "outsider"):  # a twinned member reads the gazette of their own community
        assert client.get(reverse("gazette:list")).status_code == 403
        assert client.get(reverse("gazette:create")).status_code == 403


def test_files_are_private_and_pdfs_sandboxed(client, post_with_files, yao):
    factories.log_in(client, yao)
    pdf = post_with_files.attachments.get(kind="pdf")
    response = client.get(reverse("gazette:file", args=[pdf.pk, "document"]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "private" in response["Cache-Control"]
    # Stored under a random name, never under a public URL.
    assert (
        "gazette/" in pdf.file.name
        and pdf.file.name
        not in client.get(reverse("gazette:detail", args=[post_with_files.pk])).content.decode()
    )


def test_the_gazette_list_costs_the_same_queries_whatever_its_length(
    client, riviera, awa, yao, django_assert_num_queries, settings
):
    # The rendering's queries (the cached answer's: tests/core/test_pagecache.py).
    settings.PAGE_CACHE_ENABLED = False
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "gazette_post": (100, 24 * 3600)}
    factories.make_post(awa, files=[factories.uploaded_image()])
    factories.log_in(client, yao)
    url = reverse("gazette:list")
    client.get(url)
    with django_assert_num_queries(6):
        client.get(url)
    for index in range(20):
        factories.make_post(
            awa, title=f"Annonce {index}", files=[factories.uploaded_image()] if index % 2 else ()
        )
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(response.context["page"]) == 15


def test_a_post_costs_the_same_queries_whatever_its_attachments(
    client, riviera, awa, yao, django_assert_num_queries, settings
):
    # The rendering's queries (the cached answer's: tests/core/test_pagecache.py).
    settings.PAGE_CACHE_ENABLED = False
    post = factories.make_post(awa, files=[factories.uploaded_image()])
    factories.log_in(client, yao)
    url = reverse("gazette:detail", args=[post.pk])
    client.get(url)
    with django_assert_num_queries(5):
        client.get(url)
    richer = factories.make_post(
        awa, title="Vide-grenier", files=[factories.uploaded_image() for _ in range(4)]
    )
    with django_assert_num_queries(5):
        response = client.get(reverse("gazette:detail", args=[richer.pk]))
    assert len(response.context["photos"]) == 4


def test_the_members_home_costs_the_same_queries_whatever_there_is_to_show(
    client, riviera, awa, yao, salif, django_assert_num_queries, settings
):
    """Session, user, membership, twinned communities, alerts, the town hall's
    announcements, posts, unread messages; and the waiting requests for a référent."""
    # The rendering's queries (the cached answer's: tests/core/test_pagecache.py).
    settings.PAGE_CACHE_ENABLED = False
    factories.log_in(client, yao)
    url = reverse("home")
    client.get(url)
    with django_assert_num_queries(8):
        client.get(url)
    for index in range(8):
        factories.make_post(awa, title=f"Annonce {index}")
        Alert.objects.create(
            community=riviera, sender=awa, category="other", text=f"Alerte {index}"
        )
    with django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["alerts"]) == 5 and len(response.context["posts"]) == 5
    factories.log_in(client, awa)  # référente: one more, for the waiting requests
    client.get(url)
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.context["pending_requests"] == 1


def test_a_member_cannot_flood_the_gazette(client, riviera, awa, yao):
    from monquartier.core.flood import flood_limit

    for index in range(flood_limit("gazette_post").count):
        factories.make_post(awa, title=f"Annonce {index}")
    factories.log_in(client, awa)
    response = client.post(
        reverse("gazette:create"),
        {"category": "event", "title": "Encore une", "text": "Et encore une annonce."},
    )
    assert response.status_code == 400
    assert "attendez un peu" in response.content.decode()
    assert Post.objects.count() == flood_limit("gazette_post").count
