from django.urls import path
from django.views.generic import TemplateView

app_name = "opportunities"

urlpatterns = [
    path("", TemplateView.as_view(template_name="opportunities/coming_soon.html"), name="list"),
]
