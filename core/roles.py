"""Staff roles are Django groups, created by migration core.0003_roles and fitted to the job by
core.0004_job_roles (and the apps' own role migrations, such as payments.0002_payment_roles).

Manager runs everything; Customer service takes and changes orders and looks after customers;
Finance handles payments, refunds and tax; Warehouse handles stock, picking and shipping and sees
neither payments nor customer records, only the name and shipping address on the orders it ships.
"""

MANAGER = "Manager"
CUSTOMER_SERVICE = "Customer service"
WAREHOUSE = "Warehouse"
FINANCE = "Finance"
ROLES = (MANAGER, CUSTOMER_SERVICE, WAREHOUSE, FINANCE)

# Permissions several layers ask for by name (views, admin, templates).
EXPORT_ORDERS = "orders.export_orders"
CHANGE_PRODUCT_PRICE = "inventory.change_product_price"
VIEW_CUSTOMERS = "customers.view_customer"
