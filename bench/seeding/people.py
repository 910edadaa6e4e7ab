"""Phase one's people: the named staff and bench accounts, the AASC classes, holders with
their accounts, credentials, waivers, emeritus status and contact confirmations; for the
seeding command (bench/management/commands/seed_scale.py) to mix in."""

import datetime
import random
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import Group

from bench.seeding.constants import (
    BENCH_ADMIN,
    BENCH_REVIEWER,
    CLASS_HOURS,
    CLASS_MARK,
    CURRENT_CYCLE,
    DOMAIN,
    INSTRUCTORS,
    ISSUED_2026,
    LAST_EARNED,
    MEMBER_PREFIX,
    PAST_CYCLE,
    REVIEWER_COUNT,
    STAFF_COUNT,
    TOPICS,
    day_in,
    local,
)
from bench.seeding.writer import email_model, reserve_ids
from cecs.models import AascClass
from credentials.models import EmeritusStatus, HeldCredential, Waiver
from holders.models import ContactConfirmation, HolderProfile, User
from holders.roles import AASC_STAFF, HOLDERS, NAAEI_REVIEWERS


class PeopleWriter:
    def create_staff_accounts(self):
        """The few named accounts, with the ORM: staff who verify and decide, and the
        bench accounts. Staff get a TOTP authenticator when the MFA app is installed."""
        staff_group = Group.objects.get(name=AASC_STAFF)
        reviewer_group = Group.objects.get(name=NAAEI_REVIEWERS)
        email_addresses = email_model()
        accounts = {"staff": [], "reviewers": [], "totp": {}}

        def account(email, group=None, **flags):
            user = User.objects.create(
                email=email, password=self.password_hash, is_staff=True, **flags
            )
            if group is not None:
                user.groups.add(group)
            email_addresses.objects.create(user=user, email=email, verified=True, primary=True)
            if apps.is_installed("allauth.mfa"):
                from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

                secret = generate_totp_secret()
                TOTP.activate(user, secret)
                accounts["totp"][email] = secret
            return user

        for k in range(1, STAFF_COUNT + 1):
            accounts["staff"].append(account(f"staff{k:02d}@{DOMAIN}", staff_group))
        for k in range(1, REVIEWER_COUNT + 1):
            accounts["reviewers"].append(account(f"reviewer{k:02d}@{DOMAIN}", reviewer_group))
        accounts["bench_reviewer"] = account(BENCH_REVIEWER, reviewer_group)
        accounts["bench_admin"] = account(BENCH_ADMIN, staff_group, is_superuser=True)
        accounts["reviewers"].append(accounts["bench_reviewer"])
        return accounts

    def write_classes(self, cursor, n, seed):
        rng = random.Random(seed)  # noqa: S311 - test data
        per_year = max(12, min(250, n // 200))
        classes, rows = {}, []
        self.classes = classes
        first = reserve_ids(cursor, AascClass, per_year * 2)
        self.class_ids = {}
        for offset, year in enumerate((2025, 2026)):
            last = LAST_EARNED if year == 2026 else datetime.date(year, 12, 31)
            pool = []
            for k in range(per_year):
                held_on = day_in(rng, datetime.date(year, 1, 10), last)
                hours = Decimal(rng.choice(CLASS_HOURS))
                title = f"{rng.choice(TOPICS)} ({held_on:%b %Y}, session {k + 1})"
                pool.append((held_on, hours, title))
                class_id = first + offset * per_year + k
                self.class_ids[(year, k)] = class_id
                rows.append(
                    (class_id, title, held_on, f"{rng.choice(INSTRUCTORS)} {CLASS_MARK}", hours)
                )
            classes[year] = pool
        self.tables["class"].write(cursor, rows)
        return classes

    def write_people(self, cursor, plans):
        """Accounts (with their address and group) and holder records."""
        t = self.tables
        holders_group = self.groups[HOLDERS].pk
        n_accounts = sum(p.has_account for p in plans)
        user0 = reserve_ids(cursor, User, n_accounts)
        holder0 = reserve_ids(cursor, HolderProfile, len(plans))
        users, emails, memberships, holders = [], [], [], []
        user_ids, holder_ids = self.user_ids, self.holder_ids
        email0 = reserve_ids(cursor, email_model(), n_accounts)
        group0 = reserve_ids(cursor, User.groups.through, n_accounts)
        k = 0
        for pos, p in enumerate(plans):
            holder_id = holder0 + pos
            holder_ids[p.index] = holder_id
            user_id = None
            if p.has_account:
                user_id = user0 + k
                users.append((user_id, self.password_hash, p.email, ISSUED_2026))
                emails.append((email0 + k, user_id, p.email, True, True))
                memberships.append((group0 + k, user_id, holders_group))
                k += 1
            user_ids[p.index] = user_id
            holders.append(
                (
                    holder_id,
                    user_id,
                    p.first_name,
                    p.last_name,
                    p.email,
                    p.phone,
                    f"{100 + p.index % 9800} N Cascade Ave",
                    p.city,
                    "CO",
                    p.zip_code,
                    p.employer,
                    p.job_title,
                    f"{MEMBER_PREFIX}{p.index:07d}",
                )
            )
        t["user"].write(cursor, users)
        t["email"].write(cursor, emails)
        t["user_group"].write(cursor, memberships)
        t["holder"].write(cursor, holders)

    def write_credentials(self, cursor, plans):
        """The credentials held. Returns, per holder index, the renewing ones as
        (credential id, type)."""
        t = self.tables
        credentials, renewing = [], {}
        first = reserve_ids(cursor, HeldCredential, sum(len(p.types) for p in plans))
        for p in plans:
            for code in p.types:
                ctype = self.types[code]
                if not ctype.renews:
                    expires, status = None, HeldCredential.Status.ACTIVE
                elif p.lapsed:
                    expires, status = datetime.date(2025, 12, 31), HeldCredential.Status.LAPSED
                else:
                    expires, status = datetime.date(2026, 12, 31), HeldCredential.Status.DUE
                earned = datetime.date(2008 + p.index % 16, 1 + p.index % 12, 1 + p.index % 28)
                credentials.append(
                    (
                        first,
                        self.holder_ids[p.index],
                        ctype.pk,
                        f"{code}-{MEMBER_PREFIX}{p.index:07d}",
                        earned,
                        expires,
                        status,
                    )
                )
                if ctype.renews:
                    renewing.setdefault(p.index, []).append((first, ctype))
                first += 1
        t["credential"].write(cursor, credentials)
        return renewing

    def write_waivers(self, cursor, plans):
        staff = self.accounts["staff"]
        waivers = [
            (year, p, w)
            for p in plans
            for year, w in ((PAST_CYCLE, p.waiver_2026), (CURRENT_CYCLE, p.waiver_2027))
            if w is not None
        ]
        first = reserve_ids(cursor, Waiver, len(waivers))
        self.tables["waiver"].write(
            cursor,
            (
                (
                    first + k,
                    self.holder_ids[p.index],
                    self.cycles[year].pk,
                    fee,
                    cecs,
                    "Military deployment" if cecs else "Hardship",
                    staff[p.index % len(staff)].pk,
                    local(datetime.date(year - 1, 10, 20)),
                )
                for k, (year, p, (fee, cecs)) in enumerate(waivers)
            ),
        )

    def write_emeriti(self, cursor, plans):
        staff = self.accounts["staff"]
        emeriti = [p for p in plans if p.emeritus]
        first = reserve_ids(cursor, EmeritusStatus, len(emeriti))
        self.tables["emeritus"].write(
            cursor,
            (
                (
                    first + k,
                    self.holder_ids[p.index],
                    2026,
                    "Retired from the industry",
                    staff[0].pk,
                    local(datetime.date(2025, 6, 1)),
                )
                for k, p in enumerate(emeriti)
            ),
        )

    def write_confirmations(self, cursor, plans):
        confirmations = [
            (year, p)
            for p in plans
            if p.has_account
            for year, yes in ((PAST_CYCLE, p.confirmed_2026), (CURRENT_CYCLE, p.confirmed_2027))
            if yes
        ]
        first = reserve_ids(cursor, ContactConfirmation, len(confirmations))
        self.tables["confirmation"].write(
            cursor,
            (
                (
                    first + k,
                    self.holder_ids[p.index],
                    year,
                    local(datetime.date(year - 1, 11, 5 + p.index % 20), 8, key=p.index),
                    self.user_ids[p.index],
                )
                for k, (year, p) in enumerate(confirmations)
            ),
        )
