"""Order stores: one interface, several backends."""

from fulfillment.store.base import (
    Asker,
    Item,
    Order,
    OrderStatus,
    OrderStore,
    Shipment,
    normalize_order_number,
)

__all__ = [
    "Asker",
    "Item",
    "Order",
    "OrderStatus",
    "OrderStore",
    "Shipment",
    "normalize_order_number",
]
