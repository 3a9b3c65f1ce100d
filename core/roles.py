"""Staff roles are Django groups, created by migration core.0003_roles."""

MANAGER = "Manager"
CUSTOMER_SERVICE = "Customer service"
WAREHOUSE = "Warehouse"
FINANCE = "Finance"
ROLES = (MANAGER, CUSTOMER_SERVICE, WAREHOUSE, FINANCE)
