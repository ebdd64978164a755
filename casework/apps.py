from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """Records several protocols share: meetings about a case and who was told what."""

    name = "casework"
