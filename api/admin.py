"""Integrations and their tokens. A token's plain text is shown once, in the message after
it is issued; only its hash is kept."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Integration, IntegrationToken, Scope
from .services import issue_token, revoke_token


class IntegrationForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Integration
        fields = ["name", "channel", "all_channels", "scopes", "owner", "is_active"]


class TokenInline(admin.TabularInline):
    model = IntegrationToken
    fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # issued from the integration's actions, so the secret can be shown once


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = ["name", "channel", "owner", "is_active"]
    list_filter = ["is_active", "channel"]
    search_fields = ["name"]
    inlines = [TokenInline]
    actions = ["issue_tokens"]

    @admin.action(description="Issue a new token")
    def issue_tokens(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset:
            issued = issue_token(integration=integration)
            messages.warning(
                request,
                f"Token for {integration}: {issued.plain} — copy it now; it is not shown again.",
            )


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "integration", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["integration"]
    fields = ["integration", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "integration"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return  # nothing on a token is edited; revoke it instead
        issued = issue_token(integration=obj.integration)
        for name in ("pk", "prefix", "secret_hash", "created_at"):
            setattr(obj, name, getattr(issued.token, name))
        messages.warning(request, f"Token: {issued.plain} — copy it now; it is not shown again.")

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[IntegrationToken]) -> None:
        for token in queryset:
            revoke_token(token=token)
        messages.success(request, f"Revoked {len(queryset)} token(s).")
