"""Factories that go through the services, so derived keys, history and ownership log are real."""

import factory

from forpcrm.customers import services
from forpcrm.customers.models import Contact, Customer
from forpcrm.org.models import User
from forpcrm.org.tests.factories import PASSWORD, UserFactory

__all__ = ["PASSWORD", "ContactFactory", "CustomerFactory", "UserFactory", "system_user"]


def system_user() -> User:
    """A superuser that creates records when a test does not care who did."""
    user, _created = User.objects.get_or_create(
        username="factory-system", defaults={"is_superuser": True, "is_staff": True, "display_name": "system"}
    )
    return user


class CustomerFactory(factory.Factory):
    """``CustomerFactory(owner=rep)`` creates through customer_create as ``by`` (default: a system
    superuser, so any owner works). ``owner=None`` puts it in the pool; no owner given → the ``by`` user."""

    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")

    @classmethod
    def _create(cls, model_class, **kwargs):
        by = kwargs.pop("by", None) or system_user()
        owner = kwargs.pop("owner", "default")
        extra = {} if owner == "default" else {"owner": owner}
        return services.customer_create(by=by, data=kwargs, confirm_duplicates=True, **extra)

    @classmethod
    def _build(cls, model_class, **kwargs):
        kwargs.pop("by", None)
        return model_class(**kwargs)


class ContactFactory(factory.Factory):
    class Meta:
        model = Contact

    name = factory.Sequence(lambda n: f"联系人{n}")

    @classmethod
    def _create(cls, model_class, **kwargs):
        customer = kwargs.pop("customer", None) or CustomerFactory()
        by = kwargs.pop("by", None) or system_user()
        return services.contact_create(by=by, customer=customer, data=kwargs)
