"""Database-level guards that hold whatever code path writes: the admin, a shell, a raw UPDATE.

`ForbidChanges` installs a trigger that refuses UPDATE and DELETE on a table's rows, optionally
only for rows matching a condition on OLD (e.g. "OLD.published_at IS NOT NULL"). It supports
PostgreSQL (production, tests) and SQLite (the embedded `make run`). Both raise an integrity
error, which Django surfaces as `django.db.IntegrityError`.
"""

from django.db import migrations

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION recourse_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%: %', TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
"""


class ForbidChanges(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, message: str, when_old: str | None = None) -> None:
        self.table = table
        self.message = message
        self.when_old = when_old

    def state_forwards(self, app_label, state) -> None:
        pass

    def _name(self, verb: str) -> str:
        return f"{self.table}_forbid_{verb}"

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        vendor = schema_editor.connection.vendor
        message = self.message.replace("'", "''")
        if vendor == "postgresql":
            schema_editor.execute(_PG_FUNCTION, params=None)
            when = f"WHEN ({self.when_old})" if self.when_old else ""
            schema_editor.execute(
                f"CREATE TRIGGER {self._name('change')} BEFORE UPDATE OR DELETE ON {self.table} "
                f"FOR EACH ROW {when} EXECUTE FUNCTION recourse_forbid_change('{message}')"
            )
        elif vendor == "sqlite":
            when = f"WHEN {self.when_old}" if self.when_old else ""
            for verb in ("update", "delete"):
                schema_editor.execute(
                    f"CREATE TRIGGER {self._name(verb)} BEFORE {verb.upper()} ON {self.table} "
                    f"FOR EACH ROW {when} BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        else:
            raise NotImplementedError(f"ForbidChanges does not support {vendor}.")

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self._name('change')} ON {self.table}")
        elif vendor == "sqlite":
            for verb in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {self._name(verb)}")

    def describe(self) -> str:
        return f"Forbid UPDATE/DELETE on {self.table}" + (
            f" when {self.when_old}" if self.when_old else ""
        )

    def deconstruct(self):
        kwargs = {"table": self.table, "message": self.message}
        if self.when_old:
            kwargs["when_old"] = self.when_old
        return (self.__class__.__qualname__, [], kwargs)


class VendorSQL(migrations.operations.base.Operation):
    """Raw SQL written once per supported database (PostgreSQL and SQLite), for guards that
    `ForbidChanges` does not cover: CHECK-like triggers that read other tables, deferred checks.
    Each statement is executed on its own (SQLite's driver runs one statement per call)."""

    reversible = True
    reduces_to_sql = True

    def __init__(
        self,
        *,
        postgresql: list[str],
        sqlite: list[str],
        reverse_postgresql: list[str],
        reverse_sqlite: list[str],
        description: str = "Vendor SQL",
    ) -> None:
        self.postgresql = postgresql
        self.sqlite = sqlite
        self.reverse_postgresql = reverse_postgresql
        self.reverse_sqlite = reverse_sqlite
        self.description = description

    def state_forwards(self, app_label, state) -> None:
        pass

    def _run(self, schema_editor, forwards: bool) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"VendorSQL does not support {vendor}.")
        prefix = "" if forwards else "reverse_"
        for statement in getattr(self, prefix + vendor):
            schema_editor.execute(statement, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self._run(schema_editor, forwards=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self._run(schema_editor, forwards=False)

    def describe(self) -> str:
        return self.description

    def deconstruct(self):
        kwargs = {
            "postgresql": self.postgresql,
            "sqlite": self.sqlite,
            "reverse_postgresql": self.reverse_postgresql,
            "reverse_sqlite": self.reverse_sqlite,
            "description": self.description,
        }
        return (self.__class__.__qualname__, [], kwargs)
