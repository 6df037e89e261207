from shop.cart import Cart


def test_add_item_merges_quantities():
    cart = Cart()
    cart.add_item("a", 1, 2.0)
    cart.add_item("a", 2, 2.0)
    assert cart.items[0].quantity == 3


def test_total_with_coupon():
    cart = Cart(coupon="WELCOME10")
    cart.add_item("a", 1, 100.0)
    assert cart.total("US") == 96.3
