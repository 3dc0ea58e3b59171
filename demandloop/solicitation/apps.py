from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SolicitationConfig(AppConfig):
    name = "demandloop.solicitation"
    label = "solicitation"
    verbose_name = _("Solicitation campaigns")
