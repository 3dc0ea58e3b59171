from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "demandloop.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from demandloop.org.security import on_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="demandloop.org.locked_out")
