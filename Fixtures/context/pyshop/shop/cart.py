"""Shopping cart: items with quantities and prices."""
from dataclasses import dataclass, field

from .pricing import apply_discount, tax_rate


@dataclass
class LineItem:
    sku: str
    quantity: int
    unit_price: float


@dataclass
class Cart:
    items: list = field(default_factory=list)
    coupon: str = ""

    def add_item(self, sku, quantity, unit_price):
        for item in self.items:
            if item.sku == sku:
                item.quantity += quantity
                return item
        item = LineItem(sku, quantity, unit_price)
        self.items.append(item)
        return item

    def remove_item(self, sku):
        self.items = [item for item in self.items if item.sku != sku]

    def subtotal(self):
        return sum(item.quantity * item.unit_price for item in self.items)

    def total(self, region="EU"):
        amount = apply_discount(self.subtotal(), self.coupon)
        return round(amount * (1 + tax_rate(region)), 2)
