from django.urls import path

from api.views.api import api

urlpatterns = [path("v1/", api.urls)]
