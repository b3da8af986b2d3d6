"""API tokens in the admin: made here (the token is shown once), revoked here, never shown again."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from api.models import ApiToken
from api.services import api_token_issue, api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created", "last_used", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name"]
        return ["user", "name", "prefix", "created", "last_used", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "prefix", "created", "last_used", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            request.api_token_secret = api_token_issue(api_token=obj)

    def response_add(self, request, obj, post_url_continue=None):
        """A page that shows the new token once, instead of the usual redirect."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Copy the new API token",
            "api_token": obj,
            "secret": request.api_token_secret,
        }
        response = TemplateResponse(request, "admin/api/apitoken/created.html", context)
        # The token must never be kept by a browser or proxy cache.
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke the selected API tokens", permissions=["change"])
    def revoke(self, request, queryset):
        for api_token in queryset:
            api_token_revoke(api_token=api_token)
        self.message_user(request, f"Revoked {len(queryset)} API tokens.", messages.SUCCESS)
