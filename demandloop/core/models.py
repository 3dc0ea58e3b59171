"""Models of the core app: the audit trail every other app writes to through `demandloop.core.audit`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One audited happening: an action on an object, a sign-in or sign-out, a failed sign-in, a refusal.

    Append-only: rows are written once through `demandloop.core.audit.record` and never edited or deleted — on
    PostgreSQL a trigger (migration 0002) makes the database refuse UPDATE and DELETE. Who is kept twice, as a
    foreign key and as the username at the time, so the trail still reads after an account is renamed.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # Users are deactivated, never deleted, once they have an audit trail.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    # The role the user acted in ("system" for the platform's own jobs).
    role = models.CharField(_("role"), max_length=24, blank=True)
    district = models.ForeignKey(
        "org.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Dotted name of what happened: "demand.escalate", "auth.login", "auth.login_failed", "access.refused" …
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    address = models.CharField(_("client address"), max_length=64, blank=True)
    success = models.BooleanField(_("success"), default=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [
            # The auditor's "everything that happened to this object" view.
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["user", "at"], name="audit_user_at_idx"),
            models.Index(fields=["district", "at"], name="audit_district_at_idx"),
        ]

    def __str__(self) -> str:
        outcome = "" if self.success else " ✗"
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action}{outcome}"
