from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "demandloop.meetings"
    label = "meetings"
    verbose_name = _("Whistles and meetings")
