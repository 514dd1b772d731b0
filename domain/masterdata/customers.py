"""Customers (by the dealer's customer reference) and their vehicles (by VIN)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from domain.masterdata.fields import Code, Email, Phone, Text, TimeZone, Vin
from domain.masterdata.record import Record
from domain.vocabulary import Channel, Powertrain, Segment


class Customer(Record):
    """A customer: contact per channel, consent per channel (None = leave the recorded consent alone)."""

    ref: Code
    name: Text
    locale: Literal["zh-CN", "en"] = "zh-CN"
    tz: TimeZone = "Asia/Shanghai"
    segment: Segment = Segment.FAMILY
    email: Email | None = None
    phone: Phone | None = None
    wechat_openid: Code | None = Field(default=None, description="WeChat openid or OEM-app push id")
    app: bool = Field(default=True, description="the customer uses the owner app")
    consent_in_app: bool | None = None
    consent_email: bool | None = None
    consent_sms: bool | None = None
    consent_wechat: bool | None = None
    preferred_center_code: Code | None = None
    advisor_employee_no: Code | None = None

    def channels(self) -> dict[str, str | bool]:
        """Return the contact addresses as customer.channels stores them."""
        out: dict[str, str | bool] = {"app": self.app}
        if self.email is not None:
            out["email"] = self.email
        if self.phone is not None:
            out["phone"] = self.phone
        if self.wechat_openid is not None:
            out["wechat_openid"] = self.wechat_openid
        return out

    def consents(self) -> dict[Channel, bool]:
        """Return the consent given per channel (channels left empty are not in it)."""
        given = {
            Channel.IN_APP: self.consent_in_app,
            Channel.EMAIL: self.consent_email,
            Channel.SMS: self.consent_sms,
            Channel.WECHAT: self.consent_wechat,
        }
        return {channel: granted for channel, granted in given.items() if granted is not None}


# A licence plate as advisors type it: upper case, e.g. 黑A12345 (the database keeps it trimmed, 2 to 16 chars).
Plate = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=16)]


class Vehicle(Record):
    """A vehicle by VIN (check digit verified) and its owner's customer reference."""

    vin: Vin
    brand: Text
    model: Text
    model_year: int = Field(ge=1950, le=2100)
    powertrain: Powertrain
    registered_on: date | None = None
    plate: Plate | None = Field(
        default=None, description="licence plate, e.g. 黑A12345 (advisors find the car by it)"
    )
    odometer_at_registration_km: int | None = Field(default=None, ge=0, le=2_000_000)
    owner_ref: Code
    region: Code | None = Field(
        default=None, description="empty = the region of the owner's preferred center"
    )
