from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "demandloop.routing"
    label = "routing"
    verbose_name = _("筛查与分派")
