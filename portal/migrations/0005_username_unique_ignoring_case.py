"""Usernames are unique regardless of case, enforced by the database so that two
invitations of one name at once cannot both succeed (Django's own constraint is
case-sensitive). An expression index works on SQLite and PostgreSQL alike."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("portal", "0004_job_heartbeat"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE UNIQUE INDEX portal_username_lower_uniq ON auth_user (lower(username));",
            reverse_sql="DROP INDEX portal_username_lower_uniq;",
        ),
    ]
