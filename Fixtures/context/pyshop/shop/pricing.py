"""Prices: coupons, discounts and taxes."""

RATES = {"EU": 0.2, "US": 0.07, "JP": 0.1}


class PriceRule:
    def __init__(self, code, percent):
        self.code = code
        self.percent = percent

    def matches(self, coupon):
        return coupon.upper() == self.code


RULES = [PriceRule("WELCOME10", 10), PriceRule("VIP25", 25)]


def tax_rate(region):
    return RATES.get(region, 0.0)


def apply_discount(amount, coupon):
    for rule in RULES:
        if rule.matches(coupon):
            return amount * (100 - rule.percent) / 100
    return amount
