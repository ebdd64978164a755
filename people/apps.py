from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


def _ensure_role_groups(sender, **kwargs) -> None:
    from .services import role_groups_ensure

    role_groups_ensure()


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People and teams"

    def ready(self) -> None:
        # After every migrate (and test database set-up), so new permissions join their roles.
        post_migrate.connect(_ensure_role_groups, dispatch_uid="people.role_groups")


class TwoFactorAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that lets in only staff signed in with a two-factor code."""

    default = False  # "people" in INSTALLED_APPS is PeopleConfig
    default_site = "people.admin_site.TwoFactorAdminSite"
