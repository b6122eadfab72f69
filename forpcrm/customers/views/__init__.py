"""Customer, contact, pool and recycle-bin pages. Reads through selectors, writes through services."""

from forpcrm.org.views import register_home_panel

from .pool import home_panel

register_home_panel(home_panel)
