"""Whether this computer's own location services are on, where the OS lets a normal user read it."""

from __future__ import annotations

from techcheck.checks.base import Check
from techcheck.indicators import IndicatorSet
from techcheck.model import Evidence, Finding
from techcheck.parse import Facts
from techcheck.parse.records import LocationSetting

LOCATION_KINDS = ("gsettings_location", "win_location", "macos_location")


def check_location_services(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    return [
        Finding(
            id="local.location-services",
            category="location",
            severity="info",
            subject={"kind": "setting", "setting": setting.setting},
            guide="computer-location",
            evidence=(Evidence(setting.artifact, f"{setting.setting}: on"),),
        )
        for setting in facts.of(LocationSetting)
        if setting.enabled
    ]


CHECKS = [Check("local.location-services", LOCATION_KINDS, check_location_services)]
