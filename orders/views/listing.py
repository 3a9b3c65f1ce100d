def order_list(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def order_export(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def order_bulk_action(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


