"""The e-mail transport over a real SMTP server: what leaves is what Django builds.

Over SMTP the transport builds the messages of one text once and copies them per
recipient (transports._Skeleton); these tests hold it to the bytes Django's own
EmailMultiAlternatives would have sent, and check the fall-backs."""

import email
import re
import socket

import pytest

from monquartier.outbox import transports
from monquartier.outbox.transports import LINK, Email, EmailTransport, Sent, _django_message
from tests.fakes.smtp import SMTPSink

TEXT = (
    f"ALERTE Cambriolage – Riviera 2\n\nDeux hommes escaladent le mur.\n\nVoir l'alerte : {LINK}\n"
)
HTML = f'<p>Deux hommes escaladent le mur.</p><p><a href="{LINK}">Voir l\'alerte</a></p>'
SUBJECT = "ALERTE Cambriolage – Riviera 2"


@pytest.fixture
def smtp(settings):
    with SMTPSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        yield sink
        transports.close_smtp_connections()


def alert_email(number: int, *, to: str | None = None, text: str = TEXT) -> Email:
    return Email(
        to=to or f"voisin{number}@exemple.ci",
        subject=SUBJECT,
        text=text,
        html=HTML,
        message_id=f"<delivery-{number}@monquartier.ci>",
        link=f"http://localhost:8000/l/.eJyrVkpKLSpKLSpWslIKCUpVqAUA-token{number}/",
    )


def normalised(raw: bytes) -> bytes:
    """The bytes, but for what legitimately differs between two builds: the date, the
    MIME boundary (random), the line ends."""
    raw = raw.replace(b"\r\n", b"\n")
    raw = re.sub(rb"\nDate: [^\n]*", b"", raw)
    boundary = re.search(rb'boundary="([^"]+)"', raw).group(1)
    return raw.replace(boundary, b"BOUNDARY")


def django_bytes(sent: Email) -> bytes:
    return _django_message(sent).message().as_bytes(linesep="\r\n")


def test_copies_of_one_text_are_byte_for_byte_what_django_builds(smtp):
    emails = [alert_email(number) for number in range(1, 4)]
    outcomes = EmailTransport().send(emails)
    assert outcomes == [Sent(sent.message_id) for sent in emails]
    received = {message["message_id"]: message for message in smtp.messages}
    for sent in emails:
        message = received[sent.message_id]
        assert message["to"] == [sent.to]
        assert normalised(message["raw"]) == normalised(django_bytes(sent))


def test_each_copy_carries_its_own_recipient_and_link(smtp):
    emails = [alert_email(number) for number in range(1, 4)]
    EmailTransport().send(emails)
    for sent, message in zip(
        emails, sorted(smtp.messages, key=lambda m: m["message_id"]), strict=True
    ):
        parsed = email.message_from_bytes(message["raw"])
        assert parsed["To"] == sent.to
        text, html = (part.get_payload(decode=True).decode() for part in parsed.get_payload())
        assert sent.link in text and sent.link in html
        assert LINK not in text and LINK not in html
        others = {other.link for other in emails} - {sent.link}
        assert not any(other in text or other in html for other in others)


@pytest.mark.parametrize(
    "odd",
    [
        {"to": "akissi@exemple.côte.ci"},  # a domain that must be encoded
        {"text": TEXT + "x" * 1200 + "\n"},  # a line too long for 8bit: quoted-printable
    ],
    ids=["international-domain", "long-line"],
)
def test_what_a_copy_cannot_carry_is_built_the_usual_way(smtp, odd):
    sent = alert_email(7, **odd)
    assert EmailTransport().send([sent]) == [Sent(sent.message_id)]
    (message,) = smtp.messages
    parsed = email.message_from_bytes(message["raw"])
    text = parsed.get_payload()[0].get_payload(decode=True).decode()
    assert sent.link in text and LINK not in text
    assert normalised(message["raw"]) == normalised(django_bytes(sent))


def test_one_text_is_built_once_for_all_its_recipients(smtp, monkeypatch):
    from monquartier.outbox import transports

    builds = []
    real = transports._django_message
    monkeypatch.setattr(
        transports, "_django_message", lambda *args, **kw: builds.append(1) or real(*args, **kw)
    )
    emails = [alert_email(number) for number in range(1, 6)]
    EmailTransport().send(emails)
    assert len(smtp.messages) == 5
    assert len(builds) == 1


def test_the_next_batches_of_a_text_reuse_its_build_for_a_minute(smtp, monkeypatch):
    """An alert's e-mails go in many batches of the same text: built once for them all,
    but not for longer than SKELETON_KEEP_SECONDS (the build carries its Date)."""
    builds = []
    real = transports._django_message
    monkeypatch.setattr(
        transports, "_django_message", lambda *args, **kw: builds.append(1) or real(*args, **kw)
    )
    EmailTransport().send([alert_email(number) for number in range(1, 4)])
    later = [alert_email(number) for number in range(4, 7)]
    EmailTransport().send(later)
    assert len(builds) == 1
    monkeypatch.setattr(transports, "SKELETON_KEEP_SECONDS", -1.0)
    EmailTransport().send([alert_email(7)])
    assert len(builds) == 2
    assert len(smtp.messages) == 7
    received = {message["message_id"]: message for message in smtp.messages}
    for sent in later:
        expected = real(sent).message().as_bytes(linesep="\r\n")
        assert normalised(received[sent.message_id]["raw"]) == normalised(expected)


def test_a_batch_is_shared_between_several_connections_and_outcomes_keep_their_order(
    smtp, settings
):
    settings.EMAIL_SMTP_CONNECTIONS = 4
    smtp.refused.add("voisin17@exemple.ci")
    emails = [alert_email(number) for number in range(1, 101)]
    outcomes = EmailTransport().send(emails)
    assert len({message["peer"] for message in smtp.messages}) == 4
    assert sorted(message["message_id"] for message in smtp.messages) == sorted(
        sent.message_id for sent in emails if sent.to != "voisin17@exemple.ci"
    )
    for sent, outcome in zip(emails, outcomes, strict=True):
        if sent.to == "voisin17@exemple.ci":
            assert not isinstance(outcome, Sent) and outcome.permanent
        else:
            assert outcome == Sent(sent.message_id)


def test_a_small_batch_keeps_to_one_connection(smtp, settings):
    settings.EMAIL_SMTP_CONNECTIONS = 4
    EmailTransport().send([alert_email(number) for number in range(1, 6)])
    assert len({message["peer"] for message in smtp.messages}) == 1


def test_copies_with_headers_holding_the_link_are_what_django_builds(smtp, monkeypatch):
    # The newsletter's List-Unsubscribe carries each member's own link.
    from dataclasses import replace

    from monquartier.outbox import transports

    headers = (
        ("List-Unsubscribe", f"<mailto:desabonnement@monquartier.ci?subject=x>, <{LINK}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )
    emails = [replace(alert_email(number), headers=headers) for number in range(1, 4)]
    builds = []
    real = transports._django_message
    monkeypatch.setattr(
        transports, "_django_message", lambda *args, **kw: builds.append(1) or real(*args, **kw)
    )
    EmailTransport().send(emails)
    assert len(builds) == 1  # one skeleton, copied for each
    received = {message["message_id"]: message for message in smtp.messages}
    for sent in emails:
        raw = received[sent.message_id]["raw"]
        assert normalised(raw) == normalised(django_bytes(sent))
        assert f"<{sent.link}>" in email.message_from_bytes(raw)["List-Unsubscribe"]


def test_a_header_that_would_fold_before_a_longer_link_is_built_the_usual_way(smtp):
    from dataclasses import replace

    from monquartier.outbox import transports

    headers = (("List-Unsubscribe", f"<{LINK}>, <mailto:desabonnement@monquartier.ci>"),)
    sent = replace(alert_email(1), headers=headers)
    assert not transports._Skeleton(sent).usable
    EmailTransport().send([sent])
    assert normalised(smtp.messages[0]["raw"]) == normalised(django_bytes(sent))


def test_the_next_batch_goes_on_the_kept_connection_and_one_the_server_closed_is_reopened(
    smtp, settings
):
    settings.EMAIL_SMTP_CONNECTIONS = 1
    EmailTransport().send([alert_email(number) for number in range(1, 4)])
    EmailTransport().send([alert_email(number) for number in range(4, 7)])
    assert len({message["peer"] for message in smtp.messages}) == 1
    kept = transports._process_smtp()
    ((_since, connection),) = [entry for entries in kept.idle.values() for entry in entries]
    connection.connection.sock.shutdown(socket.SHUT_RDWR)  # as a relay closing it

    outcomes = EmailTransport().send([alert_email(number) for number in range(7, 10)])

    assert outcomes == [Sent(f"<delivery-{number}@monquartier.ci>") for number in range(7, 10)]
    assert sorted(message["message_id"] for message in smtp.messages) == sorted(
        f"<delivery-{number}@monquartier.ci>" for number in range(1, 10)
    )
    assert len({message["peer"] for message in smtp.messages}) == 2


def test_a_connection_idle_too_long_is_not_reused(smtp, settings, monkeypatch):
    settings.EMAIL_SMTP_CONNECTIONS = 1
    EmailTransport().send([alert_email(1)])
    monkeypatch.setattr(transports, "SMTP_KEEP_SECONDS", -1.0)
    EmailTransport().send([alert_email(2)])
    assert len({message["peer"] for message in smtp.messages}) == 2
