from people.models import User


def may_open_registers(user: User) -> bool:
    """Managers (scoped to the teams they may see) and administrators keep and read the lists
    (seed 004: the Senior Administrator keeps them); workers do not."""
    return user.is_active and (user.is_superuser or user.is_manager or user.is_administrator)
