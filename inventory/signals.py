from django.dispatch import Signal

# Sent after the transaction that added stock has committed; args: product_id, location_id.
# Orders listens to it to allocate backorders without inventory importing orders.
stock_received = Signal()

# Sent inside the transaction that wrote off reserved units (damaged, lost); args: product,
# location, quantity, reason, user. Orders moves the allocations that held those units to other
# stock or backorders them, so the write-off and the new allocations commit together.
reserved_stock_written_off = Signal()
