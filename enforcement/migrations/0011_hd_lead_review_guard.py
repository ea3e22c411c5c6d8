# ruff: noqa: S608 — every SQL string here is built from constants of this module, no input.
"""Issue #17: the lead review records the proposal it read, and the database itself refuses a
permanent termination of a long-standing account without a lead's review (PostgreSQL).

The check is a deferred constraint trigger (the review is linked to the action after the action
is written, in the same transaction). It reads the thresholds from the session settings
`recourse.long_standing_member_years` and `recourse.long_standing_earnings`, which every
connection of the portal sets from its settings (`config/settings.py`, the connection's
`options`) and `issue_action` sets again for its transaction; a session without them (psql)
uses the defaults, 5 years and 50000.
"""

from django.db import migrations, models

from infra.db import VendorSQL

ACTION = "enforcement_enforcementaction"
MESSAGE = (
    "a permanent termination of a long-standing account needs a lead review by someone other "
    "than its proposer"
)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_i17a_track_record"),
        ("enforcement", "0010_i18_rule_translations"),
    ]

    operations = [
        migrations.AddField(
            model_name="leadreview",
            name="proposal",
            field=models.JSONField(blank=True, default=dict),
        ),
        VendorSQL(
            description="A long-standing account's termination needs a lead review",
            postgresql=[
                f"""
                CREATE OR REPLACE FUNCTION recourse_termination_lead_review() RETURNS trigger AS $$
                DECLARE
                    min_years integer := coalesce(
                        nullif(current_setting('recourse.long_standing_member_years', true), '')
                            ::integer, 5);
                    min_earnings numeric := coalesce(
                        nullif(current_setting('recourse.long_standing_earnings', true), '')
                            ::numeric, 50000);
                BEGIN
                    IF NEW.restriction_type = 'permanent_termination' AND EXISTS (
                        SELECT 1 FROM accounts_trackrecord record
                        JOIN accounts_user account ON account.id = record.user_id
                        WHERE record.user_id = NEW.account_id AND (
                            record.earnings_to_date >= min_earnings
                            OR account.member_since <= (
                                current_date - make_interval(years => min_years))::date
                        )
                    ) AND NOT EXISTS (
                        SELECT 1 FROM enforcement_leadreview review
                        WHERE review.action_id = NEW.id
                        AND review.account_id = NEW.account_id
                        AND review.reviewed_by_id IS DISTINCT FROM NEW.decided_by_id
                    ) THEN
                        RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NULL;
                END
                $$ LANGUAGE plpgsql
                """,
                f"CREATE CONSTRAINT TRIGGER {ACTION}_termination_lead_review "
                f"AFTER INSERT ON {ACTION} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION recourse_termination_lead_review()",
                f"CREATE CONSTRAINT TRIGGER {ACTION}_termination_lead_review_on_change "
                f"AFTER UPDATE OF restriction_type, account_id ON {ACTION} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "WHEN (OLD.restriction_type IS DISTINCT FROM NEW.restriction_type "
                "OR OLD.account_id IS DISTINCT FROM NEW.account_id) "
                "EXECUTE FUNCTION recourse_termination_lead_review()",
            ],
            # SQLite (`make run` only) has no deferred triggers; issue_action's guard applies.
            sqlite=[],
            reverse_postgresql=[
                f"DROP TRIGGER IF EXISTS {ACTION}_termination_lead_review_on_change ON {ACTION}",
                f"DROP TRIGGER IF EXISTS {ACTION}_termination_lead_review ON {ACTION}",
                "DROP FUNCTION IF EXISTS recourse_termination_lead_review()",
            ],
            reverse_sqlite=[],
        ),
    ]
