"""get_FOO_display read from the choices enum says what Django's own says."""

from deadlines.models import Deadline
from deadlines.rules import Kind
from transfers.models import Transfer, TransferKind, TransferStatus


def test_each_label_is_the_one_django_gives_and_an_unknown_value_is_itself():
    cases = [
        (Transfer, "kind", [*TransferKind.values, "no such kind"]),
        (Transfer, "status", [*TransferStatus.values, "no such status"]),
        (Deadline, "kind", [*Kind.values, "no such kind"]),
    ]
    for model, name, values in cases:
        field = model._meta.get_field(name)
        ours = getattr(model, f"get_{name}_display")
        assert ours.__module__ == model.__module__  # the model's own, not Django's
        for value in values:
            row = model(**{name: value})
            assert ours(row) == row._get_FIELD_display(field), (model.__name__, value)
    assert Transfer(status="no such status").get_status_display() == "no such status"
    assert Transfer(kind=TransferKind.STEP_UP).get_kind_display() == TransferKind.STEP_UP.label
