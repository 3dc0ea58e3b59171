from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "demandloop.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from demandloop.org.security import on_locked_out, on_logged_in

        user_locked_out.connect(on_locked_out, dispatch_uid="demandloop.org.locked_out")
        user_logged_in.connect(on_logged_in, dispatch_uid="demandloop.org.logged_in")
