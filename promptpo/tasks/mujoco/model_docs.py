"""Documentation generated from a MuJoCo model: joint and body tables, actuator meanings, action order."""

from __future__ import annotations

import mujoco
import numpy as np

_JOINT_KINDS = {
    int(mujoco.mjtJoint.mjJNT_FREE): "free",
    int(mujoco.mjtJoint.mjJNT_BALL): "ball",
    int(mujoco.mjtJoint.mjJNT_SLIDE): "slide",
    int(mujoco.mjtJoint.mjJNT_HINGE): "hinge",
}


def _body_label(model: mujoco.MjModel, body: int) -> str:
    return model.body(body).name or f"#{body}"


def joint_lines(model: mujoco.MjModel) -> list[str]:
    """One line per joint of `model`: name, kind, body, axis and range, as the observation classes list them."""
    lines = []
    for joint in range(model.njnt):
        kind = _JOINT_KINDS[int(model.jnt_type[joint])]
        head = f"{model.joint(joint).name}: {kind} joint of body {_body_label(model, model.jnt_bodyid[joint])}"
        if kind in ("free", "ball"):
            lines.append(head)
            continue
        axis = ", ".join(f"{value:g}" for value in np.round(model.jnt_axis[joint], 3) + 0.0)  # + 0.0: no "-0"
        low, high = model.jnt_range[joint]
        unit = "m" if kind == "slide" else "rad"
        limits = f"range [{low:.3g}, {high:.3g}] {unit}" if model.jnt_limited[joint] else "unlimited"
        lines.append(f"{head}, axis ({axis}), {limits}")
    return lines


def body_lines(model: mujoco.MjModel) -> list[str]:
    """One line per body except the world: the rows of the per-body blocks (cfrc_ext, cinert, cvel)."""
    lines = []
    for body in range(1, model.nbody):
        joints = [model.joint(j).name for j in range(model.njnt) if model.jnt_bodyid[j] == body]
        parent = _body_label(model, model.body_parentid[body])
        how = f"moved by {', '.join(joints)}" if joints else f"rigidly attached to {parent}"
        lines.append(f"row {body - 1}: {_body_label(model, body)} ({how})")
    return lines


def actuator_meanings(model: mujoco.MjModel) -> tuple[str, ...]:
    """One line per actuator (= action index): the joint it drives, gear and control range."""
    meanings = []
    for actuator in range(model.nu):
        if model.actuator_trntype[actuator] != mujoco.mjtTrn.mjTRN_JOINT:
            raise ValueError(f"actuator {actuator} does not drive a joint")
        joint = int(model.actuator_trnid[actuator][0])
        slide = model.jnt_type[joint] == mujoco.mjtJoint.mjJNT_SLIDE
        effect, unit, direction = ("force", "N", "along") if slide else ("torque", "N*m", "about")
        gear = model.actuator_gear[actuator][0]
        low, high = model.actuator_ctrlrange[actuator]
        meanings.append(
            f"motor on joint {model.joint(joint).name}: {effect} = {gear:g} * action[{actuator}] {unit} {direction} "
            f"the joint's axis (control range [{low:g}, {high:g}]: at most {gear * high:g} {unit})"
        )
    return tuple(meanings)


def action_order_note(model: mujoco.MjModel) -> str:
    """A warning for the prompt when action indices do not follow the joint order of the observation."""
    joints = [int(model.actuator_trnid[actuator][0]) for actuator in range(model.nu)]
    if joints == sorted(joints):
        return ""
    names = ", ".join(model.joint(joint).name for joint in joints)
    return f" Action indices follow the actuator order ({names}), not the joint order of the observation."
