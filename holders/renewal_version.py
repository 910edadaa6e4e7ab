"""A version of each holder's renewal that every write to it changes, in the same transaction.

`HolderProfile.renewal_version` keys the holder pages' cache (core.page_cache). PostgreSQL
keeps it, not Python: a statement-level trigger on every table that holds a part of a
holder's renewal bumps the version of each holder whose rows the statement inserted,
changed or deleted, so that bulk paths (`bulk_create`, `QuerySet.update`, imports, the
admin) cannot miss it and the bump commits or rolls back with the write. Any update of the
holder record itself bumps it too (`holder_record_triggers`). On SQLite there are no
triggers, and the cache is off.
"""

import pgtrigger

HOLDER_TABLE = "holders_holderprofile"


def _bump(holder_ids_sql):
    # Only this module's own table and column names go into the SQL.
    return (
        f"UPDATE {HOLDER_TABLE} SET renewal_version = renewal_version + 1 "  # noqa: S608
        f"WHERE id IN ({holder_ids_sql}); RETURN NULL;"
    )


def renewal_version_triggers(*, prefix, holder_ids=None):
    """Triggers for a model whose rows belong to a holder's renewal.

    `holder_ids` turns a transition table's name into SQL selecting the holders' ids; by
    default the rows' own `holder_id`. For a row that belongs to a holder through another
    table (an invoice line through its invoice), pass that join. PostgreSQL allows one
    event per trigger with transition tables, hence three; an update bumps the holders on
    both sides, so a row moved to another holder changes both."""
    holder_ids = holder_ids or (lambda rows: f"SELECT holder_id FROM {rows}")  # noqa: S608

    def trigger(name, operation, sql, **referencing):
        return pgtrigger.Trigger(
            name=f"{prefix}_renewal_v_{name}",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=operation,
            referencing=pgtrigger.Referencing(**referencing),
            func=_bump(sql),
        )

    return [
        trigger("ins", pgtrigger.Insert, holder_ids("new_rows"), new="new_rows"),
        trigger(
            "upd",
            pgtrigger.Update,
            f"{holder_ids('old_rows')} UNION {holder_ids('new_rows')}",
            old="old_rows",
            new="new_rows",
        ),
        trigger("del", pgtrigger.Delete, holder_ids("old_rows"), old="old_rows"),
    ]


def through(table, column):
    """`holder_ids` for rows that belong to a holder through `table`, named by `column`."""
    return lambda rows: (
        f"SELECT t.holder_id FROM {table} t WHERE t.id IN (SELECT {column} FROM {rows})"  # noqa: S608
    )


def holder_record_triggers():
    """Any update of the holder record bumps its version, whatever the update wrote to it:
    a `save()` writes back the version it loaded, so the row's own value wins.

    The condition leaves out the bumps themselves (they raise the version), so a batch
    that bumps thousands of holders runs no PL/pgSQL per row: measured in one transaction
    of 2,000-row batches, calling the function for every row made each batch slower than
    the one before (130 to 270 ms over ten), the condition keeps them at 60-70 ms."""
    return [
        pgtrigger.Trigger(
            name="holder_renewal_v_self",
            level=pgtrigger.Row,
            when=pgtrigger.Before,
            operation=pgtrigger.Update,
            condition=pgtrigger.Condition("NEW.renewal_version <= OLD.renewal_version"),
            func="NEW.renewal_version := OLD.renewal_version + 1; RETURN NEW;",
        )
    ]


def renewal_cache_key(*, holder, page):
    """The cache key of `page`'s part about `holder`'s renewal (core.page_cache.cached_part).

    The version comes with the holder record, which the signed-in user's query loads before
    the page reads anything else: a write that commits later can only make this key old,
    never put old rows under a new one."""
    return (page, holder.pk, holder.renewal_version)
