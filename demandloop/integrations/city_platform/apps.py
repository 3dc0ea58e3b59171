from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CityPlatformConfig(AppConfig):
    name = "demandloop.integrations.city_platform"
    label = "city_platform"
    verbose_name = _("City platform (Jinchanfa)")

    def ready(self) -> None:
        from demandloop.demands.actions import CITY_PUSH_CHANNELS, demand_changed
        from demandloop.demands.choices import CityChannelChoices
        from demandloop.integrations.city_platform.conf import is_configured
        from demandloop.integrations.city_platform.outbound import (
            CHANNEL,
            CityPlatformTransport,
            on_demand_changed,
        )
        from demandloop.integrations.notify.transports import TRANSPORTS

        # The outbox delivers by channel: its registry is how an adapter outside `notify` joins it.
        TRANSPORTS[CHANNEL] = CityPlatformTransport
        # A 津产发 transfer needs no typed reference while this integration is configured: it pushes the matter.
        CITY_PUSH_CHANNELS[CityChannelChoices.JINCHANFA] = is_configured
        # Transfers push, and changes of demands the city sent are reported back, in the action's transaction.
        demand_changed.connect(on_demand_changed, dispatch_uid="demandloop.city_platform.outbound")
