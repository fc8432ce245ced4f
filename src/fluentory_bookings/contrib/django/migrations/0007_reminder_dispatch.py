"""What a reminder's dispatch needs: a lease (``claimed_until``) that lets several workers share
the queue, the failed attempts, and the final failure with its error."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fluentory_bookings", "0006_feed_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="bookingreminder",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed until"),
        ),
        migrations.AddField(
            model_name="bookingreminder",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AddField(
            model_name="bookingreminder",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="last error"),
        ),
        migrations.AddField(
            model_name="bookingreminder",
            name="failed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="failed at"),
        ),
    ]
