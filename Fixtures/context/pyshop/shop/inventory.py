"""Stock levels and reservations."""
import time


class OutOfStock(Exception):
    pass


class Inventory:
    def __init__(self):
        self.stock = {}
        self.reservations = {}

    def restock(self, sku, amount):
        self.stock[sku] = self.stock.get(sku, 0) + amount

    def reserve(self, sku, amount, order_id):
        available = self.stock.get(sku, 0)
        if available < amount:
            raise OutOfStock(sku)
        self.stock[sku] = available - amount
        self.reservations[order_id] = (sku, amount, time.time())

    def release(self, order_id):
        sku, amount, _ = self.reservations.pop(order_id)
        self.restock(sku, amount)
