"""Models of the routing app: the record of each router a district trained."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RouterTraining(models.Model):
    """One (re)training of a district's router: who, when, on what, how well it routes the held-back slice."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="router_trainings"
    )
    folder = models.CharField(_("model folder"), max_length=64)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trained by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    trained_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    corpus_rows = models.PositiveIntegerField(_("corpus rows"), default=0)
    district_rows = models.PositiveIntegerField(_("district rows"), default=0)
    # Accuracy of each head on the corpus' held-back test slice, e.g. {"department": 0.91, ...}.
    test_accuracy = models.JSONField(_("test accuracy"), default=dict, blank=True)
    # The model that was in force before, on the same slice; empty when there was none.
    previous_accuracy = models.JSONField(_("accuracy of the previous model"), default=dict, blank=True)
    # False when the retrained model routed the slice markedly worse than the one in force, which was kept.
    activated = models.BooleanField(_("put into use"), default=True)

    class Meta:
        verbose_name = _("router training")
        verbose_name_plural = _("router trainings")
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        return f"{self.district} {self.folder}"
