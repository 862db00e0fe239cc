"""The alert SMS ends with how to say "j'ai vu" (Répondez VU) when the whole alert fits one
GSM-7 segment with it; a longer text keeps its words (trimmed as before) and the SMS
stays one segment, without the hint."""

from monquartier.alerts import services
from monquartier.alerts.outbox import alert_sms_text
from monquartier.outbox.sms.gsm7 import gsm7_length, is_gsm7


def test_a_short_alert_ends_with_repondez_vu(riviera, awa):
    alert = services.send_alert(awa, category="theft", text="Deux hommes au portail")
    text = alert_sms_text(alert)
    assert text.endswith("N'intervenez pas: 110/111/170 Répondez VU")
    assert "Deux hommes au portail (Awa Koné)" in text
    assert is_gsm7(text) and gsm7_length(text) <= 160


def test_a_long_alert_keeps_its_text_and_one_segment_without_the_hint(riviera, awa):
    words = "Deux hommes sur une moto sans plaque tournent dans l'allee depuis vingt minutes"
    alert = services.send_alert(awa, category="theft", text=words)
    text = alert_sms_text(alert)
    assert "VU" not in text
    assert text.endswith("N'intervenez pas: 110/111/170")
    assert gsm7_length(text) <= 160


def test_the_hint_is_added_up_to_the_last_septet(riviera, awa):
    alert = services.send_alert(awa, category="theft", text="Vol au marché")
    alert.text = "x"
    room = 160 - gsm7_length(alert_sms_text(alert))  # the hint's room after "x"
    alert.text = "x" * (1 + room)
    assert gsm7_length(alert_sms_text(alert)) == 160 and alert_sms_text(alert).endswith("VU")
    alert.text = "x" * (2 + room)
    assert not alert_sms_text(alert).endswith("VU")
    assert gsm7_length(alert_sms_text(alert)) <= 160
