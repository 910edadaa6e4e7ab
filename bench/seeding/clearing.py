"""Deleting what an earlier run seeded, and every row that hangs off it (following the
database's foreign keys), so a rerun replaces the seed rather than adding to it."""

from django.apps import apps
from django.core.management.base import CommandError
from django.db import models
from psycopg import sql

from bench.seeding.constants import CLASS_MARK, DOMAIN, MEMBER_PREFIX
from bench.seeding.writer import table_name
from cecs.models import AascClass, Submission, SubmissionTally
from holders.models import HolderProfile, User


def seeded_roots():
    """(SQL, params) selecting the ids of the rows this command owns, per model."""
    return {
        User: (
            sql.SQL("SELECT id FROM {} WHERE email LIKE %s").format(table_name(User)),
            [f"%@{DOMAIN}"],
        ),
        HolderProfile: (
            sql.SQL("SELECT id FROM {} WHERE email LIKE %s AND member_number LIKE %s").format(
                table_name(HolderProfile)
            ),
            [f"%@{DOMAIN}", f"{MEMBER_PREFIX}%"],
        ),
        AascClass: (
            sql.SQL("SELECT id FROM {} WHERE instructor LIKE %s").format(table_name(AascClass)),
            [f"%{CLASS_MARK}"],
        ),
    }


def constrained_fks(model):
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey)  # and OneToOneField
        and f.db_constraint
        and f.related_model is not model
    ]


def deletion_plan():
    """Follow the database foreign keys from the seeded roots. Returns the models to
    delete from in parent-first order, each with its foreign keys to those models, and
    the SET NULL foreign keys to null instead (history_user and the like)."""
    referencing = {}  # parent → [(child model, fk field)]
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            for f in constrained_fks(model):
                referencing.setdefault(f.related_model, []).append((model, f))
    reached, nulls, queue = set(seeded_roots()), [], list(seeded_roots())
    while queue:
        parent = queue.pop()
        for child, fk in referencing.get(parent, []):
            if fk.remote_field.on_delete is models.SET_NULL:
                nulls.append((child, fk, parent))
            elif child not in reached:
                reached.add(child)
                queue.append(child)
    order, placed = [], set()
    while len(order) < len(reached):
        ready = sorted(
            (
                m
                for m in reached - placed
                if all(
                    f.related_model in placed or f.related_model not in reached
                    for f in constrained_fks(m)
                )
            ),
            key=lambda m: m._meta.db_table,
        )
        if not ready:
            raise CommandError("Cannot order the seeded tables for deletion (a cycle).")
        order += ready
        placed.update(ready)
    parents = {m: [f for f in constrained_fks(m) if f.related_model in reached] for m in order}
    return order, parents, nulls


def truncatable(cursor, order, temp):
    """The tables whose every row is to be deleted and that no other table references."""
    whole = []
    for model in order:
        cursor.execute(
            sql.SQL("SELECT (SELECT count(*) FROM {}) = (SELECT count(*) FROM {})").format(
                table_name(model), temp[model]
            )
        )
        if cursor.fetchone()[0]:
            whole.append(model)
    referenced_by = {}
    for model in apps.get_models(include_auto_created=True):
        for f in constrained_fks(model):
            referenced_by.setdefault(f.related_model, set()).add(model)
    chosen = set(whole)
    changed = True
    while changed:
        changed = False
        for model in list(chosen):
            if referenced_by.get(model, set()) - chosen:
                chosen.discard(model)
                changed = True
    return [m for m in order if m in chosen]


def clear_seeded(cursor, write):
    """Delete the seeded rows and every row that references them. Returns rows deleted."""
    order, parents, nulls = deletion_plan()
    temp = collect_seeded_ids(cursor, order, parents)
    for child, fk, parent in nulls:
        cursor.execute(
            sql.SQL("UPDATE {} SET {} = NULL WHERE {} IN (SELECT id FROM {})").format(
                table_name(child),
                sql.Identifier(fk.column),
                sql.Identifier(fk.column),
                temp[parent],
            )
        )
    truncated = truncatable(cursor, order, temp)
    total = truncate_whole_tables(cursor, truncated, temp, write)
    for model in reversed(order):
        if model in truncated:
            continue
        cursor.execute(
            sql.SQL("DELETE FROM {} WHERE {} IN (SELECT id FROM {})").format(
                table_name(model), sql.Identifier(model._meta.pk.column), temp[model]
            )
        )
        if cursor.rowcount:
            write(f"  deleted {cursor.rowcount:>9,} {model._meta.db_table}")
        total += cursor.rowcount
    for name in temp.values():
        cursor.execute(sql.SQL("DROP TABLE {}").format(name))
    return total


def collect_seeded_ids(cursor, order, parents):
    """A temporary table per model of the ids to delete: the seeded roots, then, parents
    first, the rows referencing ids already collected. Returns model → table name."""
    roots = seeded_roots()
    temp = {}
    for model in order:
        temp[model] = sql.Identifier(f"seed_del_{model._meta.db_table}"[:63])
        cursor.execute(
            sql.SQL("CREATE TEMP TABLE {} (id bigint PRIMARY KEY) ON COMMIT DROP").format(
                temp[model]
            )
        )
        sources, params = [], []
        if model in roots:
            sources.append(roots[model][0])
            params += roots[model][1]
        for fk in parents[model]:
            sources.append(
                sql.SQL("SELECT {} FROM {} WHERE {} IN (SELECT id FROM {})").format(
                    sql.Identifier(model._meta.pk.column),
                    table_name(model),
                    sql.Identifier(fk.column),
                    temp[fk.related_model],
                )
            )
        cursor.execute(
            sql.SQL("INSERT INTO {} {} ON CONFLICT DO NOTHING").format(
                temp[model], sql.SQL(" UNION ALL ").join(sources)
            ),
            params,
        )
        cursor.execute(sql.SQL("ANALYZE {}").format(temp[model]))
    return temp


def truncate_whole_tables(cursor, truncated, temp, write):
    """TRUNCATE the tables whose every row is to go (far faster than DELETE). Returns rows
    removed."""
    if not truncated:
        return 0
    total, counts = 0, {}
    for model in truncated:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(temp[model]))
        counts[model] = cursor.fetchone()[0]
    cursor.execute(
        sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(table_name(m) for m in truncated))
    )
    if Submission in truncated:
        # TRUNCATE fires no DELETE trigger: the tally Submission's triggers keep goes too.
        cursor.execute(sql.SQL("TRUNCATE {}").format(table_name(SubmissionTally)))
    for model, count in counts.items():
        if count:
            write(f"  emptied {count:>9,} {model._meta.db_table}")
        total += count
    return total
