"""The way without this integration: RESTful resources and template sensors, as a user writes them.

For each watched centre: one `rest` resource (one request per scan, as the integration makes)
and three sensors computed by templates from the whole slot list: the next slot, how many are
open in the next 30 days, and the soonest before a date (a trip).
"""

NEXT_SLOT = """{% set slots = value_json if value_json is list else [] %}
{{ (slots[0].startTimestamp ~ ':00') | as_datetime | as_local if slots else none }}"""

OPEN_30_DAYS = """{% set horizon = (now() + timedelta(days=30)).strftime('%Y-%m-%dT%H:%M') %}
{{ value_json | selectattr('startTimestamp', 'lt', horizon) | list | count
   if value_json is list else 0 }}"""

SOONEST_BEFORE = """{% set before = '2027-06-01' %}
{% set found = value_json | selectattr('startTimestamp', 'lt', before) | list
   if value_json is list else [] %}
{{ (found[0].startTimestamp ~ ':00') | as_datetime | as_local if found else none }}"""


def rest_yaml(base_url: str, centre_ids: list[int]) -> str:
    """Return the `rest:` configuration for these centres, as YAML text."""
    lines = ["rest:"]
    for cid in centre_ids:
        resource = f"{base_url}/slots?orderBy=soonest&limit=5000&locationId={cid}&minimum=1"
        lines += [
            f'  - resource: "{resource}"',
            "    scan_interval: 180",
            "    timeout: 20",
            "    sensor:",
        ]
        for key, name, template, device_class in (
            ("next", "next slot", NEXT_SLOT, "timestamp"),
            ("open30", "open slots in 30 days", OPEN_30_DAYS, None),
            ("before", "soonest before the trip", SOONEST_BEFORE, "timestamp"),
        ):
            lines += [
                f'      - name: "NEXUS {cid} {name}"',
                f"        unique_id: nexus_rest_{cid}_{key}",
            ]
            if device_class:
                lines.append(f"        device_class: {device_class}")
            lines.append("        value_template: >")
            lines += [f"          {line}" for line in template.splitlines()]
    return "\n".join(lines) + "\n"
