from django import template

register = template.Library()


@register.simple_tag
def may_record_held(meeting, user) -> bool:
    """Whether `user` may record this planned meeting as held: the link shows only then."""
    from casework.views import may_record_kind

    if not meeting.is_planned or user is None:
        return False
    return may_record_kind(meeting.kind, case=meeting.case, transfer=meeting.transfer, user=user)
