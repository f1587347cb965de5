"""MuJoCo observation classes as the LLM is shown them: every index of each v5 env's raw vector, by name and unit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ---- what the LLM is shown: observations ---------------------------------------------------------------------------
# Each class documents every index of the raw observation vector. The joint and body tables were generated from
# the MuJoCo model with `model_docs.joint_lines` / `body_lines` (a test checks they still match the installed model);
# the index layouts follow the v5 envs' `_get_obs`.


@dataclass(frozen=True, eq=False)
class AntObservation:
    """What an Ant-v5 policy observes after each step: 105 float64 numbers (`vector`), split into named fields.

    The ant is a quadruped: a ball-shaped torso with four legs, free to move in 3-D. World frame: x forward (the
    direction the reward pays for), y to the left, z up; the ground is the plane z = 0. Each leg has a hip joint
    (swings the leg about the torso's vertical axis) and an ankle joint (raises / lowers the lower leg). Leg k's
    hip sits 0.28 m from the torso centre, diagonally: leg 1 towards (+x, +y), leg 2 (-x, +y), leg 3 (-x, -y),
    leg 4 (+x, -y) in the torso's frame. The torso's x and y position are NOT observed. Every array is read-only
    (writing raises ValueError): copy it (`np.array(a)`) before changing it.

    Joints (from the MuJoCo model; a hinge angle is a right-handed rotation about its axis, given in the body's
    own frame):
        root: free joint of body torso
        hip_1: hinge joint of body aux_1, axis (0, 0, 1), range [-0.524, 0.524] rad
        ankle_1: hinge joint of body #4, axis (-0.707, 0.707, 0), range [0.524, 1.22] rad
        hip_2: hinge joint of body aux_2, axis (0, 0, 1), range [-0.524, 0.524] rad
        ankle_2: hinge joint of body #7, axis (0.707, 0.707, 0), range [-1.22, -0.524] rad
        hip_3: hinge joint of body aux_3, axis (0, 0, 1), range [-0.524, 0.524] rad
        ankle_3: hinge joint of body #10, axis (-0.707, 0.707, 0), range [-1.22, -0.524] rad
        hip_4: hinge joint of body aux_4, axis (0, 0, 1), range [-0.524, 0.524] rad
        ankle_4: hinge joint of body #13, axis (0.707, 0.707, 0), range [0.524, 1.22] rad

    Index layout of `vector` (index, named field, meaning):
        vector[0]        torso_z                     root z position: height of the torso centre above the ground (m)
        vector[1]        torso_orientation[0]        root quaternion w
        vector[2]        torso_orientation[1]        root quaternion x
        vector[3]        torso_orientation[2]        root quaternion y
        vector[4]        torso_orientation[3]        root quaternion z
        vector[5]        joint_angles[0]             hip_1 angle (rad)
        vector[6]        joint_angles[1]             ankle_1 angle (rad)
        vector[7]        joint_angles[2]             hip_2 angle (rad)
        vector[8]        joint_angles[3]             ankle_2 angle (rad)
        vector[9]        joint_angles[4]             hip_3 angle (rad)
        vector[10]       joint_angles[5]             ankle_3 angle (rad)
        vector[11]       joint_angles[6]             hip_4 angle (rad)
        vector[12]       joint_angles[7]             ankle_4 angle (rad)
        vector[13]       torso_velocity[0]           root x velocity (m/s, world frame): forward speed
        vector[14]       torso_velocity[1]           root y velocity (m/s, world frame): sideways speed
        vector[15]       torso_velocity[2]           root z velocity (m/s, world frame): vertical speed
        vector[16]       torso_angular_velocity[0]   root angular velocity about the torso's own x axis (rad/s)
        vector[17]       torso_angular_velocity[1]   root angular velocity about the torso's own y axis (rad/s)
        vector[18]       torso_angular_velocity[2]   root angular velocity about the torso's own z axis (rad/s)
        vector[19]       joint_velocities[0]         hip_1 angular velocity (rad/s)
        vector[20]       joint_velocities[1]         ankle_1 angular velocity (rad/s)
        vector[21]       joint_velocities[2]         hip_2 angular velocity (rad/s)
        vector[22]       joint_velocities[3]         ankle_2 angular velocity (rad/s)
        vector[23]       joint_velocities[4]         hip_3 angular velocity (rad/s)
        vector[24]       joint_velocities[5]         ankle_3 angular velocity (rad/s)
        vector[25]       joint_velocities[6]         hip_4 angular velocity (rad/s)
        vector[26]       joint_velocities[7]         ankle_4 angular velocity (rad/s)
        vector[27:105]   contact_forces              (13, 6) block, see below

    contact_forces: shape (13, 6), row-major, contact_forces[r, c] = vector[27 + 6 * r + c]. Row r is the
    external contact wrench on body r + 1 (bodies below), clipped to [-1, 1]: columns 0-2 torque (N*m), columns
    3-5 force (N; column 5 > 0 = pushed up by the ground), along world axes, taken about the ant's centre of mass.
    A row is all zero while its body touches nothing; real contact forces are far above 1, so rows of touching
    bodies mostly read +-1.
    Bodies (row r of the block is model body r + 1; #4, #7, #10, #13 are the unnamed lower legs):
        row 0: torso (moved by root)
        row 1: front_left_leg (rigidly attached to torso)
        row 2: aux_1 (moved by hip_1)
        row 3: #4 (moved by ankle_1)
        row 4: front_right_leg (rigidly attached to torso)
        row 5: aux_2 (moved by hip_2)
        row 6: #7 (moved by ankle_2)
        row 7: back_leg (rigidly attached to torso)
        row 8: aux_3 (moved by hip_3)
        row 9: #10 (moved by ankle_3)
        row 10: right_back_leg (rigidly attached to torso)
        row 11: aux_4 (moved by hip_4)
        row 12: #13 (moved by ankle_4)
    """

    vector: np.ndarray
    """(105,) the whole observation, laid out as above."""
    torso_z: float
    """Torso centre height (m); 0.75 at the start. The episode ends once it leaves [0.2, 1.0]."""
    torso_orientation: np.ndarray
    """(4,) unit quaternion (w, x, y, z) of the torso in the world frame; (1, 0, 0, 0) = upright, facing +x."""
    joint_angles: np.ndarray
    """(8,) hip_1, ankle_1, hip_2, ankle_2, hip_3, ankle_3, hip_4, ankle_4 angles (rad)."""
    torso_velocity: np.ndarray
    """(3,) torso linear velocity (m/s) along world x, y, z."""
    torso_angular_velocity: np.ndarray
    """(3,) torso angular velocity (rad/s) about the torso's own x, y, z axes."""
    joint_velocities: np.ndarray
    """(8,) joint angular velocities (rad/s), same joint order as joint_angles."""
    contact_forces: np.ndarray
    """(13, 6) clipped contact wrenches, one row per body (see the class docstring)."""
    dt: float
    """Duration of one step (s): the simulated time between two `act` calls (not part of `vector`)."""


@dataclass(frozen=True, eq=False)
class AntPrivilegedObservation(AntObservation):
    """AntObservation plus simulator state the standard observation leaves out ("privileged" variant).

    `vector` here has 215 numbers: vector[0:105] exactly as in AntObservation, then:
        vector[105]      qpos[0]                     root x position: torso x (m), the forward direction
        vector[106]      qpos[1]                     root y position: torso y (m)
        vector[107]      qpos[2]                     root z position: torso height (m)
        vector[108]      qpos[3]                     root quaternion w
        vector[109]      qpos[4]                     root quaternion x
        vector[110]      qpos[5]                     root quaternion y
        vector[111]      qpos[6]                     root quaternion z
        vector[112]      qpos[7]                     hip_1 angle (rad)
        vector[113]      qpos[8]                     ankle_1 angle (rad)
        vector[114]      qpos[9]                     hip_2 angle (rad)
        vector[115]      qpos[10]                    ankle_2 angle (rad)
        vector[116]      qpos[11]                    hip_3 angle (rad)
        vector[117]      qpos[12]                    ankle_3 angle (rad)
        vector[118]      qpos[13]                    hip_4 angle (rad)
        vector[119]      qpos[14]                    ankle_4 angle (rad)
        vector[120]      qvel[0]                     root x velocity (m/s, world frame): forward speed
        vector[121]      qvel[1]                     root y velocity (m/s, world frame): sideways speed
        vector[122]      qvel[2]                     root z velocity (m/s, world frame): vertical speed
        vector[123]      qvel[3]                     root angular velocity about the torso's own x axis (rad/s)
        vector[124]      qvel[4]                     root angular velocity about the torso's own y axis (rad/s)
        vector[125]      qvel[5]                     root angular velocity about the torso's own z axis (rad/s)
        vector[126]      qvel[6]                     hip_1 angular velocity (rad/s)
        vector[127]      qvel[7]                     ankle_1 angular velocity (rad/s)
        vector[128]      qvel[8]                     hip_2 angular velocity (rad/s)
        vector[129]      qvel[9]                     ankle_2 angular velocity (rad/s)
        vector[130]      qvel[10]                    hip_3 angular velocity (rad/s)
        vector[131]      qvel[11]                    ankle_3 angular velocity (rad/s)
        vector[132]      qvel[12]                    hip_4 angular velocity (rad/s)
        vector[133]      qvel[13]                    ankle_4 angular velocity (rad/s)
        vector[134]      torso_position[0]           torso centre x as the reward reads it (m)
        vector[135]      torso_position[1]           torso centre y (m)
        vector[136]      torso_position[2]           torso centre z (m)
        vector[137:215]  raw_contact_forces          (13, 6) block: contact_forces before clipping

    raw_contact_forces[r, c] = vector[137 + 6 * r + c], same rows and columns as contact_forces, not clipped.
    torso_position is the torso body's position as MuJoCo reports it after the step; it can differ from
    qpos[0:3] by a few millimetres (MuJoCo updates body positions inside its last integration sub-step). The
    reward's x_before / x_after are torso_position[0] of consecutive observations.
    """

    qpos: np.ndarray
    """(15,) all joint positions: root x, y, z (m), root quaternion (w, x, y, z), the 8 hinge angles (rad)."""
    qvel: np.ndarray
    """(14,) all joint velocities: root linear (m/s, world) and angular (rad/s, torso frame), 8 hinges (rad/s)."""
    torso_position: np.ndarray
    """(3,) torso centre x, y, z (m) as the reward reads it."""
    raw_contact_forces: np.ndarray
    """(13, 6) contact wrenches before clipping: torque (N*m), force (N)."""


@dataclass(frozen=True, eq=False)
class HalfCheetahObservation:
    """What a HalfCheetah-v5 policy observes after each step: 17 float64 numbers (`vector`), split into fields.

    The half cheetah is a planar two-legged runner: a torso (head towards +x) with a back leg (bthigh, bshin,
    bfoot) and a front leg (fthigh, fshin, ffoot), moving in the x-z plane (x forward, the direction the reward
    pays for; z up). It cannot fall over in a way that ends the episode: episodes never terminate early. The
    torso's x position is NOT observed. Every array is read-only (writing raises ValueError).

    Joints (from the MuJoCo model; a hinge angle is a right-handed rotation about its axis; y points out of the
    x-z plane, so a positive rotation about +y turns +x towards -z):
        rootx: slide joint of body torso, axis (1, 0, 0), unlimited
        rootz: slide joint of body torso, axis (0, 0, 1), unlimited
        rooty: hinge joint of body torso, axis (0, 1, 0), unlimited
        bthigh: hinge joint of body bthigh, axis (0, 1, 0), range [-0.52, 1.05] rad
        bshin: hinge joint of body bshin, axis (0, 1, 0), range [-0.785, 0.785] rad
        bfoot: hinge joint of body bfoot, axis (0, 1, 0), range [-0.4, 0.785] rad
        fthigh: hinge joint of body fthigh, axis (0, 1, 0), range [-1, 0.7] rad
        fshin: hinge joint of body fshin, axis (0, 1, 0), range [-1.2, 0.87] rad
        ffoot: hinge joint of body ffoot, axis (0, 1, 0), range [-0.5, 0.5] rad

    Index layout of `vector` (index, named field, meaning):
        vector[0]        torso_z                     rootz position: torso height relative to its start height 0.7 m (m)
        vector[1]        torso_angle                 rooty angle: torso pitch (rad), positive = nose down
        vector[2]        joint_angles[0]             bthigh angle (rad)
        vector[3]        joint_angles[1]             bshin angle (rad)
        vector[4]        joint_angles[2]             bfoot angle (rad)
        vector[5]        joint_angles[3]             fthigh angle (rad)
        vector[6]        joint_angles[4]             fshin angle (rad)
        vector[7]        joint_angles[5]             ffoot angle (rad)
        vector[8]        torso_x_velocity            rootx velocity: forward speed (m/s)
        vector[9]        torso_z_velocity            rootz velocity: vertical speed (m/s)
        vector[10]       torso_angular_velocity      rooty angular velocity: pitch rate (rad/s)
        vector[11]       joint_velocities[0]         bthigh angular velocity (rad/s)
        vector[12]       joint_velocities[1]         bshin angular velocity (rad/s)
        vector[13]       joint_velocities[2]         bfoot angular velocity (rad/s)
        vector[14]       joint_velocities[3]         fthigh angular velocity (rad/s)
        vector[15]       joint_velocities[4]         fshin angular velocity (rad/s)
        vector[16]       joint_velocities[5]         ffoot angular velocity (rad/s)
    """

    vector: np.ndarray
    """(17,) the whole observation, laid out as above."""
    torso_z: float
    """Torso height minus 0.7 m (m): 0 at the start, negative when the torso is lower."""
    torso_angle: float
    """Torso pitch (rad), not wrapped; positive = nose (the +x end) down."""
    joint_angles: np.ndarray
    """(6,) bthigh, bshin, bfoot, fthigh, fshin, ffoot angles (rad)."""
    torso_x_velocity: float
    """Forward velocity of the torso (m/s)."""
    torso_z_velocity: float
    """Vertical velocity of the torso (m/s)."""
    torso_angular_velocity: float
    """Pitch rate of the torso (rad/s)."""
    joint_velocities: np.ndarray
    """(6,) joint angular velocities (rad/s), same joint order as joint_angles."""
    dt: float
    """Duration of one step (s): the simulated time between two `act` calls (not part of `vector`)."""


@dataclass(frozen=True, eq=False)
class HalfCheetahPrivilegedObservation(HalfCheetahObservation):
    """HalfCheetahObservation plus the full joint state ("privileged" variant).

    `vector` here has 35 numbers: vector[0:17] exactly as in HalfCheetahObservation, then:
        vector[17]       qpos[0]                     rootx position: torso x (m), the forward direction
        vector[18]       qpos[1]                     rootz position: torso height relative to 0.7 m (m)
        vector[19]       qpos[2]                     rooty angle: torso pitch (rad)
        vector[20]       qpos[3]                     bthigh angle (rad)
        vector[21]       qpos[4]                     bshin angle (rad)
        vector[22]       qpos[5]                     bfoot angle (rad)
        vector[23]       qpos[6]                     fthigh angle (rad)
        vector[24]       qpos[7]                     fshin angle (rad)
        vector[25]       qpos[8]                     ffoot angle (rad)
        vector[26]       qvel[0]                     rootx velocity (m/s)
        vector[27]       qvel[1]                     rootz velocity (m/s)
        vector[28]       qvel[2]                     rooty angular velocity (rad/s)
        vector[29]       qvel[3]                     bthigh angular velocity (rad/s)
        vector[30]       qvel[4]                     bshin angular velocity (rad/s)
        vector[31]       qvel[5]                     bfoot angular velocity (rad/s)
        vector[32]       qvel[6]                     fthigh angular velocity (rad/s)
        vector[33]       qvel[7]                     fshin angular velocity (rad/s)
        vector[34]       qvel[8]                     ffoot angular velocity (rad/s)
    The reward's x_before / x_after are qpos[0] of consecutive observations.
    """

    qpos: np.ndarray
    """(9,) all joint positions: rootx (m), rootz (m), rooty (rad), then the 6 leg joint angles (rad)."""
    qvel: np.ndarray
    """(9,) all joint velocities, same order (m/s for rootx and rootz, rad/s otherwise)."""


@dataclass(frozen=True, eq=False)
class HopperObservation:
    """What a Hopper-v5 policy observes after each step: 11 float64 numbers (`vector`), split into named fields.

    The hopper is a planar one-legged robot: a torso on top of a thigh, a leg (shin) and a foot, moving in the
    x-z plane (x forward, the direction the reward pays for; z up). It must stay upright: the episode ends once
    the torso drops to 0.7 m or tilts by 0.2 rad (see `hopper_is_healthy`). The torso's x position is NOT
    observed. Velocities are clipped to [-10, 10]. Every array is read-only (writing raises ValueError).

    Joints (from the MuJoCo model; a hinge angle is a right-handed rotation about its axis; y points out of the
    x-z plane, so a positive rotation about +y turns +z towards +x and about -y turns +z towards -x):
        rootx: slide joint of body torso, axis (1, 0, 0), unlimited
        rootz: slide joint of body torso, axis (0, 0, 1), unlimited
        rooty: hinge joint of body torso, axis (0, 1, 0), unlimited
        thigh_joint: hinge joint of body thigh, axis (0, -1, 0), range [-2.62, 0] rad
        leg_joint: hinge joint of body leg, axis (0, -1, 0), range [-2.62, 0] rad
        foot_joint: hinge joint of body foot, axis (0, -1, 0), range [-0.785, 0.785] rad

    Index layout of `vector` (index, named field, meaning):
        vector[0]        torso_z                     rootz position: height of the torso centre above the ground (m)
        vector[1]        torso_angle                 rooty angle: torso pitch (rad), 0 = upright, > 0 = leaning forward
        vector[2]        joint_angles[0]             thigh_joint angle (rad)
        vector[3]        joint_angles[1]             leg_joint angle (rad)
        vector[4]        joint_angles[2]             foot_joint angle (rad)
        vector[5]        torso_x_velocity            rootx velocity: forward speed (m/s), clipped to [-10, 10]
        vector[6]        torso_z_velocity            rootz velocity: vertical speed (m/s), clipped to [-10, 10]
        vector[7]        torso_angular_velocity      rooty angular velocity: pitch rate (rad/s), clipped to [-10, 10]
        vector[8]        joint_velocities[0]         thigh_joint angular velocity (rad/s), clipped to [-10, 10]
        vector[9]        joint_velocities[1]         leg_joint angular velocity (rad/s), clipped to [-10, 10]
        vector[10]       joint_velocities[2]         foot_joint angular velocity (rad/s), clipped to [-10, 10]
    """

    vector: np.ndarray
    """(11,) the whole observation, laid out as above."""
    torso_z: float
    """Height of the torso centre (m); 1.25 at the start. Must stay above 0.7."""
    torso_angle: float
    """Torso pitch (rad): 0 = upright, positive = leaning forward (+x). Must stay inside (-0.2, 0.2)."""
    joint_angles: np.ndarray
    """(3,) thigh_joint, leg_joint, foot_joint angles (rad)."""
    torso_x_velocity: float
    """Forward velocity of the torso (m/s), clipped to [-10, 10]."""
    torso_z_velocity: float
    """Vertical velocity of the torso (m/s), clipped to [-10, 10]."""
    torso_angular_velocity: float
    """Pitch rate of the torso (rad/s), clipped to [-10, 10]."""
    joint_velocities: np.ndarray
    """(3,) joint angular velocities (rad/s), same order as joint_angles, clipped to [-10, 10]."""
    dt: float
    """Duration of one step (s): the simulated time between two `act` calls (not part of `vector`)."""


@dataclass(frozen=True, eq=False)
class HopperPrivilegedObservation(HopperObservation):
    """HopperObservation plus the full joint state, velocities not clipped ("privileged" variant).

    `vector` here has 23 numbers: vector[0:11] exactly as in HopperObservation, then:
        vector[11]       qpos[0]                     rootx position: torso x (m), the forward direction
        vector[12]       qpos[1]                     rootz position: torso height (m)
        vector[13]       qpos[2]                     rooty angle: torso pitch (rad)
        vector[14]       qpos[3]                     thigh_joint angle (rad)
        vector[15]       qpos[4]                     leg_joint angle (rad)
        vector[16]       qpos[5]                     foot_joint angle (rad)
        vector[17]       qvel[0]                     rootx velocity (m/s), not clipped
        vector[18]       qvel[1]                     rootz velocity (m/s), not clipped
        vector[19]       qvel[2]                     rooty angular velocity (rad/s), not clipped
        vector[20]       qvel[3]                     thigh_joint angular velocity (rad/s), not clipped
        vector[21]       qvel[4]                     leg_joint angular velocity (rad/s), not clipped
        vector[22]       qvel[5]                     foot_joint angular velocity (rad/s), not clipped
    The reward's x_before / x_after are qpos[0] of consecutive observations; `hopper_is_healthy` reads qpos and
    qvel exactly as given here.
    """

    qpos: np.ndarray
    """(6,) all joint positions: rootx (m), rootz (m), rooty (rad), thigh, leg, foot angles (rad)."""
    qvel: np.ndarray
    """(6,) all joint velocities, same order (m/s for rootx and rootz, rad/s otherwise), not clipped."""


@dataclass(frozen=True, eq=False)
class HumanoidObservation:
    """What a Humanoid-v5 policy observes after each step: 348 float64 numbers (`vector`), split into fields.

    The humanoid is a 3-D biped (torso, abdomen, pelvis, two legs, two arms) that must walk forward without
    falling: world frame x forward (the direction the reward pays for), y to the left, z up; ground at z = 0.
    The episode ends once the torso height leaves (1.0, 2.0) m. The torso's x and y position are NOT observed.
    Every array is read-only (writing raises ValueError): copy it (`np.array(a)`) before changing it.

    Joints (from the MuJoCo model; a hinge angle is a right-handed rotation about its axis, given in the body's
    own frame):
        root: free joint of body torso
        abdomen_z: hinge joint of body lwaist, axis (0, 0, 1), range [-0.785, 0.785] rad
        abdomen_y: hinge joint of body lwaist, axis (0, 1, 0), range [-1.31, 0.524] rad
        abdomen_x: hinge joint of body pelvis, axis (1, 0, 0), range [-0.611, 0.611] rad
        right_hip_x: hinge joint of body right_thigh, axis (1, 0, 0), range [-0.436, 0.0873] rad
        right_hip_z: hinge joint of body right_thigh, axis (0, 0, 1), range [-1.05, 0.611] rad
        right_hip_y: hinge joint of body right_thigh, axis (0, 1, 0), range [-1.92, 0.349] rad
        right_knee: hinge joint of body right_shin, axis (0, -1, 0), range [-2.79, -0.0349] rad
        left_hip_x: hinge joint of body left_thigh, axis (-1, 0, 0), range [-0.436, 0.0873] rad
        left_hip_z: hinge joint of body left_thigh, axis (0, 0, -1), range [-1.05, 0.611] rad
        left_hip_y: hinge joint of body left_thigh, axis (0, 1, 0), range [-1.92, 0.349] rad
        left_knee: hinge joint of body left_shin, axis (0, -1, 0), range [-2.79, -0.0349] rad
        right_shoulder1: hinge joint of body right_upper_arm, axis (0.816, 0.408, 0.408), range [-1.48, 1.05] rad
        right_shoulder2: hinge joint of body right_upper_arm, axis (0, -0.707, 0.707), range [-1.48, 1.05] rad
        right_elbow: hinge joint of body right_lower_arm, axis (0, -0.707, 0.707), range [-1.57, 0.873] rad
        left_shoulder1: hinge joint of body left_upper_arm, axis (0.816, -0.408, 0.408), range [-1.05, 1.48] rad
        left_shoulder2: hinge joint of body left_upper_arm, axis (0, 0.707, 0.707), range [-1.05, 1.48] rad
        left_elbow: hinge joint of body left_lower_arm, axis (0, -0.707, -0.707), range [-1.57, 0.873] rad

    Index layout of `vector` (index, named field, meaning):
        vector[0]        torso_z                     root z position: height of the torso centre above the ground (m)
        vector[1]        torso_orientation[0]        root quaternion w
        vector[2]        torso_orientation[1]        root quaternion x
        vector[3]        torso_orientation[2]        root quaternion y
        vector[4]        torso_orientation[3]        root quaternion z
        vector[5]        joint_angles[0]             abdomen_z angle (rad)
        vector[6]        joint_angles[1]             abdomen_y angle (rad)
        vector[7]        joint_angles[2]             abdomen_x angle (rad)
        vector[8]        joint_angles[3]             right_hip_x angle (rad)
        vector[9]        joint_angles[4]             right_hip_z angle (rad)
        vector[10]       joint_angles[5]             right_hip_y angle (rad)
        vector[11]       joint_angles[6]             right_knee angle (rad)
        vector[12]       joint_angles[7]             left_hip_x angle (rad)
        vector[13]       joint_angles[8]             left_hip_z angle (rad)
        vector[14]       joint_angles[9]             left_hip_y angle (rad)
        vector[15]       joint_angles[10]            left_knee angle (rad)
        vector[16]       joint_angles[11]            right_shoulder1 angle (rad)
        vector[17]       joint_angles[12]            right_shoulder2 angle (rad)
        vector[18]       joint_angles[13]            right_elbow angle (rad)
        vector[19]       joint_angles[14]            left_shoulder1 angle (rad)
        vector[20]       joint_angles[15]            left_shoulder2 angle (rad)
        vector[21]       joint_angles[16]            left_elbow angle (rad)
        vector[22]       torso_velocity[0]           root x velocity (m/s, world frame): forward speed
        vector[23]       torso_velocity[1]           root y velocity (m/s, world frame): sideways speed
        vector[24]       torso_velocity[2]           root z velocity (m/s, world frame): vertical speed
        vector[25]       torso_angular_velocity[0]   root angular velocity about the torso's own x axis (rad/s)
        vector[26]       torso_angular_velocity[1]   root angular velocity about the torso's own y axis (rad/s)
        vector[27]       torso_angular_velocity[2]   root angular velocity about the torso's own z axis (rad/s)
        vector[28]       joint_velocities[0]         abdomen_z angular velocity (rad/s)
        vector[29]       joint_velocities[1]         abdomen_y angular velocity (rad/s)
        vector[30]       joint_velocities[2]         abdomen_x angular velocity (rad/s)
        vector[31]       joint_velocities[3]         right_hip_x angular velocity (rad/s)
        vector[32]       joint_velocities[4]         right_hip_z angular velocity (rad/s)
        vector[33]       joint_velocities[5]         right_hip_y angular velocity (rad/s)
        vector[34]       joint_velocities[6]         right_knee angular velocity (rad/s)
        vector[35]       joint_velocities[7]         left_hip_x angular velocity (rad/s)
        vector[36]       joint_velocities[8]         left_hip_z angular velocity (rad/s)
        vector[37]       joint_velocities[9]         left_hip_y angular velocity (rad/s)
        vector[38]       joint_velocities[10]        left_knee angular velocity (rad/s)
        vector[39]       joint_velocities[11]        right_shoulder1 angular velocity (rad/s)
        vector[40]       joint_velocities[12]        right_shoulder2 angular velocity (rad/s)
        vector[41]       joint_velocities[13]        right_elbow angular velocity (rad/s)
        vector[42]       joint_velocities[14]        left_shoulder1 angular velocity (rad/s)
        vector[43]       joint_velocities[15]        left_shoulder2 angular velocity (rad/s)
        vector[44]       joint_velocities[16]        left_elbow angular velocity (rad/s)
        vector[45:175]   body_inertia                (13, 10) block, see below
        vector[175:253]  body_velocity               (13, 6) block, see below
        vector[253]      actuator_forces[0]          abdomen_z actuator torque (N*m)
        vector[254]      actuator_forces[1]          abdomen_y actuator torque (N*m)
        vector[255]      actuator_forces[2]          abdomen_x actuator torque (N*m)
        vector[256]      actuator_forces[3]          right_hip_x actuator torque (N*m)
        vector[257]      actuator_forces[4]          right_hip_z actuator torque (N*m)
        vector[258]      actuator_forces[5]          right_hip_y actuator torque (N*m)
        vector[259]      actuator_forces[6]          right_knee actuator torque (N*m)
        vector[260]      actuator_forces[7]          left_hip_x actuator torque (N*m)
        vector[261]      actuator_forces[8]          left_hip_z actuator torque (N*m)
        vector[262]      actuator_forces[9]          left_hip_y actuator torque (N*m)
        vector[263]      actuator_forces[10]         left_knee actuator torque (N*m)
        vector[264]      actuator_forces[11]         right_shoulder1 actuator torque (N*m)
        vector[265]      actuator_forces[12]         right_shoulder2 actuator torque (N*m)
        vector[266]      actuator_forces[13]         right_elbow actuator torque (N*m)
        vector[267]      actuator_forces[14]         left_shoulder1 actuator torque (N*m)
        vector[268]      actuator_forces[15]         left_shoulder2 actuator torque (N*m)
        vector[269]      actuator_forces[16]         left_elbow actuator torque (N*m)
        vector[270:348]  contact_forces              (13, 6) block, see below

    The three blocks have one row per body (row r = model body r + 1, list below), row-major:
    body_inertia[r, c] = vector[45 + 10 * r + c], body_velocity[r, c] = vector[175 + 6 * r + c],
    contact_forces[r, c] = vector[270 + 6 * r + c]. All use world-aligned axes and are taken about the
    humanoid's overall centre of mass ("com" below).
      body_inertia columns: 0-5 inertia tensor Ixx, Iyy, Izz, Ixy, Ixz, Iyz of the body about the com (kg*m^2);
        6-8 body mass * (body centre of mass - com), x, y, z (kg*m); 9 body mass (kg, constant).
      body_velocity columns: 0-2 angular velocity of the body (rad/s); 3-5 linear velocity (m/s) of the point
        fixed to the body that currently coincides with the com.
      contact_forces columns: 0-2 torque (N*m), 3-5 force (N; column 5 > 0 = pushed up by the ground) of the
        external contacts on the body, not clipped; all zero while the body touches nothing.
    actuator_forces (vector[253:270]) is the torque each motor applied during the last step: gear * action for
    that joint's motor (note: joint order, which differs from the action order).
    Bodies:
        row 0: torso (moved by root)
        row 1: lwaist (moved by abdomen_z, abdomen_y)
        row 2: pelvis (moved by abdomen_x)
        row 3: right_thigh (moved by right_hip_x, right_hip_z, right_hip_y)
        row 4: right_shin (moved by right_knee)
        row 5: right_foot (rigidly attached to right_shin)
        row 6: left_thigh (moved by left_hip_x, left_hip_z, left_hip_y)
        row 7: left_shin (moved by left_knee)
        row 8: left_foot (rigidly attached to left_shin)
        row 9: right_upper_arm (moved by right_shoulder1, right_shoulder2)
        row 10: right_lower_arm (moved by right_elbow)
        row 11: left_upper_arm (moved by left_shoulder1, left_shoulder2)
        row 12: left_lower_arm (moved by left_elbow)
    """

    vector: np.ndarray
    """(348,) the whole observation, laid out as above."""
    torso_z: float
    """Torso centre height (m); 1.4 at the start. The episode ends once it leaves (1.0, 2.0)."""
    torso_orientation: np.ndarray
    """(4,) unit quaternion (w, x, y, z) of the torso in the world frame; (1, 0, 0, 0) = upright, facing +x."""
    joint_angles: np.ndarray
    """(17,) hinge angles (rad) in the joint order of the table above (abdomen_z ... left_elbow)."""
    torso_velocity: np.ndarray
    """(3,) torso linear velocity (m/s) along world x, y, z."""
    torso_angular_velocity: np.ndarray
    """(3,) torso angular velocity (rad/s) about the torso's own x, y, z axes."""
    joint_velocities: np.ndarray
    """(17,) hinge angular velocities (rad/s), same joint order as joint_angles."""
    body_inertia: np.ndarray
    """(13, 10) per-body inertia and mass about the com (see the class docstring)."""
    body_velocity: np.ndarray
    """(13, 6) per-body angular and linear velocity (see the class docstring)."""
    actuator_forces: np.ndarray
    """(17,) motor torques (N*m) applied during the last step, same joint order as joint_angles."""
    contact_forces: np.ndarray
    """(13, 6) per-body external contact wrenches, not clipped (see the class docstring)."""
    dt: float
    """Duration of one step (s): the simulated time between two `act` calls (not part of `vector`)."""


@dataclass(frozen=True, eq=False)
class HumanoidPrivilegedObservation(HumanoidObservation):
    """HumanoidObservation plus the full joint state and the centre of mass ("privileged" variant).

    `vector` here has 398 numbers: vector[0:348] exactly as in HumanoidObservation, then:
        vector[348]      qpos[0]                     root x position: torso x (m), the forward direction
        vector[349]      qpos[1]                     root y position: torso y (m)
        vector[350]      qpos[2]                     root z position: torso height (m)
        vector[351]      qpos[3]                     root quaternion w
        vector[352]      qpos[4]                     root quaternion x
        vector[353]      qpos[5]                     root quaternion y
        vector[354]      qpos[6]                     root quaternion z
        vector[355]      qpos[7]                     abdomen_z angle (rad)
        vector[356]      qpos[8]                     abdomen_y angle (rad)
        vector[357]      qpos[9]                     abdomen_x angle (rad)
        vector[358]      qpos[10]                    right_hip_x angle (rad)
        vector[359]      qpos[11]                    right_hip_z angle (rad)
        vector[360]      qpos[12]                    right_hip_y angle (rad)
        vector[361]      qpos[13]                    right_knee angle (rad)
        vector[362]      qpos[14]                    left_hip_x angle (rad)
        vector[363]      qpos[15]                    left_hip_z angle (rad)
        vector[364]      qpos[16]                    left_hip_y angle (rad)
        vector[365]      qpos[17]                    left_knee angle (rad)
        vector[366]      qpos[18]                    right_shoulder1 angle (rad)
        vector[367]      qpos[19]                    right_shoulder2 angle (rad)
        vector[368]      qpos[20]                    right_elbow angle (rad)
        vector[369]      qpos[21]                    left_shoulder1 angle (rad)
        vector[370]      qpos[22]                    left_shoulder2 angle (rad)
        vector[371]      qpos[23]                    left_elbow angle (rad)
        vector[372]      qvel[0]                     root x velocity (m/s, world frame): forward speed
        vector[373]      qvel[1]                     root y velocity (m/s, world frame): sideways speed
        vector[374]      qvel[2]                     root z velocity (m/s, world frame): vertical speed
        vector[375]      qvel[3]                     root angular velocity about the torso's own x axis (rad/s)
        vector[376]      qvel[4]                     root angular velocity about the torso's own y axis (rad/s)
        vector[377]      qvel[5]                     root angular velocity about the torso's own z axis (rad/s)
        vector[378]      qvel[6]                     abdomen_z angular velocity (rad/s)
        vector[379]      qvel[7]                     abdomen_y angular velocity (rad/s)
        vector[380]      qvel[8]                     abdomen_x angular velocity (rad/s)
        vector[381]      qvel[9]                     right_hip_x angular velocity (rad/s)
        vector[382]      qvel[10]                    right_hip_z angular velocity (rad/s)
        vector[383]      qvel[11]                    right_hip_y angular velocity (rad/s)
        vector[384]      qvel[12]                    right_knee angular velocity (rad/s)
        vector[385]      qvel[13]                    left_hip_x angular velocity (rad/s)
        vector[386]      qvel[14]                    left_hip_z angular velocity (rad/s)
        vector[387]      qvel[15]                    left_hip_y angular velocity (rad/s)
        vector[388]      qvel[16]                    left_knee angular velocity (rad/s)
        vector[389]      qvel[17]                    right_shoulder1 angular velocity (rad/s)
        vector[390]      qvel[18]                    right_shoulder2 angular velocity (rad/s)
        vector[391]      qvel[19]                    right_elbow angular velocity (rad/s)
        vector[392]      qvel[20]                    left_shoulder1 angular velocity (rad/s)
        vector[393]      qvel[21]                    left_shoulder2 angular velocity (rad/s)
        vector[394]      qvel[22]                    left_elbow angular velocity (rad/s)
        vector[395]      center_of_mass[0]           centre of mass x of the whole body as the reward reads it (m)
        vector[396]      center_of_mass[1]           centre of mass y (m)
        vector[397]      center_of_mass[2]           centre of mass z (m)
    The reward's x_before / x_after are center_of_mass[0] of consecutive observations.
    """

    qpos: np.ndarray
    """(24,) all joint positions: root x, y, z (m), root quaternion (w, x, y, z), the 17 hinge angles (rad)."""
    qvel: np.ndarray
    """(23,) all joint velocities: root linear (m/s, world) and angular (rad/s, torso frame), 17 hinges (rad/s)."""
    center_of_mass: np.ndarray
    """(3,) the whole humanoid's centre of mass x, y, z (m), as the reward reads it."""


@dataclass(frozen=True, eq=False)
class SwimmerObservation:
    """What a Swimmer-v5 policy observes after each step: 8 float64 numbers (`vector`), split into named fields.

    The swimmer is a chain of three segments (front, mid, back) linked by two hinges, lying in a viscous fluid
    on the x-y plane; it moves by undulating. x is forward, the direction the reward pays for. Episodes never
    terminate early. The root frame's x, y position is NOT observed. Every array is read-only.

    Joints (from the MuJoCo model; all rotations are about the vertical axis z, counter-clockwise positive):
        slider1: slide joint of body torso, axis (1, 0, 0), unlimited
        slider2: slide joint of body torso, axis (0, 1, 0), unlimited
        free_body_rot: hinge joint of body torso, axis (0, 0, 1), unlimited
        motor1_rot: hinge joint of body mid, axis (0, 0, 1), range [-1.75, 1.75] rad
        motor2_rot: hinge joint of body back, axis (0, 0, 1), range [-1.75, 1.75] rad

    Index layout of `vector` (index, named field, meaning):
        vector[0]        torso_angle                 free_body_rot angle: heading of the front segment (rad), 0 = +x
        vector[1]        joint_angles[0]             motor1_rot angle (rad)
        vector[2]        joint_angles[1]             motor2_rot angle (rad)
        vector[3]        torso_velocity[0]           slider1 velocity: x velocity of the root frame (m/s), forward
        vector[4]        torso_velocity[1]           slider2 velocity: y velocity of the root frame (m/s)
        vector[5]        torso_angular_velocity      free_body_rot angular velocity: turning rate (rad/s)
        vector[6]        joint_velocities[0]         motor1_rot angular velocity (rad/s)
        vector[7]        joint_velocities[1]         motor2_rot angular velocity (rad/s)
    motor1_rot bends the mid segment relative to the front one, motor2_rot the back segment relative to the mid.
    """

    vector: np.ndarray
    """(8,) the whole observation, laid out as above."""
    torso_angle: float
    """Heading of the front segment (rad), not wrapped; 0 = pointing along +x, counter-clockwise positive."""
    joint_angles: np.ndarray
    """(2,) motor1_rot, motor2_rot angles (rad)."""
    torso_velocity: np.ndarray
    """(2,) x, y velocity of the root frame (m/s)."""
    torso_angular_velocity: float
    """Turning rate of the front segment (rad/s)."""
    joint_velocities: np.ndarray
    """(2,) motor1_rot, motor2_rot angular velocities (rad/s)."""
    dt: float
    """Duration of one step (s): the simulated time between two `act` calls (not part of `vector`)."""


@dataclass(frozen=True, eq=False)
class SwimmerPrivilegedObservation(SwimmerObservation):
    """SwimmerObservation plus the full joint state ("privileged" variant).

    `vector` here has 18 numbers: vector[0:8] exactly as in SwimmerObservation, then:
        vector[8]        qpos[0]                     slider1 position: x of the root frame (m), the forward direction
        vector[9]        qpos[1]                     slider2 position: y of the root frame (m)
        vector[10]       qpos[2]                     free_body_rot angle (rad)
        vector[11]       qpos[3]                     motor1_rot angle (rad)
        vector[12]       qpos[4]                     motor2_rot angle (rad)
        vector[13]       qvel[0]                     slider1 velocity (m/s)
        vector[14]       qvel[1]                     slider2 velocity (m/s)
        vector[15]       qvel[2]                     free_body_rot angular velocity (rad/s)
        vector[16]       qvel[3]                     motor1_rot angular velocity (rad/s)
        vector[17]       qvel[4]                     motor2_rot angular velocity (rad/s)
    The reward's x_before / x_after are qpos[0] of consecutive observations.
    """

    qpos: np.ndarray
    """(5,) all joint positions: root x, y (m), heading, motor1_rot, motor2_rot (rad)."""
    qvel: np.ndarray
    """(5,) all joint velocities, same order (m/s, m/s, then rad/s)."""


@dataclass(frozen=True, eq=False)
class ReacherObservation:
    """What a Reacher-v5 policy observes after each step: 10 float64 numbers (`vector`), split into named fields.

    The reacher is a two-link arm in the horizontal x-y plane, its base at the origin. joint0 turns the first
    link about the base (angle 0 = pointing along +x, counter-clockwise positive); joint1 turns the second link
    relative to the first. Fully stretched, the fingertip is 0.21 m from the base. Each episode places a target
    at a random point within 0.2 m of the origin; it never moves. Goal: keep the fingertip on the target with
    little effort. Episodes last 50 steps and never terminate early. Every array is read-only.

    Joints (from the MuJoCo model; the target's position is stored as two slide joints):
        joint0: hinge joint of body body0, axis (0, 0, 1), unlimited
        joint1: hinge joint of body body1, axis (0, 0, 1), range [-3, 3] rad
        target_x: slide joint of body target, axis (1, 0, 0), range [-0.27, 0.27] m
        target_y: slide joint of body target, axis (0, 1, 0), range [-0.27, 0.27] m

    Index layout of `vector` (index, named field, meaning):
        vector[0]        cos_angles[0]               cos of joint0 angle
        vector[1]        cos_angles[1]               cos of joint1 angle
        vector[2]        sin_angles[0]               sin of joint0 angle
        vector[3]        sin_angles[1]               sin of joint1 angle
        vector[4]        target_position[0]          target_x position: target x (m)
        vector[5]        target_position[1]          target_y position: target y (m)
        vector[6]        angular_velocities[0]       joint0 angular velocity (rad/s)
        vector[7]        angular_velocities[1]       joint1 angular velocity (rad/s)
        vector[8]        fingertip_minus_target[0]   fingertip x - target x (m)
        vector[9]        fingertip_minus_target[1]   fingertip y - target y (m)
    """

    vector: np.ndarray
    """(10,) the whole observation, laid out as above."""
    cos_angles: np.ndarray
    """(2,) cosines of the joint0 and joint1 angles."""
    sin_angles: np.ndarray
    """(2,) sines of the joint0 and joint1 angles."""
    target_position: np.ndarray
    """(2,) target x, y (m); fixed for the episode."""
    angular_velocities: np.ndarray
    """(2,) joint0, joint1 angular velocities (rad/s)."""
    fingertip_minus_target: np.ndarray
    """(2,) fingertip position minus target position, x and y (m); its norm is the reward's distance."""
    dt: float
    """Duration of one step (s): the simulated time between two `act` calls (not part of `vector`)."""


@dataclass(frozen=True, eq=False)
class ReacherPrivilegedObservation(ReacherObservation):
    """ReacherObservation plus the full joint state and the 3-D fingertip and target positions ("privileged").

    `vector` here has 24 numbers: vector[0:10] exactly as in ReacherObservation, then:
        vector[10]       qpos[0]                     joint0 angle (rad), not wrapped
        vector[11]       qpos[1]                     joint1 angle (rad)
        vector[12]       qpos[2]                     target_x position (m)
        vector[13]       qpos[3]                     target_y position (m)
        vector[14]       qvel[0]                     joint0 angular velocity (rad/s)
        vector[15]       qvel[1]                     joint1 angular velocity (rad/s)
        vector[16]       qvel[2]                     target_x velocity (m/s), always 0
        vector[17]       qvel[3]                     target_y velocity (m/s), always 0
        vector[18]       fingertip_xyz[0]            fingertip x (m)
        vector[19]       fingertip_xyz[1]            fingertip y (m)
        vector[20]       fingertip_xyz[2]            fingertip z (m), always 0.01
        vector[21]       target_xyz[0]               target x (m)
        vector[22]       target_xyz[1]               target y (m)
        vector[23]       target_xyz[2]               target z (m), always 0.01
    The reward's fingertip_minus_target is fingertip_xyz - target_xyz.
    """

    qpos: np.ndarray
    """(4,) joint0, joint1 angles (rad), target x, y (m)."""
    qvel: np.ndarray
    """(4,) joint0, joint1 angular velocities (rad/s), target velocities (always 0)."""
    fingertip_xyz: np.ndarray
    """(3,) fingertip position x, y, z (m)."""
    target_xyz: np.ndarray
    """(3,) target position x, y, z (m)."""


@dataclass(frozen=True, eq=False)
class InvertedDoublePendulumObservation:
    """What an InvertedDoublePendulum-v5 policy observes after each step: 9 float64 numbers, split into fields.

    A cart slides along a rail (x axis, x in [-1, 1] m); a pole is hinged on the cart and a second pole is
    hinged on the top of the first. Goal: keep both poles balanced upright. The episode terminates once the tip
    of the upper pole is at or below 1.0 m (it is at 1.2 m when both poles stand straight up). Angles are 0 when
    upright; a positive angle leans the pole towards +x. Every array is read-only.

    Joints (from the MuJoCo model):
        slider: slide joint of body cart, axis (1, 0, 0), range [-1, 1] m
        hinge: hinge joint of body pole, axis (0, 1, 0), unlimited
        hinge2: hinge joint of body pole2, axis (0, 1, 0), unlimited

    Index layout of `vector` (index, named field, meaning):
        vector[0]        cart_x                      slider position: cart x (m), the rail spans [-1, 1]
        vector[1]        sin_angles[0]               sin of hinge angle (lower pole)
        vector[2]        sin_angles[1]               sin of hinge2 angle (upper pole, relative to the lower pole)
        vector[3]        cos_angles[0]               cos of hinge angle
        vector[4]        cos_angles[1]               cos of hinge2 angle
        vector[5]        cart_velocity               slider velocity: cart speed (m/s), clipped to [-10, 10]
        vector[6]        angular_velocities[0]       hinge angular velocity (rad/s), clipped to [-10, 10]
        vector[7]        angular_velocities[1]       hinge2 angular velocity (rad/s), clipped to [-10, 10]
        vector[8]        constraint_force            rail-limit force on the cart (N), clipped to [-10, 10]
    constraint_force is 0 unless the cart presses against an end of its rail (x = -1 or 1 m).
    """

    vector: np.ndarray
    """(9,) the whole observation, laid out as above."""
    cart_x: float
    """Cart position along the rail (m), in [-1, 1]."""
    sin_angles: np.ndarray
    """(2,) sines of the lower pole's angle and of the upper pole's angle relative to the lower pole."""
    cos_angles: np.ndarray
    """(2,) cosines of the same two angles."""
    cart_velocity: float
    """Cart velocity (m/s), clipped to [-10, 10]."""
    angular_velocities: np.ndarray
    """(2,) hinge, hinge2 angular velocities (rad/s), clipped to [-10, 10]."""
    constraint_force: float
    """Force (N) the rail's end stops apply to the cart, clipped to [-10, 10]."""
    dt: float
    """Duration of one step (s): the simulated time between two `act` calls (not part of `vector`)."""


@dataclass(frozen=True, eq=False)
class InvertedDoublePendulumPrivilegedObservation(InvertedDoublePendulumObservation):
    """InvertedDoublePendulumObservation plus the full joint state and the tip position ("privileged" variant).

    `vector` here has 18 numbers: vector[0:9] exactly as in InvertedDoublePendulumObservation, then:
        vector[9]        qpos[0]                     slider position: cart x (m)
        vector[10]       qpos[1]                     hinge angle (rad), not wrapped
        vector[11]       qpos[2]                     hinge2 angle (rad), not wrapped
        vector[12]       qvel[0]                     slider velocity (m/s), not clipped
        vector[13]       qvel[1]                     hinge angular velocity (rad/s), not clipped
        vector[14]       qvel[2]                     hinge2 angular velocity (rad/s), not clipped
        vector[15]       tip_position[0]             tip x (m)
        vector[16]       tip_position[1]             tip y (m), always 0
        vector[17]       tip_position[2]             tip height z (m)
    The reward's tip_x and tip_height are tip_position[0] and tip_position[2]; hinge_velocity and
    hinge2_velocity are qvel[1] and qvel[2].
    """

    qpos: np.ndarray
    """(3,) cart x (m), hinge angle, hinge2 angle (rad)."""
    qvel: np.ndarray
    """(3,) cart velocity (m/s), hinge and hinge2 angular velocities (rad/s), not clipped."""
    tip_position: np.ndarray
    """(3,) position of the upper pole's tip x, y, z (m), as the reward reads it."""
