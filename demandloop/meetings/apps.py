from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "demandloop.meetings"
    label = "meetings"
    verbose_name = _("Whistles and meetings")

    def ready(self) -> None:
        from demandloop.demands.actions import demand_changed
        from demandloop.sla.sweep import on_demand_changed

        # Every action on a demand moves its supervision watches in the same transaction.
        demand_changed.connect(on_demand_changed, dispatch_uid="demandloop.sla.sweep.watches")
