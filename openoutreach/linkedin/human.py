"""Human-like pacing inside a page: per-key typing delays and short random waits.

A person types at an uneven speed and pauses between actions; a script that fills a field in one
event or clicks 50 ms after a page loads is easy to spot. The delay of every key is drawn again for
that key. `speed` scales every delay (0 in tests keeps the same code path without the waiting), and
the random source is injectable so runs can be reproduced.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Locator

# Seconds between two keystrokes of a practiced typist (~40-90 wpm, with occasional hesitation).
KEY_DELAY_S = (0.05, 0.22)
# A short hesitation before/after an action (moving the mouse, reading the page).
SHORT_PAUSE_S = (0.4, 1.4)
# Reading a freshly loaded page before acting on it.
READ_PAUSE_S = (1.5, 4.0)


@dataclass
class Humanizer:
    """Random waits and typing for one browser session."""

    speed: float = 1.0
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.speed < 0:
            raise ValueError(f"speed must be >= 0, got {self.speed}")

    def delay(self, bounds: tuple[float, float]) -> float:
        """One random delay in `bounds`, scaled by speed (seconds)."""
        return self.rng.uniform(*bounds) * self.speed

    def wait(self, bounds: tuple[float, float] = SHORT_PAUSE_S) -> None:
        seconds = self.delay(bounds)
        if seconds > 0:
            self.sleep(seconds)

    def read_page(self) -> None:
        """The pause of someone taking in a page they just opened."""
        self.wait(READ_PAUSE_S)

    def type_into(self, locator: Locator, text: str, *, clear: bool = False) -> None:
        """Focus `locator` and type `text` one key at a time, each key with its own random delay.

        A newline is typed as Shift+Enter: in LinkedIn's message editor a bare Enter sends the message.
        """
        locator.click()
        keyboard = locator.page.keyboard
        if clear:
            keyboard.press("ControlOrMeta+a")
            keyboard.press("Backspace")
        for char in text:
            if char == "\n":
                keyboard.press("Shift+Enter")
            else:
                keyboard.type(char)
            seconds = self.delay(KEY_DELAY_S)
            if seconds > 0:
                self.sleep(seconds)
