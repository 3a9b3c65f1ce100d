def product_list(request):  # placeholder, being built
    raise NotImplementedError


def product_detail(request, sku):  # placeholder
    raise NotImplementedError


def stock_adjust(request, sku):  # placeholder
    raise NotImplementedError
