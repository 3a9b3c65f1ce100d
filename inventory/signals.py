from django.dispatch import Signal

# Sent after the transaction that added stock has committed; args: product_id, location_id.
# Orders listens to it to allocate backorders without inventory importing orders.
stock_received = Signal()
