"""A report's headline figures as their kinds read (reports.formatting)."""

from django import template

from reports.formatting import cell_text, change_text

register = template.Library()
register.filter("report_cell", cell_text)
register.filter("change_text", change_text)
