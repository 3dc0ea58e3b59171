from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "demandloop.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from demandloop.demands.actions import demand_changed
        from demandloop.integrations.notify.progress import on_demand_changed

        demand_changed.connect(on_demand_changed, dispatch_uid="demandloop.integrations.progress")
