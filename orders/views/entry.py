def order_create(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def customer_search(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def product_search(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def order_preview(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def order_edit(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


