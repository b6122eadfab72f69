import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a fresh directory per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "crm@forp.example"


@pytest.fixture
def rep_customer(sales_rep):
    from forpcrm.customers.tests.factories import CustomerFactory

    return CustomerFactory(owner=sales_rep, name="杭州示例科技有限公司", email="info@hzsl.example.cn")
