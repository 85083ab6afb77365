"""The database itself refuses to change or delete a line of an issued statement, or to move one onto it:
`StatementLine.save()`/`delete()` refuse it already, a `QuerySet.update()`/`delete()` or raw SQL did not
(docs/fees.md). PostgreSQL only: the SQLite demo keeps the model's checks."""

from django.db import migrations

# Run through the schema editor with parameters: "%%" is a literal "%".
FORWARD = """
CREATE FUNCTION fees_statementline_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    issued text;
BEGIN
    SELECT number INTO issued FROM fees_statement
    WHERE status <> 'draft'
      AND ((TG_OP <> 'INSERT' AND id = OLD.statement_id) OR (TG_OP <> 'DELETE' AND id = NEW.statement_id))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'integrity_constraint_violation',
            MESSAGE = format('Le relevé %%s est émis : ses lignes ne se modifient plus '
                             '(une correction va sur le relevé suivant).', issued);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER fees_statementline_frozen BEFORE INSERT OR UPDATE OR DELETE ON fees_statementline
FOR EACH ROW EXECUTE FUNCTION fees_statementline_frozen();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS fees_statementline_frozen ON fees_statementline;
DROP FUNCTION IF EXISTS fees_statementline_frozen();
"""


def on_postgresql(sql):
    """The SQL run on PostgreSQL, nothing elsewhere."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("fees", "0002_statement_identity")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
