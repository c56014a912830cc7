"""Node parameters derived from a settings dataclass (vlm_agent.core.settings): declared with
descriptors (description, unit, allowed values, ranges), validated at start and on every
`ros2 param set`; settings that are not run-time changeable are refused while the node runs."""
from __future__ import annotations

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor, ParameterType, \
    SetParametersResult

from vlm_agent.core.settings.schema import SettingInfo, SettingsError, settings_fields, settings_from, with_changes

ROS_TYPES = {"bool": ParameterType.PARAMETER_BOOL, "int": ParameterType.PARAMETER_INTEGER,
             "float": ParameterType.PARAMETER_DOUBLE, "str": ParameterType.PARAMETER_STRING,
             "float_list": ParameterType.PARAMETER_DOUBLE_ARRAY, "str_list": ParameterType.PARAMETER_STRING_ARRAY}


def descriptor(info: SettingInfo) -> ParameterDescriptor:
    notes = [f"unit: {info.unit}"] if info.unit else []
    if info.allowed():
        notes.append(f"allowed: {info.allowed()}")
    notes.append({"lower": "run time: may only be lowered", "higher": "run time: may only be raised",
                  "more": "run time: entries may only be added"}.get(
        info.safer, "run time: yes") if info.runtime else "run time: no (read on configure)")
    # ROS takes an empty list ([] from `ros2 param set`) for a bool or byte array: a list that may be
    # empty is typed here, by the on-set check, not by ROS
    may_be_empty = info.kind in ("float_list", "str_list") and not info.default
    result = ParameterDescriptor(name=info.name, type=ROS_TYPES[info.kind], description=info.description,
                                 additional_constraints="; ".join(notes), dynamic_typing=may_be_empty)
    if info.kind == "float" and (info.minimum is not None or info.maximum is not None):
        result.floating_point_range = [FloatingPointRange(
            from_value=float(info.minimum if info.minimum is not None else -1e308),
            to_value=float(info.maximum if info.maximum is not None else 1e308))]
    if info.kind == "int" and (info.minimum is not None or info.maximum is not None):
        result.integer_range = [IntegerRange(from_value=int(info.minimum if info.minimum is not None else -2**62),
                                             to_value=int(info.maximum if info.maximum is not None else 2**62))]
    return result


def _ros_value(value):
    return list(value) if isinstance(value, tuple) else value


class NodeSettings:
    """The node's settings object, kept in step with its parameters. `changeable()` says whether a
    setting that is not run-time changeable may be set now (a lifecycle node: while unconfigured);
    `on_change(settings, names)` is called after an accepted run-time change."""

    def __init__(self, node, settings_class, changeable=lambda: False, on_change=lambda settings, names: None):
        self.node, self.settings_class = node, settings_class
        self.infos = {info.name: info for info in settings_fields(settings_class)}
        self.changeable, self.on_change = changeable, on_change
        for info in self.infos.values():
            node.declare_parameter(info.name, _ros_value(info.default), descriptor(info))
        self.problem = ""  # a bad value from the params file or the command line
        try:
            self.values = self.read()
        except SettingsError as exc:
            self.values, self.problem = settings_class(), str(exc)
        node.add_on_set_parameters_callback(self._on_set)

    def read(self):
        """The settings from the current parameter values; bad values raise SettingsError naming the node."""
        values = {name: self.node.get_parameter(name).value for name in self.infos}
        return settings_from(self.settings_class, values, f"node {self.node.get_fully_qualified_name()}")

    def _on_set(self, parameters) -> SetParametersResult:
        changes, problems = {}, []
        for parameter in parameters:
            info = self.infos.get(parameter.name)
            if info is None:
                continue  # use_sim_time and other parameters of rclpy's own
            value = parameter.value
            if info.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            old = getattr(self.values, info.name)
            new = tuple(value) if isinstance(value, list) else value
            problem = info.problem(new) if self.changeable() else info.runtime_problem(old, new)
            if problem and not info.runtime and self.changeable() is False:
                problem += "; set it while the node is unconfigured (lifecycle cleanup), then configure again"
            if problem:
                problems.append(f"{info.name} {problem}")
            else:
                changes[info.name] = new
        if problems:
            return SetParametersResult(successful=False, reason="; ".join(problems))
        if changes:
            try:
                self.values = with_changes(self.values, changes)
            except SettingsError as exc:
                return SetParametersResult(successful=False, reason=str(exc))
            self.on_change(self.values, set(changes))
        return SetParametersResult(successful=True)
