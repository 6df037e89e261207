"""Card payments through the provider API."""


class PaymentError(Exception):
    pass


class Payment:
    def __init__(self, payment_id, amount):
        self.payment_id = payment_id
        self.amount = amount
        self.refunded = False


def charge_card(card_number, amount):
    if amount <= 0:
        raise PaymentError("amount must be positive")
    if not card_number.isdigit():
        raise PaymentError("invalid card number")
    return Payment("pay_" + card_number[-4:], amount)


def refund(payment):
    payment.refunded = True
    return payment.amount
