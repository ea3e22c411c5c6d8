from functools import update_wrapper

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import redirect


class RecourseAdminSite(admin.AdminSite):
    site_header = "Recourse administration"
    site_title = "Recourse admin"
    index_title = "Rule catalogue, reason codes and records"

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            from accounts.decorators import staff_mfa_missing

            user = request.user
            if user.is_authenticated and user.is_staff and staff_mfa_missing(user):
                messages.warning(request, "The admin needs two-factor authentication first.")
                return redirect("mfa_activate_totp")
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)


class RecourseAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.RecourseAdminSite"
