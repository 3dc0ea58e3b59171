from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Hotline12345Config(AppConfig):
    name = "demandloop.integrations.hotline12345"
    label = "hotline12345"
    verbose_name = _("12345 hotline")

    def ready(self) -> None:
        from demandloop.demands.actions import demand_changed
        from demandloop.integrations.hotline12345.statusback import (
            CHANNEL,
            HotlineStatusTransport,
            on_demand_changed,
        )
        from demandloop.integrations.notify.transports import TRANSPORTS

        # The outbox delivers by channel: its registry is how an adapter outside `notify` joins it.
        TRANSPORTS[CHANNEL] = HotlineStatusTransport
        # A linked demand's change writes its status-back in the action's own transaction.
        demand_changed.connect(on_demand_changed, dispatch_uid="demandloop.hotline12345.status_back")
