import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from monquartier.gazette.models import Attachment, Post
from monquartier.moderation.models import Report
from tests import factories
from tests.api.conftest import token_for

pytestmark = pytest.mark.django_db


def upload_pdf(name="programme.pdf", **options):
    return SimpleUploadedFile(name, factories.pdf_bytes(**options), content_type="application/pdf")


def post_form(client, user, data, headers=None):
    """multipart/form-data, as an app sends files."""
    return client.post(
        "/api/v1/gazette",
        data,
        headers={"Authorization": f"Bearer {token_for(user)}", **(headers or {})},
    )


def test_member_lists_the_posts_of_the_community(api_as, riviera, awa, yao):
    first = factories.make_post(yao, files=[factories.uploaded_image("velo.jpg")])
    second = factories.make_post(awa, title="Covoiturage vers le Plateau", category="carpool")
    response = api_as(awa).get("/gazette")
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [second.pk, first.pk]
    assert body["next_cursor"] is None
    own, other = body["items"]
    assert own["is_author"] is True and other["is_author"] is False
    assert other["category_label"] == "Petite annonce"
    # Inside the community, the author's real name (privacy table).
    assert other["author_name"] == "Yao Kouassi"
    [photo] = other["attachments"]
    attachment = Attachment.objects.get()
    assert photo["id"] == attachment.pk and photo["kind"] == "photo"
    assert photo["file"] == f"/api/v1/gazette/files/{attachment.pk}/original"
    assert photo["thumbnail"] == f"/api/v1/gazette/files/{attachment.pk}/thumbnail"


def test_other_community_agent_outsider_and_anonymous_see_nothing(
    api, api_as, riviera, awa, koffi, issa, aicha
):
    post = factories.make_post(awa, files=[factories.uploaded_image()])
    attachment = post.attachments.get()
    assert api_as(koffi).get("/gazette").json()["items"] == []
    for user in (koffi, issa, aicha):
        assert api_as(user).get(f"/gazette/{post.pk}").status_code == 404
        assert api_as(user).get(f"/gazette/files/{attachment.pk}/original").status_code == 404
        assert api_as(user).patch(f"/gazette/{post.pk}", {"title": "X"}).status_code == 404
    response = api_as(issa).get("/gazette")
    assert (response.status_code, response.json()["code"]) == (403, "not_a_member")
    assert api_as(aicha).get("/gazette").status_code == 403
    for response in (
        api.get("/gazette"),
        api.get(f"/gazette/{post.pk}"),
        api.post("/gazette/1/report", {"reason": "spam"}),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


def test_hidden_posts_are_not_listed_nor_readable(api_as, riviera, awa, yao, admin_user):
    from monquartier.gazette.services import hide_post

    post = factories.make_post(yao)
    hide_post(admin_user, post, "Arnaque")
    assert api_as(awa).get("/gazette").json()["items"] == []
    assert api_as(awa).get(f"/gazette/{post.pk}").status_code == 404


def test_pages_follow_the_cursor_and_cost_the_same_queries(
    api_as, riviera, awa, yao, django_assert_num_queries
):
    app = api_as(awa)
    app.get("/gazette")  # the token's last use is written once
    factories.make_post(yao, files=[factories.uploaded_image()])
    # The token, the member's community, the page of posts, their attachments.
    with django_assert_num_queries(4) as few:
        app.get("/gazette")
    Post.objects.bulk_create(
        Post(community=riviera, author=author, category="info", title=f"Info {n}", text="x")
        for n, author in enumerate([awa, yao] * 10)
    )
    with django_assert_num_queries(len(few.captured_queries)):
        body = app.get("/gazette").json()
    assert len(body["items"]) == 15
    rest = app.get("/gazette", cursor=body["next_cursor"]).json()
    assert len(rest["items"]) == 6 and rest["next_cursor"] is None
    seen = [item["id"] for item in body["items"] + rest["items"]]
    assert sorted(seen) == sorted(Post.objects.values_list("pk", flat=True))


def test_a_bad_cursor_or_an_unknown_parameter_is_a_422(api_as, riviera, awa):
    app = api_as(awa)
    for params in ({"cursor": "nimportequoi"}, {"page": "2"}, {"cursor": "a" * 300}):
        response = app.get("/gazette", **params)
        assert response.status_code == 422
        assert response.json()["code"] == "invalid"


def test_the_detail_costs_a_fixed_number_of_queries(
    api_as, riviera, awa, yao, django_assert_max_num_queries
):
    post = factories.make_post(yao, files=[factories.uploaded_image(), upload_pdf()])
    app = api_as(awa)
    app.get("/gazette")
    with django_assert_max_num_queries(5):
        body = app.get(f"/gazette/{post.pk}").json()
    assert [item["kind"] for item in body["attachments"]] == ["photo", "pdf"]
    assert body["attachments"][1]["thumbnail"] is None


def test_member_writes_a_post_with_a_photo_and_a_pdf(client, riviera, awa, yao):
    response = post_form(
        client,
        awa,
        {
            "category": "event",
            "title": "  Fête   des voisins ",
            "text": "Samedi à 16 h dans la cour.",
            "files": [factories.uploaded_image("affiche.jpg"), upload_pdf()],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    post = Post.objects.get()
    assert (body["id"], body["title"], body["is_author"]) == (post.pk, "Fête des voisins", True)
    assert [item["name"] for item in body["attachments"]] == ["affiche.jpg", "programme.pdf"]
    # The file is served to a reader with a token, the PDF sandboxed.
    reader = {"Authorization": f"Bearer {token_for(yao)}"}
    pdf = client.get(body["attachments"][1]["file"], headers=reader)
    assert pdf.status_code == 200
    assert pdf["Content-Security-Policy"] == "sandbox"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_post_without_files_and_json_fields_errors(client, api_as, riviera, awa):
    response = post_form(client, awa, {"category": "info", "title": "Coupure d'eau", "text": "x"})
    assert response.status_code == 201
    assert response.json()["attachments"] == []
    response = post_form(client, awa, {"category": "nope", "title": "", "text": "x"})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"category"}
    response = post_form(client, awa, {"category": "info", "title": " ", "text": "x"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"title": ["Donnez un titre à votre annonce."]}


def test_a_file_over_its_limit_is_a_413_and_nothing_is_published(client, riviera, awa, settings):
    settings.GAZETTE_PDF_MAX_BYTES = 2000
    response = post_form(
        client,
        awa,
        {"category": "info", "title": "Programme", "text": "x", "files": [upload_pdf(pages=30)]},
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large" and "la limite est de" in body["message"]
    assert not Post.objects.exists()


def test_a_body_over_the_upload_limit_is_a_413_before_it_is_read(client, riviera, awa, settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 1024
    settings.GAZETTE_MAX_ATTACHMENTS = 1
    big = SimpleUploadedFile("gros.jpg", b"x" * 200_000, content_type="image/jpeg")
    response = post_form(
        client, awa, {"category": "info", "title": "T", "text": "x", "files": [big]}
    )
    assert response.status_code == 413
    assert not Post.objects.exists()


def test_a_file_that_is_neither_photo_nor_pdf_is_refused(client, riviera, awa):
    fake = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00" * 100, content_type="image/jpeg")
    response = post_form(
        client, awa, {"category": "info", "title": "T", "text": "x", "files": [fake]}
    )
    assert response.status_code == 422
    assert "virus.jpg" in response.json()["fields"]["files"][0]
    assert not Post.objects.exists()


def test_only_members_write(client, riviera, issa, aicha):
    for user in (issa, aicha):
        response = post_form(client, user, {"category": "info", "title": "T", "text": "x"})
        assert response.status_code == 403
    assert not Post.objects.exists()


def test_a_repeated_post_with_the_same_key_publishes_once(client, riviera, awa):
    headers = {"Idempotency-Key": "post-1234-abcd"}

    def send(title="Vends frigo"):
        return post_form(
            client,
            awa,
            {"category": "small_ad", "title": title, "text": "x", "files": [upload_pdf()]},
            headers,
        )

    first = send()
    again = send()
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Post.objects.count() == 1 and Attachment.objects.count() == 1
    other = send("Vends congélateur")
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")


def test_the_author_edits_the_post_and_removes_an_attachment(api_as, riviera, awa, yao):
    post = factories.make_post(awa, files=[factories.uploaded_image(), upload_pdf()])
    photo, pdf = post.attachments.order_by("position")
    response = api_as(awa).patch(
        f"/gazette/{post.pk}", {"title": "Vélo vendu", "remove": [photo.pk]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Vélo vendu" and body["text"] == "Bon état, 15 000 F."
    assert body["edited_at"] is not None
    assert [item["id"] for item in body["attachments"]] == [pdf.pk]
    # Someone else's post: as if it did not exist.
    assert api_as(yao).patch(f"/gazette/{post.pk}", {"title": "X"}).status_code == 404
    post.refresh_from_db()
    assert post.title == "Vélo vendu"


def test_an_edit_is_checked_like_the_websites(api_as, riviera, awa, yao):
    post = factories.make_post(awa)
    other = factories.make_post(yao, files=[upload_pdf()])
    app = api_as(awa)
    response = app.patch(f"/gazette/{post.pk}", {"text": "   "})
    assert response.status_code == 422
    assert response.json()["fields"] == {"text": ["Écrivez le texte de votre annonce."]}
    response = app.patch(f"/gazette/{post.pk}", {"remove": [other.attachments.get().pk]})
    assert (response.status_code, list(response.json()["fields"])) == (422, ["remove"])
    assert other.attachments.count() == 1
    assert app.patch(f"/gazette/{post.pk}", {"category": "x"}).status_code == 422


def test_a_member_reports_a_post_once(api_as, riviera, awa, yao, koffi):
    post = factories.make_post(yao)
    app = api_as(awa)
    response = app.post(f"/gazette/{post.pk}/report", {"reason": "spam", "details": "Arnaque"})
    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.reporter, report.kind, report.object_id, report.details) == (
        awa,
        "post",
        post.pk,
        "Arnaque",
    )
    assert response.json() == {"id": report.pk, "status": "open"}
    again = app.post(f"/gazette/{post.pk}/report", {"reason": "spam"})
    assert again.status_code == 422
    own = api_as(yao).post(f"/gazette/{post.pk}/report", {"reason": "spam"})
    assert own.status_code == 422
    assert api_as(koffi).post(f"/gazette/{post.pk}/report", {"reason": "spam"}).status_code == 404
    assert app.post(f"/gazette/{post.pk}/report", {"reason": "nope"}).status_code == 422
    assert Report.objects.count() == 1


def test_the_author_adds_files_to_the_post(client, riviera, awa, yao, settings):
    post = factories.make_post(awa, files=[upload_pdf()])
    path = f"/api/v1/gazette/{post.pk}/attachments"
    mine = {"Authorization": f"Bearer {token_for(awa)}"}
    response = client.post(path, {"files": [factories.uploaded_image("chat.jpg")]}, headers=mine)
    assert response.status_code == 200, response.content
    assert [item["name"] for item in response.json()["attachments"]] == [
        "programme.pdf",
        "chat.jpg",
    ]
    # Someone else's post: as if it did not exist.
    theirs = {"Authorization": f"Bearer {token_for(yao)}"}
    response = client.post(path, {"files": [factories.uploaded_image()]}, headers=theirs)
    assert response.status_code == 404
    # Six at most, as on the website.
    settings.GAZETTE_MAX_ATTACHMENTS = 2
    response = client.post(path, {"files": [factories.uploaded_image()]}, headers=mine)
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["files"]
    assert client.post(path, {}, headers=mine).status_code == 422
    assert post.attachments.count() == 2


def test_lists_and_details_answer_304_to_their_etag(api_as, riviera, awa, yao):
    post = factories.make_post(yao)
    app = api_as(awa)
    for path in ("/gazette", f"/gazette/{post.pk}"):
        first = app.get(path)
        again = app.get(path, headers={"If-None-Match": first["ETag"]})
        assert again.status_code == 304 and again.content == b""


def test_the_websites_flood_limit_on_posts_is_a_429(client, riviera, awa, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "gazette_post": (1, 3600)}
    factories.make_post(awa)
    response = post_form(client, awa, {"category": "info", "title": "Encore", "text": "x"})
    assert (response.status_code, response.json()["code"]) == (429, "too_many_requests")
    assert Post.objects.count() == 1


def test_a_field_given_twice_is_refused(client, riviera, yao):
    """Two titles: the schema says one, and taking either would be guessing."""
    headers = {"Authorization": f"Bearer {token_for(yao)}"}
    response = client.post(
        "/api/v1/gazette",
        {"category": "info", "title": ["Un", "Deux"], "text": "Bonjour"},
        headers=headers,
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["title"]
    assert not Post.objects.exists()
