from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import public, signed_in
from accounts.forms import ProfileForm
from accounts.middleware import supported_language
from accounts.models import User, record_audit


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's own `set_language` (a cookie, then back to `next`), and
    for a signed-in person their setting too, so that pages and emails follow it."""
    language = supported_language(request.POST.get("language"))
    if language and request.user.is_authenticated:
        changed = User.objects.filter(pk=request.user.pk).exclude(preferred_language=language)
        if changed.update(preferred_language=language):
            record_audit(
                actor=request.user,
                verb="account.language_changed",
                obj=request.user,
                summary=f"Language set to {language}",
                data={"language": language},
            )
    return i18n.set_language(request)
