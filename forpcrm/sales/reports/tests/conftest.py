"""Helpers of the sales-reports tests: a C17 pipeline, customers and opportunities of the personas."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from forpcrm.customers.tests.factories import CustomerFactory
from forpcrm.sales.tests.factories import make_opportunity, make_pipeline

UTC = dt.UTC


@pytest.fixture
def pipeline(db):
    return make_pipeline()


@pytest.fixture
def rep_customer(sales_rep):
    return CustomerFactory(owner=sales_rep, name="上海督办测试有限公司")


@pytest.fixture
def rep_opportunity(sales_rep, pipeline, rep_customer):
    return make_opportunity(sales_rep, pipeline, customer=rep_customer, name="督办商机", amount="1000.00")


@pytest.fixture
def south_customer(sales_rep_south):
    return CustomerFactory(owner=sales_rep_south, name="广州看不见有限公司")


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)
