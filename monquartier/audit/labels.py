"""What a member reads about the audit entries that concern them: the kind of action
and its date, never who acted (PRODUCT.md; accounts' "Consultations par l'équipe")."""

from django.utils.translation import gettext as _


def for_member(action: str) -> str:
    """The kind of an action in plain words, for the member it concerns."""
    labels = {
        "member.view": _("Un membre de l'équipe a consulté vos informations personnelles."),
        "member.change": _("Un membre de l'équipe a modifié vos informations personnelles."),
        "member.create": _("Un membre de l'équipe a créé votre compte."),
        "member.delete": _("Un membre de l'équipe a supprimé des informations vous concernant."),
        "exclusion.accepted": _("L'équipe a décidé de votre exclusion d'une communauté."),
        "exclusion.rejected": _("L'équipe a rejeté une demande d'exclusion vous concernant."),
        "alert.hide": _("L'équipe a masqué une de vos alertes."),
        "post.hide": _("L'équipe a masqué une de vos annonces de la gazette."),
        "message.hide": _("L'équipe a masqué un de vos messages après un signalement."),
        "join.accepted": _("L'équipe a accepté votre demande d'adhésion."),
        "join.refused": _("L'équipe a refusé votre demande d'adhésion."),
        "report.hidden": _("L'équipe a masqué un de vos contenus après un signalement."),
        "report.dismissed": _("L'équipe a classé sans suite un signalement de votre contenu."),
        "report.exclusion": _("L'équipe a examiné un signalement de votre contenu."),
        "shop.order.advance": _("L'équipe a fait avancer une de vos commandes."),
        "shop.order.refund": _("L'équipe a remboursé une de vos commandes."),
        "shop.order.cancel": _("L'équipe a annulé une de vos commandes."),
        "shop.order.packing_slip": _(
            "L'équipe a imprimé le bon de préparation d'une de vos commandes."
        ),
        "shop.invoice.download": _("L'équipe a consulté la facture d'une de vos commandes."),
        "shop.mandate.confirm": _("L'équipe a confirmé et facturé une commande de votre mairie."),
        "shop.signage.to_order": _(
            "L'équipe a fait d'une demande de signalétique de votre mairie une commande."
        ),
        "shop.mandate.paid": _("L'équipe a enregistré le paiement d'une commande de votre mairie."),
    }
    return labels.get(action, _("L'équipe a traité une opération vous concernant."))
