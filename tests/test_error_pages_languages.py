"""The error pages in the reader's language (issue #18). 404 and 403 render inside the layout;
500 stands alone, because Django's `server_error` renders it with no request and no context
processors: it must still come out in the language of the request that failed, and fall back
to English when no language is active at all."""

import pytest
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.utils import translation
from django.views.defaults import server_error

from accounts.decorators import public
from config.urls import urlpatterns as site_urlpatterns
from tests.factories import FreelancerFactory

pytestmark = pytest.mark.django_db


@public
def _fails(request):
    raise RuntimeError("a bug in a view")


# This module is the URLconf of the 500 tests: the site's, plus a view that fails.
urlpatterns = [*site_urlpatterns, path("test-only/fails/", _fails)]


def test_the_404_page_reads_in_russian(client):
    response = client.get("/rules/TOS-404/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="ru"' in html
    assert "<h1>Страница не найдена</h1>" in html
    assert "По этому адресу ничего нет, или эта страница не предназначена для вас." in html
    assert "Page not found" not in html and "Go to the start page" not in html


def test_the_403_page_follows_the_signed_in_persons_setting(client):
    client.force_login(FreelancerFactory(preferred_language="es"))
    response = client.get(reverse("enforcement:staff-home"), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="es"' in html
    assert "<h1>No puede abrir esta página</h1>" in html
    assert "Confianza y Seguridad" in html
    assert "You cannot open this page" not in html


@pytest.mark.urls(__name__)
def test_the_500_page_reads_in_the_language_of_the_request_that_failed():
    client = Client(raise_request_exception=False)
    response = client.get("/test-only/fails/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "<h1>Что-то пошло не так</h1>" in html
    assert "Ошибка на нашей стороне, и она записана в журнал." in html
    assert "Something went wrong" not in html


@pytest.mark.urls(__name__)
def test_the_500_page_follows_the_switchers_cookie(settings):
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    html = client.get("/test-only/fails/").content.decode()
    assert '<html lang="uk">' in html
    assert "<h1>Щось пішло не так</h1>" in html


def test_the_500_page_falls_back_to_english_when_no_language_is_active():
    request = RequestFactory().get("/")
    with translation.override(None):  # what a failure outside any request's language leaves
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="en">' in html
    assert "<h1>Something went wrong</h1>" in html


def test_the_404_page_reads_in_german(client):
    response = client.get("/rules/TOS-404/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="de"' in html
    assert "<h1>Seite nicht gefunden</h1>" in html
    assert "Unter dieser Adresse gibt es nichts, oder Sie dürfen es nicht sehen." in html
    assert "Page not found" not in html and "Go to the start page" not in html
