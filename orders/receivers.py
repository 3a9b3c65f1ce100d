from django.dispatch import receiver

from inventory.signals import reserved_stock_written_off, stock_received

from . import services
from .models import OrderLine
from .tasks import allocate_backorders
from .workflow import OPEN_STATUSES


@receiver(stock_received)
def fill_backorders_on_receipt(sender, product_id: int, **kwargs) -> None:
    """New stock arrived: queue the backorders waiting for it, if there are any."""
    waiting = OrderLine.objects.filter(
        product_id=product_id, quantity_backordered__gt=0, order__status__in=OPEN_STATUSES
    )
    if waiting.exists():
        allocate_backorders.delay(product_id)


@receiver(reserved_stock_written_off)
def reallocate_written_off_stock(
    sender, product, location, quantity: int, reason: str, user=None, **kwargs
) -> None:
    """Reserved units were written off: the orders that held them get other stock or wait."""
    services.reallocate_written_off_stock(
        product=product, location=location, quantity=quantity, reason=reason, actor=user
    )
