from __future__ import annotations

from spmkit_testing.contract import describe_shape_difference, shape_of


def test_a_shape_is_the_field_names_and_json_types_by_path() -> None:
    body = {"sent_count": 2, "ok": True, "rejected_items": [{"key": None, "index": 1},
                                                            {"key": "c1", "index": 2.5}],
            "data": {"weird key": "x"}, "empty": []}  # fmt: skip
    assert shape_of(body) == {
        "$": "object",
        "$.data": "object",
        "$.data['weird key']": "string",
        "$.empty": "array",
        "$.ok": "boolean",
        "$.rejected_items": "array",
        "$.rejected_items[]": "object",
        "$.rejected_items[].index": "number",
        "$.rejected_items[].key": "null|string",
        "$.sent_count": "number",
    }


def test_depth_one_is_the_envelope() -> None:
    assert shape_of({"statusCode": 200, "data": [{"id": 1}]}, depth=1) == {
        "$": "object", "$.data": "array", "$.statusCode": "number"}


def test_a_renamed_field_is_one_line_naming_both_names() -> None:
    fake = shape_of({"sent_count": 1, "failed_count": 0})
    target = shape_of({"sent": 1, "failed_count": 0})
    assert describe_shape_difference(target, fake) == (
        "only in the fake: $.sent_count (number); only on the target: $.sent (number)")


def test_a_missing_object_is_reported_once_and_a_changed_type_names_both() -> None:
    fake = shape_of({"data": {"id": 1, "label": "x"}, "count": 1})
    target = shape_of({"count": "1"})
    assert describe_shape_difference(target, fake) == (
        "only in the fake: $.data (object); $.count is string on the target, number in the fake")
    assert describe_shape_difference(fake, fake) == ""
