"""GOV.UK pagination with page numbers: 1 … 4 5 6 … 20."""

from django import template

register = template.Library()


@register.simple_tag
def page_numbers(page_obj) -> list:
    """The page numbers to show around the current page, `…` where some are left out."""
    return list(
        page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1)
    )
