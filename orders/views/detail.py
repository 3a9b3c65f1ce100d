def order_detail(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def order_confirm(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def order_hold(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def order_release(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def order_cancel(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


def order_note(request, *args, **kwargs):  # placeholder, being built
    raise NotImplementedError


