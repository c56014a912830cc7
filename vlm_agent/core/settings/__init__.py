"""Settings declared once per node: schema, params-file validation, README tables."""
from .schema import SettingInfo, SettingsError, setting, settings_fields, settings_from

__all__ = ["NODE_SETTINGS", "SettingInfo", "SettingsError", "setting", "settings_fields", "settings_from"]


def __getattr__(name):  # nodes.py imports the backends, whose settings import this package's schema
    if name == "NODE_SETTINGS":
        from .nodes import NODE_SETTINGS
        return NODE_SETTINGS
    raise AttributeError(name)
