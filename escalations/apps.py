from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"

    def ready(self) -> None:
        from django_fsm.signals import post_transition

        from .signals import case_allocated

        post_transition.connect(case_allocated, dispatch_uid="escalations.case_allocated")
