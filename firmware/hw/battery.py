"""LiPo voltage through a resistor divider into an ADC, and a charging indicator pin.

API: MicroPython ``machine.ADC`` — ``read_uv()`` (calibrated microvolts, ESP32 ports) or
``read_u16()`` scaled by the ADC reference (RP2040: 3.3 V) — and ``machine.Pin.value()``. The
divider (e.g. 2 x 100 kOhm for a 4.2 V cell into an ADC that reads up to ~3.1 V at 11 dB
attenuation on ESP32, ESP32 datasheet, ADC characteristics) gives
``ratio = (r_top + r_bottom) / r_bottom``, passed as a fraction of integers. The charger's
status output (MCP73831/TP4054 STAT: low while charging) goes to ``charge_pin`` where a board
wires it; elsewhere ``charging()`` is False.
"""


class Battery:
    def __init__(self, adc, ratio_num=2, ratio_den=1, charge_pin=None, charging_level=0,
                 reference_mv=3300, samples=8):
        self._adc = adc
        self._num = ratio_num
        self._den = ratio_den
        self._charge_pin = charge_pin
        self._charging_level = charging_level
        self._reference_mv = reference_mv
        self._samples = samples

    def _pin_mv(self):
        if hasattr(self._adc, "read_uv"):
            total = 0
            for _ in range(self._samples):
                total += self._adc.read_uv()
            return total // self._samples // 1000
        total = 0
        for _ in range(self._samples):
            total += self._adc.read_u16()
        return total // self._samples * self._reference_mv // 65535

    def millivolts(self):
        """The cell voltage in mV (averaged over a few readings)."""
        return self._pin_mv() * self._num // self._den

    def charging(self):
        if self._charge_pin is None:
            return False
        return self._charge_pin.value() == self._charging_level
