"""The senders' floor of the fan-out benchmark really sends: each push encrypted for its
browser and accepted by the push sink, each e-mail received by the SMTP sink with its own
recipient, Message-ID and link (bench/lib/floor_loop.py)."""

import base64
import json

import http_ece

from bench.fakes_push import FastSMTPSink, PushSink
from bench.lib.floor_loop import FloorEmail, FloorPush, FloorShare, run_share
from bench.lib.push_keys import browser_keys, vapid_key_pair

SKELETON = (
    b"To: destinataire@exemple.invalid\r\nMessage-ID: <message-id@exemple.invalid>\r\n"
    b"\r\nVoir l'alerte : https://lien.invalid/placeholder\r\n"
)


def test_the_floor_encrypts_each_push_and_sends_each_email_to_the_sinks():
    push_sink, smtp_sink = PushSink().start(), FastSMTPSink().start()
    keys = browser_keys(2)
    try:
        share = FloorShare(
            push_host="127.0.0.1",
            push_port=push_sink.port,
            push_origin=push_sink.url,
            vapid_private_key=vapid_key_pair()[0],
            vapid_subject="mailto:equipe@monquartier.ci",
            jwt_lifetime=3600,
            push_threads=2,
            smtp_host="127.0.0.1",
            smtp_port=smtp_sink.port,
            smtp_connections=2,
            sender="ne-pas-repondre@monquartier.ci",
            skeletons=[
                (
                    SKELETON,
                    b"destinataire@exemple.invalid",
                    b"<message-id@exemple.invalid>",
                    b"https://lien.invalid/placeholder",
                )
            ],
            pushes=[
                FloorPush(
                    path=f"/push/{number}/{number % 2}",
                    p256dh=base64.urlsafe_b64decode(keys[number % 2].p256dh + "=="),
                    auth=keys[number % 2].auth,
                    data=json.dumps({"title": "Alerte", "tag": f"alert-{number}"}).encode(),
                    headers={"TTL": "60", "Urgency": "high", "Topic": f"alert-{number}"},
                )
                for number in range(5)
            ],
            emails=[
                FloorEmail(
                    to=f"voisin{number}@exemple.ci",
                    skeleton=0,
                    message_id=f"<delivery-{number}@monquartier.ci>",
                    link=f"https://monquartier.ci/l/{number}/",
                )
                for number in range(3)
            ]
            + [
                FloorEmail(
                    to="mairie@exemple.ci",
                    raw=b"To: mairie@exemple.ci\r\nMessage-ID: <whole@monquartier.ci>\r\n\r\nx\r\n",
                )
            ],
        )
        report = run_share(share)
        assert report["pushes_ok"] == 5 and report["emails_ok"] == 4
        assert push_sink.rejected == []
        assert sorted(path for path, _topic in push_sink.received) == [
            f"/push/{number}/{number % 2}" for number in range(5)
        ]
        for path, body in push_sink.bodies:
            key = keys[int(path.rsplit("/", 1)[1])]
            clear = http_ece.decrypt(
                body, private_key=key.private, auth_secret=key.auth, version="aes128gcm"
            )
            assert json.loads(clear)["title"] == "Alerte"
        received = {message["message_id"]: message["to"] for message in smtp_sink.messages}
        assert received == {
            "<delivery-0@monquartier.ci>": ["voisin0@exemple.ci"],
            "<delivery-1@monquartier.ci>": ["voisin1@exemple.ci"],
            "<delivery-2@monquartier.ci>": ["voisin2@exemple.ci"],
            "<whole@monquartier.ci>": ["mairie@exemple.ci"],
        }
    finally:
        push_sink.stop()
        smtp_sink.stop()
