"""Helpers for the page tests: form data as a browser would post it."""

import datetime as dt
from decimal import Decimal

from forpcrm.customers.forms import contact_initial, customer_initial


def as_post(initial: dict) -> dict:
    data = {}
    for key, value in initial.items():
        if value is None:
            data[key] = ""
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, dt.datetime | dt.date):
            data[key] = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else value.isoformat()
        elif isinstance(value, Decimal):
            data[key] = str(value)
        elif isinstance(value, list):
            data[key] = value
        else:
            data[key] = str(value)
    return data


def customer_post(customer, **changes) -> dict:
    customer.refresh_from_db()
    data = as_post(customer_initial(customer))
    data.update({k: str(v) for k, v in changes.items()})
    return data


def contact_post(contact, **changes) -> dict:
    contact.refresh_from_db()
    data = as_post(contact_initial(contact))
    data.update({k: str(v) for k, v in changes.items()})
    return data
