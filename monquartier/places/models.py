from django.db import models
from django.utils.translation import gettext_lazy as _


class CommuneQuerySet(models.QuerySet):
    def in_district(self, district: str) -> "CommuneQuerySet":
        return self.filter(district=district)


class Commune(models.Model):
    """A municipality of Côte d'Ivoire, with the point maps centre on.

    Loaded by a data migration from places/data/communes.json; staff may add more in the
    admin. The table keeps the name it had in communities, where communes began: moving
    the model below accounts changed no row.
    """

    name = models.CharField(_("nom"), max_length=80)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    district = models.CharField(_("district"), max_length=80)
    region = models.CharField(_("région"), max_length=80)
    latitude = models.FloatField(_("latitude du centre"))
    longitude = models.FloatField(_("longitude du centre"))

    objects = CommuneQuerySet.as_manager()

    class Meta:
        db_table = "communities_commune"
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="commune_centre_on_earth",
            )
        ]

    def __str__(self) -> str:
        return self.name
