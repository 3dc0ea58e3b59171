from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from demandloop.knowledge.models import FaqEntry


@admin.register(FaqEntry)
class FaqEntryAdmin(SimpleHistoryAdmin):
    list_display = ("question", "district", "department", "version", "is_published", "updated_at")
    list_filter = ("district", "is_published", "department")
    search_fields = ("question", "answer", "code")
