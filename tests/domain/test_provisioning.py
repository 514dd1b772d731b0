"""A vehicle's broker account from its VIN (pure): names, its one topic, the file row, fresh passwords."""

from __future__ import annotations

import pytest

from domain.provisioning import (
    CREDENTIALS_COLUMNS,
    InvalidVin,
    IssuedCredentials,
    new_password,
    vehicle_account,
)


def test_the_account_is_named_by_the_vin_and_allows_its_own_topic():
    account = vehicle_account("LSVAU2180N2183294", topic_root="dt/carecast")
    assert account.username == account.client_id == account.vin == "LSVAU2180N2183294"
    assert account.rolename == "carecast-vehicle-LSVAU2180N2183294"
    assert account.topic == "dt/carecast/LSVAU2180N2183294/telemetry"


@pytest.mark.parametrize(
    "vin",
    ["", "LSVAU2180N218329", "LSVAU2180N21832945", "LSVAU2180N218329O", "lsvau2180n2183294", "LSVAU2180N2183294\n",
     "+", "#", "LSVAU2180N/183294"],
)  # fmt: skip
def test_anything_but_a_vin_is_refused_before_it_reaches_a_topic_or_acl(vin):
    with pytest.raises(InvalidVin):
        vehicle_account(vin, topic_root="dt/carecast")


def test_the_file_row_follows_the_columns():
    account = vehicle_account("LFV3A23C8L3045671", topic_root="dt/carecast")
    row = IssuedCredentials(
        account=account, password="pw", broker_host="mqtt.example.com", broker_port=8883
    ).row()
    assert dict(zip(CREDENTIALS_COLUMNS, row, strict=True)) == {
        "vin": "LFV3A23C8L3045671",
        "username": "LFV3A23C8L3045671",
        "password": "pw",
        "client_id": "LFV3A23C8L3045671",
        "topic": "dt/carecast/LFV3A23C8L3045671/telemetry",
        "broker_host": "mqtt.example.com",
        "broker_port": "8883",
    }


def test_passwords_are_long_random_and_csv_safe():
    passwords = {new_password() for _ in range(1000)}
    assert len(passwords) == 1000
    assert all(len(p) == 32 and p.replace("-", "").replace("_", "").isalnum() for p in passwords)
