"""GOV.UK pagination with page numbers: 1 … 4 5 6 … 20."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import pluralize

register = template.Library()


@register.simple_tag
def page_numbers(page_obj) -> list:
    """The page numbers to show around the current page, `…` where some are left out."""
    return list(
        page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1)
    )


@register.filter
def counted_whole(paginator) -> bool:
    """Whether the paginator counted every row (cases.paging.CountedSoFar may stop short)."""
    return getattr(paginator, "exact", True)


@register.filter
def how_many(paginator, noun: str) -> str:
    """How many rows a list has, in words: 18,597 deadlines, 1 deadline, or, for a list counted
    only so far (CountedSoFar), more than 1,000 deadlines, the same on every page."""
    if counted_whole(paginator):
        return f"{intcomma(paginator.count)} {noun}{pluralize(paginator.count)}"
    return f"more than {intcomma(paginator.CAP)} {noun}s"
