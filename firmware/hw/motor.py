"""A vibration motor driven by PWM: a coin motor behind an N-MOSFET, or M5Stack's motor unit.

API: MicroPython ``machine.PWM`` (``freq``, ``duty_u16``), injected by the board profile, so
nothing touches a pin at import and tests can pass a stand-in. A coin (ERM) motor does not
start below roughly 40 % of its rated voltage (e.g. Jinlong C1026B002F: rated 3 V, start
2.3 V), so ``on(percent)`` maps 1..100 % onto ``min_percent``..100 % of the PWM duty; 0 is off.
"""


class Motor:
    def __init__(self, pwm, freq=1000, min_percent=40):
        self._pwm = pwm
        self._min = min_percent
        self.percent = 0
        pwm.duty_u16(0)     # off before anything else: never a buzz at boot
        pwm.freq(freq)

    def on(self, percent):
        """Vibrate at ``percent`` (0..100) of full strength."""
        percent = max(0, min(100, int(percent)))
        self.percent = percent
        if percent == 0:
            self._pwm.duty_u16(0)
            return
        duty = self._min + (100 - self._min) * percent // 100
        self._pwm.duty_u16(duty * 65535 // 100)

    def off(self):
        self.percent = 0
        self._pwm.duty_u16(0)
