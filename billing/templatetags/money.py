from django import template

from billing.money import format_amount, plain_amount

register = template.Library()


@register.filter
def money(amount, currency):
    """`{{ invoice.balance|money:invoice.currency }}`: the amount with the currency's digits."""
    return format_amount(amount, currency)


@register.filter
def plain_money(amount, currency):
    """The amount as a clerk would type it: the currency's digits, no thousands separators."""
    return plain_amount(amount, currency)
