"""Admins add and disable staff, load a network file with its errors listed, read the log."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.network.models import Office
from kezek.staff.models import Role, StaffUser
from tests.factories import NETWORK_TOML, booking_body
from tests.integration.staff.helpers import PASSWORD, make_staff

from .pages import form_token, submit, text


def _admin(client: TestClient, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "root", Role.admin, [])
    client.headers["Accept-Language"] = "ru"
    submit(client, client.get("/staff/login"), "/staff/login", username="root", password=PASSWORD)


def test_an_admin_adds_a_clerk_who_can_then_sign_in_and_disables_them(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _admin(client, sessions)
    page = client.get("/admin/staff")

    short = submit(
        client,
        page,
        "/admin/staff",
        username="aigul",
        full_name="Айгүл",
        role="clerk",
        password="short",
    )
    assert short.status_code == 422 and "Пароль слишком короткий" in text(short)
    # Beside the password field, in Russian, with the role in words.
    assert re.search(r'id="password-error"[^>]*>Пароль слишком короткий', short.text)
    assert '<option value="clerk" selected>Оператор</option>' in short.text
    added = client.post(
        "/admin/staff",
        data={
            "csrf_token": form_token(client),
            "username": "aigul",
            "full_name": "Айгүл",
            "role": "clerk",
            "offices": "bsk",
            "password": "a long enough password",
        },
    )
    assert added.status_code == 200 and "aigul" in text(added)
    with sessions() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "aigul"))
        assert user is not None and [o.code for o in user.offices] == ["bsk"]

    disabled = submit(client, added, "/admin/staff/disable", username="aigul")

    assert "Отключён" in text(disabled)
    with sessions() as session:
        assert (
            session.scalar(select(StaffUser.active).where(StaffUser.username == "aigul")) is False
        )


def test_the_add_form_asks_for_a_role_and_a_fit_username_and_keeps_what_was_typed(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _admin(client, sessions)
    page = client.get("/admin/staff")
    typed = {"full_name": "Айгүл", "offices": "bsk", "password": "a long enough password"}

    # Nothing is chosen for the role at first: an admin is never made by leaving it as it was.
    assert '<option value="" selected>Выберите роль</option>' in page.text
    no_role = submit(client, page, "/admin/staff", username="aigul", **typed)
    bad_name = submit(client, page, "/admin/staff", username="Айгүл К", role="clerk", **typed)
    added = submit(client, page, "/admin/staff", username="Aigul", role="clerk", **typed)
    taken = submit(client, page, "/admin/staff", username="aigul", role="clerk", **typed)

    assert no_role.status_code == 422
    assert re.search(r'id="role-error"[^>]*>Выберите роль\.', no_role.text)
    assert 'value="bsk" checked' in no_role.text and 'value="Айгүл"' in no_role.text
    assert bad_name.status_code == 422
    assert re.search(r'id="username-error"[^>]*>Имя пользователя — от 2 до 64', bad_name.text)
    assert "Добавлен: aigul. Теперь можно войти." in text(added)
    assert taken.status_code == 422 and "Это имя пользователя занято" in text(taken)
    with sessions() as session:
        assert sorted(session.scalars(select(StaffUser.username))) == ["aigul", "root"]


def test_an_admin_cannot_disable_themselves(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _admin(client, sessions)
    make_staff(sessions, "aigul", Role.clerk, ["bsk"])
    page = client.get("/admin/staff")

    client.post("/admin/staff/disable", data={"csrf_token": form_token(client), "username": "root"})

    assert 'name="username" value="aigul"' in page.text
    assert 'name="username" value="root"' not in page.text  # no button to lock oneself out
    with sessions() as session:
        assert session.scalar(select(StaffUser.active).where(StaffUser.username == "root"))


def test_a_bad_network_file_is_listed_and_nothing_loads(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _admin(client, sessions)
    bad = NETWORK_TOML.replace('timezone = "Asia/Bishkek"', 'timezone = "Asia/Bishkekk"', 1)

    refused = client.post(
        "/admin/network",
        data={"csrf_token": form_token(client)},
        files={"file": ("net.toml", bad.encode(), "text/plain")},
    )

    assert refused.status_code == 422
    # In the reader's language, with the line, the field and the fix, beside the file field.
    assert (
        "net.toml:38: offices[0].timezone: 'Asia/Bishkekk' — не часовой пояс IANA; "
        "может быть, Asia/Bishkek?" in text(refused)
    )
    assert "1 ошибка; ничего не загружено." in text(refused)
    assert (
        'id="file" name="file"' in refused.text and 'aria-describedby="file-error"' in refused.text
    )
    broken = client.post(
        "/admin/network",
        data={"csrf_token": form_token(client)},
        files={"file": ("net.toml", b"[network\n", "text/plain")},
    )
    assert broken.status_code == 422 and "net.toml:1: (синтаксис): " in text(broken)
    renamed = NETWORK_TOML.replace('en = "Bishkek office"', 'en = "Bishkek consulate"', 1)
    loaded = client.post(
        "/admin/network",
        data={"csrf_token": form_token(client)},
        files={"file": ("net.toml", renamed.encode(), "text/plain")},
    )
    assert loaded.status_code == 200 and "Загружено." in text(loaded)
    assert "Учреждения 0 1 0" in text(loaded)  # the rows changed, in words
    with sessions() as session:
        office = session.scalar(select(Office).where(Office.code == "bsk"))
        assert office is not None and office.name["en"] == "Bishkek consulate"


def test_the_audit_log_shows_who_did_what(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _admin(client, sessions)
    token = client.post(
        "/api/v1/auth/token", json={"username": "root", "password": PASSWORD}
    ).json()["access_token"]
    client.post(
        "/api/v1/offices/bsk/tickets",
        json={"service": "quick"},
        headers={"Authorization": f"Bearer {token}"},
    )

    log = client.get("/admin/audit")

    assert log.status_code == 200 and "Q-001" in text(log)
    # The event in words, the office by name, who issued it by name and account, and with
    # offices in several time zones, each time with its offset from UTC.
    assert "Бишкекский офис Q-001 Талон выдан — Root (root)" in text(log)
    assert re.search(r"\d\d:\d\d \(UTC\+6\) Бишкекский офис", text(log))


def test_managers_and_clerks_may_not_administer(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    submit(
        client, client.get("/staff/login"), "/staff/login", username="gulnara", password=PASSWORD
    )

    for path in ("/admin/staff", "/admin/network"):
        assert client.get(path).status_code == 403
    # A manager reads the audit log of her own offices, and of no other.
    own = client.get("/admin/audit")
    assert own.status_code == 200 and "Бишкекский офис" in text(own)
    assert "Большой центр" not in text(own) and "Все учреждения" not in text(own)


def test_loading_a_new_slot_grid_warns_of_the_bookings_it_no_longer_counts(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _admin(client, sessions)
    booked = client.post("/api/v1/bookings", json=booking_body())
    assert booked.status_code == 201, booked.text
    regridded = NETWORK_TOML.replace("slot_minutes = 10", "slot_minutes = 20", 1)

    def upload(network: str) -> str:
        loaded = client.post(
            "/admin/network",
            data={"csrf_token": form_token(client)},
            files={"file": ("net.toml", network.encode(), "text/plain")},
        )
        assert loaded.status_code == 200
        return text(loaded)

    changed = upload(regridded)
    again = upload(regridded)

    assert "Учреждение bsk изменило длину слота" in changed and "будущие записи (1)" in changed
    assert "изменило длину слота" not in again
