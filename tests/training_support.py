"""A training class at each place of `api_support.api_places`, for the API's access matrices."""
from datetime import date

import sqlalchemy as sa

from pipeline.extensions import db
from pipeline.training.models import TrainingClass
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit


def class_places(world, places):
    """`places` with a class each: for a1 the town's class (every role of the world sees it), for
    b1 one organised by commune B (the board's and the administrator's only), for "other" one of
    the other town (no one's). The last two are named after their place's case ("Người b1"), so
    that the matrix's check that nothing of an outside place is shown covers them too."""
    other_town = db.session.execute(sa.select(Unit).where(Unit.code == "other_town")).scalar_one()
    organisers = {"b1": world.commune_b, "other": other_town}
    with one_transaction():
        made = {place: TrainingClass(name=f"Lớp bồi dưỡng của Người {place}", organiser_unit=unit,
                                     organiser_name="Trung tâm Chính trị", place="Hội trường",
                                     starts_on=date(2021, 9, 1), ends_on=date(2021, 9, 10))
                for place, unit in organisers.items()}
        db.session.add_all(made.values())
    ids = {"a1": world.training_class.id} | {place: made[place].id for place in made}
    return {place: place_ids | {"class": ids[place]} for place, place_ids in places.items()}
