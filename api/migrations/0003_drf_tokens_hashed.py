"""DRF tokens were stored in plain text (rest_framework.authtoken). Each becomes an ApiToken
that keeps only knox's digest and key prefix, so the same token keeps working until it
expires; then the plain-text rows are deleted. Migrated tokens name no sources: an
administrator names the sources they may import into (issue 19)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def hash_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    ApiToken = apps.get_model("api", "ApiToken")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id FROM authtoken_token")
        rows = cursor.fetchall()
        expiry = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
        for key, user_id in rows:
            ApiToken.objects.create(digest=hash_token(key), token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id,
                                    expiry=expiry, name="DRF-Token (übernommen)")
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("api", "0002_apitoken")]
    operations = [migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop)]
