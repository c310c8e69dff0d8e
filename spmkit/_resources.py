"""The bulk resources of the ShopiMind API: where they live, how big a batch may be, their key.

One table shared by the client (chunking, ``label_source``) and the fake API
(batch limits, natural keys). Chunk sizes are those of ``@shopimind/sdk-js`` 1.1.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BULK_RESOURCES", "BulkResource", "bulk_resource"]


@dataclass(frozen=True, slots=True)
class BulkResource:
    """One bulk-writable resource.

    ``path`` is relative to ``/v1/`` (``{id_definition}`` is filled in for custom-data
    records); ``natural_key`` is the field an upsert is keyed by; ``label_source``
    says whether the client tags bodies with ``label_source`` (data-sync resources only).
    """

    name: str
    path: str
    chunk_size: int
    natural_key: str
    label_source: bool = True


BULK_RESOURCES: dict[str, BulkResource] = {
    r.name: r
    for r in (
        BulkResource("customers", "customers", 50, "customer_id"),
        BulkResource("customers-addresses", "customers/addresses/bulk", 50, "address_id"),
        BulkResource("customers-groups", "customers-groups", 100, "group_id"),
        BulkResource("orders", "orders", 50, "order_id"),
        BulkResource("orders-statuses", "orders-statuses", 100, "status_id"),
        BulkResource("orders-carriers", "orders-carriers", 100, "carrier_id"),
        BulkResource("products", "products", 50, "product_id"),
        BulkResource("products-categories", "products-categories", 100, "category_id"),
        BulkResource("products-manufacturers", "products-manufacturers", 100, "manufacturer_id"),
        BulkResource("products-images", "products/images/bulk", 50, "image_id"),
        BulkResource("products-variations", "products/variations/bulk", 50, "variation_id"),
        BulkResource("newsletter-subscribers", "newsletter-subscribers", 50, "email"),
        BulkResource("vouchers", "vouchers", 50, "voucher_id"),
        BulkResource(
            "custom-data-records",
            "custom-data-records/{id_definition}",
            20,
            "id",
            label_source=False,
        ),
    )
}


def bulk_resource(name: str) -> BulkResource:
    """Look up a bulk resource by name, or raise an error that lists the valid names."""
    from spmkit._errors import InvalidArgument

    try:
        return BULK_RESOURCES[name]
    except KeyError:
        known = ", ".join(sorted(BULK_RESOURCES))
        raise InvalidArgument(
            f"Unknown bulk resource {name!r}. Choose one of: {known}."
        ) from None
