"""A paginator that runs a search once: the page's rows carry the total (COUNT(*) OVER ()),
instead of a COUNT query that repeats the search before the page query runs it again."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window


class SinglePassPaginator(Paginator):
    """For searches, whose matches are few, and lists sorted whole anyway (the weekly list):
    counting them alongside the page costs nothing extra. Pages model instances or, for a
    queryset of `values()`, dictionaries. Browsing every case keeps Django's Paginator (an
    index-only COUNT, then a LIMIT that walks the name index), which is cheaper than counting
    a whole table in a window."""

    def get_page(self, number):
        """Django's get_page, without its COUNT first (it checks the number against the number
        of pages before reading the page): a page past the end, or a number below 1, shows
        the last page, and only then is the total counted apart; not a number, the first."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("That page number is not an integer") from error
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(search_total=Window(Count("*")))[
                bottom : bottom + self.per_page
            ]
        )
        if rows:
            first = rows[0]
            self.__dict__["count"] = (
                first["search_total"] if isinstance(first, dict) else first.search_total
            )
        elif number == 1 and self.allow_empty_first_page:
            self.__dict__["count"] = 0
        else:
            raise EmptyPage("That page contains no results")
        return self._get_page(rows, number, self)
