from django.contrib import admin

from keten.chains.models import (
    Activity,
    Agreement,
    AuditEntry,
    Chain,
    KpiDefinition,
    Membership,
    Objective,
    Partner,
    Stage,
)


class PartnerInline(admin.TabularInline):
    model = Partner
    extra = 0


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0


@admin.register(Chain)
class ChainAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "horizon_days", "reject_policy"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PartnerInline, StageInline]


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "chain", "position", "partner"]
    list_filter = ["chain"]
    inlines = [ActivityInline]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["name", "chain", "from_activity", "to_activity", "max_days", "target_share"]
    list_filter = ["chain"]
    filter_horizontal = ["owners"]


class KpiInline(admin.StackedInline):
    model = KpiDefinition
    extra = 0
    filter_horizontal = ["partners"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["name", "chain"]
    list_filter = ["chain"]
    inlines = [KpiInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "chain", "role", "partner"]
    list_filter = ["chain", "role"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "chain", "action"]
    list_filter = ["chain", "action"]
    readonly_fields = ["at", "user", "username", "chain", "action", "detail"]
