"""Bodies of the program routes: the program's configuration (management) and its public info."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, StringConstraints, field_validator

from loyaltyhub.schemas import StrictModel

LevelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Threshold = Annotated[StrictInt, Field(ge=0, le=1_000_000_000)]


class Level(StrictModel):
    name: LevelName
    points_threshold: Threshold


class RegularLevels(StrictModel):
    """Levels by points earned in total (reference (a).1); returned sorted by threshold."""

    type: Literal["regular"]
    levels: Annotated[list[Level], Field(min_length=1, max_length=50)]

    @field_validator("levels")
    @classmethod
    def _unique_names(cls, levels: list[Level]) -> list[Level]:
        if len({level.name for level in levels}) != len(levels):
            raise ValueError("level names must be unique")
        return sorted(levels, key=lambda level: level.points_threshold)


class VirtualLevel(StrictModel):
    """A single level compared with the current balance, for display only."""

    type: Literal["virtual_level"]
    maximum_points: Annotated[StrictInt, Field(ge=1, le=1_000_000_000)]


LevelsProgram = Annotated[RegularLevels | VirtualLevel, Field(discriminator="type")]


class ExpirationNotifications(StrictModel):
    """The points expiration notifications policy: tell a member ``days_before`` their points expire, with
    the club's message ``message_id`` (a message of the ``rewards_notifications`` service)."""

    days_before: Annotated[StrictInt, Field(ge=1, le=366)]
    message_id: Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]


class ProgramBody(StrictModel):
    """The keys given are set; the others keep their value (their default for a new program)."""

    enabled: StrictBool = True
    reward_activation_time: Annotated[StrictInt, Field(ge=0, le=31_536_000)] = 30
    levels_program: LevelsProgram | None = None
    points_validity_months: Annotated[StrictInt, Field(ge=0, le=600)] | None = None
    points_expire_at: Literal["end_of_day", "end_of_month", "end_of_year"] = "end_of_month"
    forfeit_points_on_leave: StrictBool = False
    expiration_notifications: ExpirationNotifications | None = Field(
        default=None, description="The points expiration notifications policy (null: none sent)"
    )

    def values(self) -> dict[str, Any]:
        """The keys sent (levels as plain data)."""
        return self.model_dump(exclude_unset=True)


class ProgramOut(BaseModel):
    enabled: bool
    reward_activation_time: int
    levels_program: dict[str, Any] | None
    points_validity_months: int | None
    points_expire_at: str
    forfeit_points_on_leave: bool
    expiration_notifications: dict[str, Any] | None = None
    created_at: str
    updated_at: str


class ProgramBodyOut(BaseModel):
    rewards_program: ProgramOut


class Achievement(BaseModel):
    id: int
    type: str
    name: str
    points: int
    limit: int | None
    frequency: dict[str, Any] | None


class InfoOut(BaseModel):
    achievements: list[Achievement]
    levels_program: dict[str, Any] | None
    reward_activation_time: int
