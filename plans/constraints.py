"""Model constraints checked before a save, the simple check constraints in Python.

Django checks a CheckConstraint by asking the database (`SELECT 1 WHERE <condition>`),
inside a transaction wrapped in a savepoint: three round trips per constraint, per save.
The conditions of this project's check constraints are comparisons of a row's own fields
(`~Q(text="")`, `Q(theme__isnull=True) ^ Q(topic__isnull=True)`, `Q(years__gte=1)`):
those are evaluated here, with the database's three-valued logic (a comparison with NULL
is unknown, and an unknown condition passes, as the database's CHECK lets it pass). Any
condition with something else in it (a join, an expression, another lookup) is left to
Django's own check, as are unique constraints. The database keeps every constraint too.
"""

import operator

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import router
from django.db.models import CheckConstraint, Q

_UNSUPPORTED = object()

_COMPARE = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _field_value(instance, name: str, exclude: set):
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return _UNSUPPORTED
    if not getattr(field, "concrete", False) or field.many_to_many:
        return _UNSUPPORTED
    if field.name in exclude:
        raise LookupError(field.name)  # Django skips a constraint on an excluded field
    return getattr(instance, field.attname)


def _leaf(instance, key: str, value, exclude: set):
    """True, False, None (unknown: NULL in SQL) or _UNSUPPORTED."""
    if hasattr(value, "resolve_expression"):
        return _UNSUPPORTED
    name, _sep, lookup = key.partition("__")
    lookup = lookup or "exact"
    if "__" in lookup or (lookup not in _COMPARE and lookup not in {"isnull", "in"}):
        return _UNSUPPORTED
    current = _field_value(instance, name, exclude)
    if current is _UNSUPPORTED:
        return _UNSUPPORTED
    if hasattr(value, "_meta"):  # a model instance: its key
        value = value.pk
    if lookup == "isnull":
        return (current is None) == bool(value)
    if current is None or value is None:
        return None
    if lookup == "in":
        return current in value
    try:
        return _COMPARE[lookup](current, value)
    except TypeError:
        return _UNSUPPORTED


def _holds(condition, instance, exclude: set):
    """The condition's value for the instance: True, False, None (unknown) or _UNSUPPORTED."""
    if not isinstance(condition, Q):
        return _UNSUPPORTED
    values = []
    for child in condition.children:
        if isinstance(child, Q):
            value = _holds(child, instance, exclude)
        elif isinstance(child, tuple) and len(child) == 2:
            value = _leaf(instance, child[0], child[1], exclude)
        else:
            return _UNSUPPORTED
        if value is _UNSUPPORTED:
            return _UNSUPPORTED
        values.append(value)
    if condition.connector == Q.AND:
        result = False if False in values else None if None in values else True
    elif condition.connector == Q.OR:
        result = True if True in values else None if None in values else False
    elif condition.connector == Q.XOR:  # true when an odd number are true (PostgreSQL's XOR)
        result = None if None in values else sum(values) % 2 == 1
    else:
        return _UNSUPPORTED
    if condition.negated and result is not None:
        result = not result
    return result


def validate_constraints(instance, exclude=None) -> None:
    """Model.validate_constraints, with the simple check constraints evaluated here."""
    exclude = set(exclude or ())
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict = {}
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            try:
                held = _UNSUPPORTED
                if isinstance(constraint, CheckConstraint):
                    try:
                        held = _holds(constraint.condition, instance, exclude)
                    except LookupError:
                        continue
                if held is _UNSUPPORTED:
                    constraint.validate(model_class, instance, exclude=exclude, using=using)
                elif held is False:
                    error = ValidationError(
                        constraint.get_violation_error_message(), code=constraint.violation_error_code
                    )
                    raise error
            except ValidationError as error:
                if getattr(error, "code", None) == "unique" and len(getattr(constraint, "fields", ())) == 1:
                    errors.setdefault(constraint.fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def full_clean(instance, exclude=None, validate_unique: bool = True) -> None:
    """Model.full_clean with the constraints checked by `validate_constraints`, only for
    the fields that passed their own validation (as Django does)."""
    exclude = set(exclude or ())
    errors: dict = {}
    try:
        instance.full_clean(exclude=exclude, validate_unique=validate_unique, validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
        exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        validate_constraints(instance, exclude)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
