"""Response shapes of the monitor API (used for the OpenAPI schema and for lists of chains)."""

from rest_framework import serializers

from keten.chains.models import Chain


class ChainSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    partner = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Chain
        fields = [
            "slug",
            "name",
            "description",
            "ambition",
            "administrative_ambition",
            "colour",
            "role",
            "partner",
            "links",
        ]

    def _membership(self, chain):
        return self.context["memberships"].get(chain.pk)

    def get_role(self, chain) -> str | None:
        m = self._membership(chain)
        return m.role if m else None

    def get_partner(self, chain) -> str | None:
        m = self._membership(chain)
        return m.partner.code if m and m.partner_id else None

    def get_links(self, chain) -> dict[str, str]:
        request = self.context["request"]
        base = request.build_absolute_uri(f"/api/chains/{chain.slug}/")
        return {name: f"{base}{name}/" for name in ("kpis", "flow", "norms", "cases")}


class ViewerSerializer(serializers.Serializer):
    role = serializers.CharField()
    view = serializers.CharField()
    suppressed_below = serializers.IntegerField(
        allow_null=True, help_text="Cells over fewer cases are hidden (null: no suppression)."
    )


class TrendPointSerializer(serializers.Serializer):
    period = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    cases = serializers.IntegerField(allow_null=True)
    # False while the period's cases have not all had the KPI's window: no status from it.
    mature = serializers.BooleanField()


class KpiSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    objective = serializers.CharField()
    kind = serializers.CharField()
    is_chain_level = serializers.BooleanField()
    direction = serializers.CharField()
    target = serializers.FloatField()
    unit = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    status = serializers.CharField(help_text="on_target, at_risk, off_target, no_data or suppressed")
    period = serializers.CharField(allow_null=True)
    cases = serializers.IntegerField(allow_null=True)
    trend = TrendPointSerializer(many=True)


class KpiResponseSerializer(serializers.Serializer):
    viewer = ViewerSerializer()
    chain_level_share = serializers.FloatField(allow_null=True)
    kpis = KpiSerializer(many=True)


class HandoverSerializer(serializers.Serializer):
    from_partner = serializers.CharField()
    to_partner = serializers.CharField()
    cases = serializers.IntegerField(allow_null=True)
    transitions = serializers.IntegerField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)
    p80_days = serializers.FloatField(allow_null=True)
    mean_days = serializers.FloatField(allow_null=True)
    median_working_days = serializers.FloatField(
        allow_null=True,
        help_text="Median time on working days (Monday to Friday minus Dutch public holidays and "
        "the chain's closing days)",
    )
    slowest = serializers.BooleanField()
    suppressed = serializers.BooleanField()


class FlowResponseSerializer(serializers.Serializer):
    viewer = ViewerSerializer()
    handovers = HandoverSerializer(many=True)
    throughput = serializers.ListField(child=serializers.DictField())
    stage_times = serializers.ListField(child=serializers.DictField())
    stage_flow = serializers.ListField(child=serializers.DictField())
    rework = serializers.ListField(child=serializers.DictField())
    dropout = serializers.ListField(child=serializers.DictField())
    variants = serializers.ListField(child=serializers.DictField())


class NormSerializer(serializers.Serializer):
    agreement = serializers.CharField()
    period = serializers.CharField()
    cases = serializers.IntegerField(allow_null=True)
    within = serializers.IntegerField(allow_null=True)
    late = serializers.IntegerField(allow_null=True)
    late_open = serializers.IntegerField(allow_null=True)
    share = serializers.FloatField(allow_null=True)
    target_share = serializers.FloatField()
    meets = serializers.BooleanField(allow_null=True)
    days_kind = serializers.CharField(help_text="calendar or working: what the agreement's days count")
    suppressed = serializers.BooleanField()


class NormResponseSerializer(serializers.Serializer):
    viewer = ViewerSerializer()
    norms = NormSerializer(many=True)


class CaseSerializer(serializers.Serializer):
    case_id = serializers.CharField(help_text="Pseudonym")
    first_event = serializers.DateTimeField()
    last_event = serializers.DateTimeField()
    events = serializers.IntegerField()
    duration_days = serializers.FloatField()
    current_stage = serializers.CharField(allow_null=True)
    current_partner = serializers.CharField(allow_null=True)
    partners = serializers.CharField()
    status = serializers.CharField()


class CaseResponseSerializer(serializers.Serializer):
    viewer = ViewerSerializer()
    count = serializers.IntegerField(help_text="Cases in the whole selection")
    next = serializers.URLField(allow_null=True, help_text="The next page (null on the last)")
    previous = serializers.URLField(allow_null=True, help_text="The page before (null on the first)")
    cases = CaseSerializer(many=True)
