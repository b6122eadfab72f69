"""Pipelines and opportunities through the services (C17's 10 / 40 / 70 / won / lost pipeline)."""

from forpcrm.customers.tests.factories import CustomerFactory, system_user
from forpcrm.sales.models import Pipeline, StageKind
from forpcrm.sales.services import opportunity_create, pipeline_create

C17_STAGES = [
    {"name": "Qualify", "kind": StageKind.OPEN, "probability": 10},
    {"name": "Propose", "kind": StageKind.OPEN, "probability": 40},
    {"name": "Negotiate", "kind": StageKind.OPEN, "probability": 70},
    {"name": "Won", "kind": StageKind.WON, "probability": 100},
    {"name": "Lost", "kind": StageKind.LOST, "probability": 0},
]


def make_pipeline(name="C17", stages=None) -> Pipeline:
    return pipeline_create(by=system_user(), name=name, stages=stages or C17_STAGES, is_default=True)


def stage(pipeline: Pipeline, name: str):
    return pipeline.stages.get(name=name)


def make_opportunity(owner, pipeline, *, customer=None, by=None, **data):
    by = by or system_user()
    customer = customer or CustomerFactory(owner=owner)
    return opportunity_create(by=by, owner=owner, data={"name": data.pop("name", "机会"), "customer": customer,
                                                         "pipeline": pipeline, **data})
