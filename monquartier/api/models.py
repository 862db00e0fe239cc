from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """A creating POST sent with an Idempotency-Key header, and the answer it got.

    2G networks lose answers: the app sends the request again with the same key, and gets
    the first answer back instead of a second alert (monquartier/api/idempotency.py). The
    key is the app's, so it is unique per account, never across accounts. The row is
    written first, in the transaction that creates, so a concurrent repeat waits on the
    unique index and then reads the answer. Only successful answers are kept: after a
    refusal the app may correct the request and send it again with the same key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    # The method, the path and the body's SHA-256: the same key with another request is
    # refused (409).
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
