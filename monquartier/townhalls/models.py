from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class TownHallContactQuerySet(models.QuerySet):
    def active(self) -> "TownHallContactQuerySet":
        return self.filter(active=True)


class TownHallContact(models.Model):
    """Someone at a partner town hall who receives every alert of the commune by e-mail
    and SMS. (Town-hall accounts and their dashboard come later; a list per commune is
    what alerts need.)"""

    commune = models.ForeignKey(
        "places.Commune",
        on_delete=models.CASCADE,
        related_name="town_hall_contacts",
        verbose_name=_("commune"),
    )
    name = models.CharField(_("nom"), max_length=120)
    role = models.CharField(_("fonction"), max_length=120, blank=True)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    mobile = PhoneNumberField(_("téléphone mobile"), blank=True)
    active = models.BooleanField(_("actif"), default=True)

    objects = TownHallContactQuerySet.as_manager()

    class Meta:
        ordering = ["commune__name", "name"]
        verbose_name = _("contact de mairie partenaire")
        verbose_name_plural = _("contacts de mairies partenaires")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="", mobile=""), name="town_hall_contact_reachable"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.commune})"
