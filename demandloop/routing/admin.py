from django.contrib import admin

from demandloop.routing.models import RouterTraining


@admin.register(RouterTraining)
class RouterTrainingAdmin(admin.ModelAdmin):
    list_display = (
        "district",
        "folder",
        "trained_at",
        "trained_by",
        "district_rows",
        "test_accuracy",
        "previous_accuracy",
        "activated",
    )
    list_filter = ("district", "activated")
    readonly_fields = [f.name for f in RouterTraining._meta.fields]
