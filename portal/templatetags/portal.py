"""``{% load portal %}{% order_status_url order %}``: the absolute link to the order-status
page, for the customer e-mails."""

from django import template

from orders.models import Order
from portal.links import status_url

register = template.Library()


@register.simple_tag
def order_status_url(order: Order) -> str:
    return status_url(order)
