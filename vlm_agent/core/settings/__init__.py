"""Settings declared once per node: schema, params-file validation, README tables."""
from .nodes import NODE_SETTINGS
from .schema import SettingInfo, SettingsError, setting, settings_fields, settings_from

__all__ = ["NODE_SETTINGS", "SettingInfo", "SettingsError", "setting", "settings_fields", "settings_from"]
