from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "demandloop.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Connects the audit trail to Django's sign-in, sign-out and failed sign-in signals.
        from demandloop.core import audit  # noqa: F401
