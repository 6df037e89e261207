"""pyshop: carts, pricing, inventory, payments."""
from .cart import Cart
from .pricing import apply_discount
