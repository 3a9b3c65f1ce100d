from rest_framework.pagination import CursorPagination


class NewestFirstCursor(CursorPagination):
    """Opaque next/previous cursors on the primary key, newest first: stable while rows are
    added, and as fast deep in the list as on its first page."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
