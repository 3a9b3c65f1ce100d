def customer_list(request):  # placeholder, being built
    raise NotImplementedError


def customer_detail(request, pk):  # placeholder
    raise NotImplementedError
