"""Django's ModelBackend, reading a person's permissions in one query where it takes two."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Q, Value

from casetransfer.compiled import CompiledOnce


class ModelBackendOneQuery(ModelBackend):
    """The same permissions as ModelBackend: a person's own and their groups' (roles'), cached
    on the user object for the request; read together, where ModelBackend reads each apart.
    Every page's menu asks (issue 14)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        fresh = not hasattr(user_obj, "_perm_cache") and "role_names" not in user_obj.__dict__
        if fresh and not user_obj.is_superuser:
            user_obj.role_names  # noqa: B018 -- reads the roles, and keeps the permissions
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


def _roles_and_permissions_of(user_id: int):
    roles = Group.objects.filter(user__id=user_id).values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    )
    own = Permission.objects.filter(user__id=user_id).values_list(
        Value(None, output_field=CharField()), "content_type__app_label", "codename"
    )
    return roles.order_by().union(own.order_by(), all=True)


_read_roles_and_permissions = CompiledOnce(_roles_and_permissions_of)


def roles_and_permissions(user_obj) -> frozenset[str]:
    """The names of a person's roles (groups), their permissions read in the same query: every
    signed-in page asks both (the reader's scope, the menu), one query where they took two
    (issue 14), its SQL compiled once per process (casetransfer.compiled). The permissions are
    kept on the user as ModelBackendOneQuery keeps them, for an active person who is not a
    superuser (a superuser has every permission, an inactive person none, without asking)."""
    rows = _read_roles_and_permissions(user_obj.pk)
    if user_obj.is_active and not user_obj.is_superuser and not hasattr(user_obj, "_perm_cache"):
        user_obj._perm_cache = {f"{app}.{codename}" for _, app, codename in rows if codename}
    return frozenset(name for name, _, _ in rows if name is not None)
