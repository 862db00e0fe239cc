"""What the notifications about membership, référents, twinning, arrivals and departures, birthdays say (notifications/events.py).

Registered from the AppConfig.ready(); the values come from the notification's data.
"""

from django.utils.translation import gettext as _


def texts() -> dict[str, tuple[str, str]]:
    # Built on each call: gettext must run in the recipient's language, not at import.
    return {
        "join_requested": (
            _("Demande d'adhésion %(de_applicant)s"),
            _(
                "%(applicant)s demande à rejoindre « %(community)s ». Vérifiez que cette personne habite le quartier, puis acceptez ou refusez sa demande."
            ),
        ),
        "join_reminder": (
            _("Des demandes d'adhésion attendent votre réponse"),
            _(
                "%(count)s demande(s) d'adhésion à « %(community)s » attendent toujours une réponse."
            ),
        ),
        "join_reminder_commune": (
            _("Des demandes d'adhésion attendent la réponse de la mairie"),
            _(
                "%(count)s demande(s) d'adhésion dans les communautés de la commune attendent toujours une réponse."
            ),
        ),
        "join_escalated": (
            _("Demande d'adhésion sans réponse depuis 15 jours"),
            _(
                "La demande %(de_applicant)s pour « %(community)s » attend depuis plus de 15 jours : elle passe à l'équipe."
            ),
        ),
        "join_accepted": (
            _("Bienvenue dans « %(community)s »"),
            _(
                "Votre demande est acceptée : vous recevez maintenant les alertes du quartier et vous voyez l'annuaire et la gazette."
            ),
        ),
        "join_refused": (
            _("Votre demande pour « %(community)s »"),
            _("Votre demande d'adhésion n'a pas été acceptée. Motif : %(reason)s"),
        ),
        "referent_granted": (
            _("Vous êtes référent de « %(community)s »"),
            _("Vous pouvez maintenant valider les demandes d'adhésion et animer la communauté."),
        ),
        "referent_removed": (
            _("Vous n'êtes plus référent de « %(community)s »"),
            _("Un autre référent vous a retiré ce rôle. Vous restez membre de la communauté."),
        ),
        "referent_succession": (
            _("Vous devenez référent de « %(community)s »"),
            _(
                "Le dernier référent est parti : en tant que membre le plus ancien, vous prenez le relais. L'équipe MonQuartier peut vous aider."
            ),
        ),
        "twinning_requested": (
            _("« %(other)s » propose un jumelage"),
            _(
                "La communauté voisine « %(other)s » propose de jumeler vos deux communautés. Acceptez ou refusez depuis la page des jumelages."
            ),
        ),
        "twinning_accepted": (
            _("Jumelage avec « %(other)s » accepté"),
            _(
                "« %(other)s » a accepté le jumelage. Vos membres recevront ses alertes par e-mail, et ses membres recevront les vôtres."
            ),
        ),
        "twinning_declined": (
            _("Jumelage avec « %(other)s » refusé"),
            _("« %(other)s » n'a pas accepté la proposition de jumelage."),
        ),
        "twinning_ended": (
            _("Fin du jumelage avec « %(other)s »"),
            _(
                "« %(other)s » a mis fin au jumelage. Vos membres ne reçoivent plus ses alertes, et ses membres ne reçoivent plus les vôtres."
            ),
        ),
        "twinning_withdrawn": (
            _("« %(other)s » retire sa demande de jumelage"),
            _("« %(other)s » ne propose plus de jumeler vos deux communautés."),
        ),
        "twinning_by_commune": (
            _("Jumelage avec « %(other)s » décidé par %(by)s"),
            _(
                "%(by)s a jumelé « %(community)s » avec « %(other)s ». Vos membres recevront ses alertes par e-mail, et ses membres recevront les vôtres."
            ),
        ),
        "twinning_ended_by_commune": (
            _("Fin du jumelage avec « %(other)s », décidée par %(by)s"),
            _(
                "%(by)s a mis fin au jumelage avec « %(other)s ». Vos membres ne reçoivent plus ses alertes, et ses membres ne reçoivent plus les vôtres."
            ),
        ),
        "twinnings_by_commune": (
            _("%(by)s jumelle « %(community)s » avec %(count)s communautés voisines"),
            _(
                "%(by)s a jumelé « %(community)s » avec %(count)s communautés voisines : %(others)s. Vos membres recevront leurs alertes par e-mail, et leurs membres recevront les vôtres."
            ),
        ),
        "twinnings_ended_by_commune": (
            _("%(by)s met fin à %(count)s jumelages de « %(community)s »"),
            _(
                "%(by)s a mis fin aux jumelages de « %(community)s » avec %(count)s communautés : %(others)s. Vos membres ne reçoivent plus leurs alertes, et leurs membres ne reçoivent plus les vôtres."
            ),
        ),
        "arrival": (
            _("%(member)s rejoint « %(community)s »"),
            _("Souhaitez la bienvenue à %(member)s, nouveau membre de la communauté."),
        ),
        "departure": (
            _("%(member)s quitte « %(community)s »"),
            _("%(member)s ne fait plus partie de la communauté."),
        ),
        "community_deleted": (
            _("Communauté supprimée : « %(community_name)s »"),
            _(
                "La communauté « %(community_name)s » (%(commune)s) n'a plus de membre : le dernier est parti ou a fermé son compte. Elle est supprimée, et sa zone est libre."
            ),
        ),
        "birthday": (
            _("C'est l'anniversaire %(de_member)s"),
            _(
                "Aujourd'hui, %(member)s fête son anniversaire. Un petit mot fait toujours plaisir !"
            ),
        ),
        # To staff: someone reached a cap on what costs us SMS (notably the neighbours
        # registered without internet).
        "sms_cap_reached": (
            _("Plafond de SMS atteint par « %(community)s »"),
            _(
                "%(referent)s a atteint le plafond d'inscriptions de voisins sans internet pour « %(community)s ». Vérifiez que ces inscriptions sont sincères."
            ),
        ),
    }
