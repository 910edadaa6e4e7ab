"""The three roles of the portal, as Django groups.

Groups and their permissions are created by a data migration; later apps add
their own permissions to these groups in their own migrations via `grant`.
"""

HOLDERS = "Holders"
AASC_STAFF = "AASC staff"
NAAEI_REVIEWERS = "NAAEI reviewers"
ROLE_NAMES = (HOLDERS, AASC_STAFF, NAAEI_REVIEWERS)


def grant(apps, group_name, permission_codenames):
    """Give `group_name` the permissions named "app_label.codename" (for migrations)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        if apps is global_apps:
            create_permissions(app_config, verbosity=0)
        else:  # a migration's historical app registry has no models modules
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for dotted in permission_codenames:
        app_label, codename = dotted.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def _role_names(user):
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_role_names_cache"):
        user._role_names_cache = frozenset(user.groups.values_list("name", flat=True))
    return user._role_names_cache


def is_aasc_staff(user):
    return user.is_authenticated and (user.is_superuser or AASC_STAFF in _role_names(user))


def is_reviewer(user):
    return NAAEI_REVIEWERS in _role_names(user)
