"""The sentences of notifications: names put into French sentences."""

from django.utils import translation

from monquartier.notifications.events import describe
from monquartier.notifications.models import Notification


def test_a_name_after_de_is_elided_in_french_and_alone_in_english():
    notification = Notification(event="join_requested", data={"applicant": "Awa K."})
    notification.data["community_name"] = "Riviera 2"

    with translation.override("fr"):
        assert describe(notification)[0] == "Demande d'adhésion d'Awa K."
        notification.data["applicant"] = "Yao K."
        assert describe(notification)[0] == "Demande d'adhésion de Yao K."
    with translation.override("en"):
        assert describe(notification)[0] == "Join request from Yao K."
