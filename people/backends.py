"""Django's ModelBackend, reading a person's permissions in one query where it takes two."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Q


class ModelBackendOneQuery(ModelBackend):
    """The same permissions as ModelBackend: a person's own and their groups' (roles'), cached
    on the user object for the request; read together, where ModelBackend reads each apart.
    Every page's menu asks (issue 14)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            perms = Permission.objects.all()
            if not user_obj.is_superuser:
                own = type(user_obj).user_permissions.through.objects.filter(user_id=user_obj.pk)
                roles = Group.permissions.through.objects.filter(
                    group_id__in=user_obj.groups.through.objects.filter(user_id=user_obj.pk).values(
                        "group_id"
                    )
                )
                perms = perms.filter(
                    Q(pk__in=own.values("permission_id")) | Q(pk__in=roles.values("permission_id"))
                )
            rows = perms.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache
