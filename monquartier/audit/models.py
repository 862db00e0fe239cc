from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Someone tried to change or delete an audit entry: the log is append-only."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def about(self, member) -> "AuditEntryQuerySet":
        return self.filter(member=member)

    def by(self, actor) -> "AuditEntryQuerySet":
        return self.filter(actor=actor)

    # Append-only in Python too (and by a trigger on the database, migration 0002): no
    # bulk change, no bulk delete, whatever the caller.
    def update(self, **kwargs) -> int:
        raise AppendOnlyError("The audit log is append-only: entries are never updated.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only: entries are never deleted.")

    def bulk_update(self, objs, fields, batch_size=None) -> int:
        raise AppendOnlyError("The audit log is append-only: entries are never updated.")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AppendOnlyError("The audit log is append-only: use audit.log.record.")


class AuditEntry(models.Model):
    """One thing a staff member did or looked at. Never updated, never deleted.

    `actor` and `member` are kept as plain ids (no cascade): deleting either account must
    not erase what was done. `actor_label` keeps who acted in words, for the day the
    account is gone.
    """

    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre de l'équipe"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    actor_label = models.CharField(_("auteur"), max_length=254)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre concerné"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    target = models.CharField(_("objet"), max_length=200, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        indexes = [
            models.Index(fields=["member", "-created_at"], name="audit_member_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only: entries are never updated.")
        # An INSERT, never an UPDATE, even with a primary key given.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: entries are never deleted.")
