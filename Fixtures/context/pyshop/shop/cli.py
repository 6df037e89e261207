"""Command line interface: `python -m shop.cli checkout --coupon X`."""
import argparse

from .cart import Cart


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="shop")
    sub = parser.add_subparsers(dest="command")
    checkout = sub.add_parser("checkout")
    checkout.add_argument("--coupon", default="")
    checkout.add_argument("--region", default="EU")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cart = Cart(coupon=args.coupon)
    cart.add_item("demo", 1, 10.0)
    print(f"total: {cart.total(args.region)}")


if __name__ == "__main__":
    main()
