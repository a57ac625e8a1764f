"""Two bumble BLE devices on one in-process ``LocalLink``: the radio the BLE tests use.

Fixes bumble's ``LocalLink`` quirk: its controller answers a scan request with the advertising
data, so a name placed in the scan response would never be seen. The scanning side's
controller here rewrites the scan-response report with the advertiser's real scan-response
data, as a real controller would receive it over the air.
"""

from __future__ import annotations

from bumble import hci
from bumble.controller import Controller
from bumble.device import Device
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

CENTRAL_ADDRESS = "C0:11:22:33:44:55"
PERIPHERAL_ADDRESS = "F0:0D:00:00:00:01"


class ScanResponseController(Controller):
    """A controller whose scan-response reports carry the advertiser's scan-response data."""

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if isinstance(packet, hci.HCI_LE_Advertising_Report_Event):
            for report in packet.reports:
                if report.event_type == hci.HCI_LE_Advertising_Report_Event.EventType.SCAN_RSP:
                    report.data = self._scan_response_of(report.address, report.data)
            packet = hci.HCI_LE_Advertising_Report_Event(packet.reports)
        elif isinstance(packet, hci.HCI_LE_Extended_Advertising_Report_Event):
            scan_rsp = hci.HCI_LE_Extended_Advertising_Report_Event.EventType.SCAN_RESPONSE
            for report in packet.reports:
                if report.event_type & scan_rsp:
                    report.data = self._scan_response_of(report.address, report.data)
            packet = hci.HCI_LE_Extended_Advertising_Report_Event(packet.reports)
        super().send_hci_packet(packet)

    def _scan_response_of(self, address: hci.Address, fallback: bytes) -> bytes:
        assert self.link is not None
        for other in self.link.controllers:  # type: ignore[attr-defined]
            if other is self:
                continue
            for adv_set in other.advertising_sets.values():  # extended commands, legacy PDUs
                if adv_set.enabled and adv_set.address == address:
                    return bytes(adv_set.scan_response_data)
            legacy = other.le_legacy_advertiser
            if legacy.enabled and legacy.address == address:
                return bytes(legacy.scan_response_data)
        return fallback


def make_device(link: LocalLink, name: str, address: str, scanner: bool = False) -> Device:
    """A bumble device (host + controller) on ``link`` with a random static address."""
    controller_type = ScanResponseController if scanner else Controller
    controller = controller_type(name, link=link)
    return Device(name=name, address=hci.Address(address),
                  host=Host(controller, AsyncPipeSink(controller)))
