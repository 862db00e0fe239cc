"""The team's newsletter pages in the admin: write, preview, test, send."""

from django.core import mail
from django.urls import reverse

from monquartier.newsletters.models import Audience, Newsletter
from monquartier.outbox.models import Delivery
from tests import factories


def test_staff_write_a_draft(staff_client, staff):
    response = staff_client.post(
        reverse("admin:newsletters_newsletter_add"),
        {"title": "Bienvenue", "text": "Bonjour,\n\nVoici la lettre.", "audience": "referents"},
    )
    assert response.status_code == 302
    newsletter = Newsletter.objects.get()
    assert newsletter.created_by == staff and newsletter.sent_at is None


def test_a_commune_letter_without_commune_is_refused_with_a_message(staff_client):
    response = staff_client.post(
        reverse("admin:newsletters_newsletter_add"),
        {"title": "Cocody", "text": "Bonjour", "audience": "commune"},
    )
    assert response.status_code == 200
    assert "Choisissez la commune" in response.content.decode()
    assert not Newsletter.objects.exists()


def test_preview_shows_the_text_the_headers_and_the_count(
    staff_client, draft, subscribed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = staff_client.get(
            reverse("admin:newsletters_newsletter_preview", args=[draft.pk])
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Les nouveautés de décembre" in page
    assert "centre d&#x27;aide est ouvert" in page  # the text version, escaped in the page
    assert "List-Unsubscribe-Post" in page
    assert "2 destinataires aujourd" in page
    assert "Envoyez-vous d'abord un essai" in page


def test_preview_html_is_sandboxed(staff_client, draft):
    response = staff_client.get(
        reverse("admin:newsletters_newsletter_preview_html", args=[draft.pk])
    )
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert "<strong>centre d&#x27;aide</strong>" in response.content.decode()


def test_test_send_then_send_from_the_pages(staff_client, staff, draft, subscribed):
    staff_client.post(reverse("admin:newsletters_newsletter_test", args=[draft.pk]))
    assert [message.to for message in mail.outbox] == [[staff.email]]
    mail.outbox.clear()
    send = reverse("admin:newsletters_newsletter_send", args=[draft.pk])
    staff_client.post(send)  # confirmation not ticked
    assert not Delivery.objects.exists()
    staff_client.post(send, {"confirm": "yes"})
    assert Delivery.objects.filter(newsletter=draft).count() == 2
    assert len(mail.outbox) == 2
    staff_client.post(send, {"confirm": "yes"})
    assert len(mail.outbox) == 2 and Delivery.objects.count() == 2
    # A sent letter is read-only and cannot be deleted.
    change = reverse("admin:newsletters_newsletter_change", args=[draft.pk])
    staff_client.post(change, {"title": "Autre", "text": "x", "audience": "members"})
    draft.refresh_from_db()
    assert draft.title == "Les nouveautés de décembre"
    delete = reverse("admin:newsletters_newsletter_delete", args=[draft.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert Newsletter.objects.filter(pk=draft.pk).exists()


def test_an_edit_asks_for_a_new_test(staff_client, staff, draft):
    staff_client.post(reverse("admin:newsletters_newsletter_test", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.test_sent_at is not None
    staff_client.post(
        reverse("admin:newsletters_newsletter_change", args=[draft.pk]),
        {"title": draft.title, "text": "Un autre texte", "audience": Audience.MEMBERS},
    )
    draft.refresh_from_db()
    assert draft.test_sent_at is None


def test_members_and_staff_without_permission_see_nothing(client, draft, awa):
    factories.log_in(client, awa)
    preview = reverse("admin:newsletters_newsletter_preview", args=[draft.pk])
    assert client.get(preview).status_code == 302  # to the admin's log-in
    assert (
        client.post(reverse("admin:newsletters_newsletter_test", args=[draft.pk])).status_code
        == 302
    )
    client.logout()
    colleague = factories.make_user("Koné", "Adama", is_staff=True)
    factories.log_in(client, colleague)  # staff, but no permission on newsletters
    assert client.get(preview).status_code == 404
    assert (
        client.post(
            reverse("admin:newsletters_newsletter_send", args=[draft.pk]), {"confirm": "yes"}
        ).status_code
        == 404
    )
    assert mail.outbox == [] and not Delivery.objects.exists()


def test_bad_ids_are_not_found(staff_client):
    for bad in ["9" * 30, "abc", "1/x"]:
        url = f"/admin/newsletters/newsletter/{bad}/apercu/"
        assert staff_client.get(url).status_code == 404, bad
        assert staff_client.post(f"/admin/newsletters/newsletter/{bad}/envoyer/").status_code == 404


def test_drafts_written_edited_and_deleted_are_in_the_audit_log(staff_client, staff):
    from monquartier.audit.models import AuditEntry

    staff_client.post(
        reverse("admin:newsletters_newsletter_add"),
        {"title": "Bienvenue", "text": "Bonjour", "audience": "members"},
    )
    newsletter = Newsletter.objects.get()
    staff_client.post(
        reverse("admin:newsletters_newsletter_change", args=[newsletter.pk]),
        {"title": "Bienvenue à tous", "text": "Bonjour", "audience": "members"},
    )
    staff_client.post(
        reverse("admin:newsletters_newsletter_delete", args=[newsletter.pk]), {"post": "yes"}
    )
    assert not Newsletter.objects.exists()
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "newsletter.create",
        "newsletter.edit",
        "newsletter.delete",
    ]
    assert AuditEntry.objects.filter(actor=staff).count() == 3


def test_a_bulk_delete_spares_the_sent_letters(staff_client, staff, draft, subscribed):
    from monquartier.newsletters import services

    services.send_test(staff, draft)
    services.send_newsletter(staff, draft.pk)
    other = Newsletter.objects.create(title="Brouillon", text="x", audience="members")
    changelist = reverse("admin:newsletters_newsletter_changelist")
    both = {"action": "delete_selected", "_selected_action": [draft.pk, other.pk], "post": "yes"}
    staff_client.post(changelist, both)  # the admin refuses the lot
    assert Newsletter.objects.count() == 2
    staff_client.post(changelist, {**both, "_selected_action": [other.pk]})
    assert list(Newsletter.objects.values_list("pk", flat=True)) == [draft.pk]
