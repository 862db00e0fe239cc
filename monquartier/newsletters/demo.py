"""The demo's newsletters: one already sent (saved as sent, with no outbox rows: the demo
sends nothing) and a draft to preview, test and send from the admin."""

from datetime import timedelta

from django.db.models.functions import Mod
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.newsletters.audience import recipients
from monquartier.newsletters.models import Audience, Newsletter

SENT_TITLE = "MonQuartier en novembre : ce qui change pour les référents"
DRAFT_TITLE = "Décembre : préparer les fêtes en sécurité"

SENT_TEXT = """Bonjour à toutes et à tous,

Merci d'animer vos communautés. Ce mois-ci, trois nouveautés pour les référents :

- les demandes d'adhésion sans réponse depuis 15 jours passent à l'équipe ;
- les mairies partenaires peuvent valider les nouveaux membres ;
- le **kit de communication** (affiches, flyers) se télécharge dans votre espace.

Une question ? Écrivez-nous depuis la page d'aide : https://monquartier.ci/aide/

L'équipe MonQuartier"""

DRAFT_TEXT = """Bonjour,

Les fêtes approchent : les maisons vides attirent les cambrioleurs.

- prévenez un voisin de confiance si vous partez ;
- ne laissez pas vos dates de voyage sur les réseaux sociaux ;
- en cas de doute, envoyez une **alerte** à votre communauté.

Bonnes fêtes à tous,
L'équipe MonQuartier"""


def create_demo_newsletters() -> int:
    """Returns how many newsletters were created now."""
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    # A third of the demo's members asked for the letter in their settings.
    User.objects.open().filter(is_staff=False).alias(third=Mod("pk", 3)).filter(third=0).update(
        newsletter=True
    )
    created = 0
    if not Newsletter.objects.filter(title=SENT_TITLE).exists():
        sent_at = timezone.now() - timedelta(days=12)
        letter = Newsletter.objects.create(
            title=SENT_TITLE,
            text=SENT_TEXT,
            audience=Audience.REFERENTS,
            created_by=staff,
        )
        Newsletter.objects.filter(pk=letter.pk).update(
            test_sent_at=sent_at - timedelta(hours=1),
            sent_at=sent_at,
            sent_by=staff,
            recipient_count=recipients(letter).count(),
        )
        created += 1
    if not Newsletter.objects.filter(title=DRAFT_TITLE).exists():
        Newsletter.objects.create(
            title=DRAFT_TITLE, text=DRAFT_TEXT, audience=Audience.MEMBERS, created_by=staff
        )
        created += 1
    return created
