"""REST API of customers, contacts and the public pool (registered in forpcrm/api_v1.py)."""

from .contacts import ContactViewSet
from .customers import CustomerViewSet
from .pool import PoolViewSet

__all__ = ["ContactViewSet", "CustomerViewSet", "PoolViewSet"]
