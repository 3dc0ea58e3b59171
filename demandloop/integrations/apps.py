from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "demandloop.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from demandloop.demands.actions import demand_changed
        from demandloop.integrations.notify import city_desk, progress

        demand_changed.connect(progress.on_demand_changed, dispatch_uid="demandloop.integrations.progress")
        demand_changed.connect(city_desk.on_demand_changed, dispatch_uid="demandloop.integrations.city_desk")
