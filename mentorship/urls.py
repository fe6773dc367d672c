from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts import sso

from . import views

admin.site.site_header = "OLA Mentorship administration"
admin.site.site_title = "OLA Mentorship"
admin.site.index_title = "Programs, applications, matching and the database"
# The admin signs in through allauth's login, so its rate limits (and, for
# staff, its second factor) guard the admin too.
admin.site.login = secure_admin_login(admin.site.login)

# A program's page keeps the "programs" namespace it always had; its view lives
# here because the page shows applications and matching too (views.py).
program_pages = ([path("programs/<slug:slug>/", views.program_detail, name="detail")], "programs")

urlpatterns = [
    path("", views.landing, name="home"),
    path("home/", views.my_home, name="my_home"),
    path("favicon.ico", views.favicon),
    path("", include(program_pages)),
    path("", include("applications.urls")),
    path("database/", include("opportunities.urls")),
    path("", include("matching.urls")),
    path("", include("mentoring.urls")),
    path("account/", include("accounts.urls")),
    # Ahead of allauth's openid_connect URLs, which reverse() still names (same paths):
    # the provider being down or slow becomes a page, not a 500 (accounts/sso.py).
    path("accounts/oidc/<str:provider_id>/login/", sso.login_view),
    path("accounts/oidc/<str:provider_id>/login/callback/", sso.callback_view),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "mentorship.views.page_not_found"
handler500 = "mentorship.views.server_error"
