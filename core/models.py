"""What the association says about itself (its name, how to reach its office) and the
questions holders ask most, as rows AASC staff keep in the admin. Pages, the footer and every
email read them (core.association); nothing here knows a holder or imports a project app."""

from django.db import models, transaction
from simple_history.models import HistoricalRecords

DEMO = "Demo value: replace it with the office's real one."


class AssociationContact(models.Model):
    """The one row of AASC's contact details (a singleton: its primary key is always 1)."""

    SINGLETON_PK = 1

    name = models.CharField("association name", max_length=120)
    short_name = models.CharField(max_length=20)
    phone = models.CharField(max_length=30, help_text=DEMO)
    email = models.EmailField(help_text=DEMO)
    street = models.CharField(max_length=120, help_text=DEMO)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2, help_text="Two letters, e.g. CO.")
    zip_code = models.CharField("ZIP code", max_length=10, help_text=DEMO)
    office_hours = models.TextField(
        blank=True, help_text=f"As holders should read it, one line per day or range. {DEMO}"
    )
    website = models.URLField(blank=True, help_text=DEMO)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "AASC contact details"
        verbose_name_plural = "AASC contact details"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="association_contact_singleton")
        ]

    def __str__(self):
        return f"{self.short_name} contact details"

    def save(self, *args, **kwargs):
        from .association import forget_association_contact

        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)
        # Now, and again once committed: a read in between may have cached the old row.
        forget_association_contact()
        transaction.on_commit(forget_association_contact)

    @property
    def phone_uri(self):
        digits = "".join(c for c in self.phone if c.isdigit() or c == "+")
        return f"tel:{digits}" if digits else ""


class FaqEntry(models.Model):
    """One question holders ask and AASC's answer (plain text, paragraphs kept)."""

    question = models.CharField(max_length=200)
    answer = models.TextField(help_text="Plain text. Leave an empty line between paragraphs.")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Questions are listed from the lowest number up."
    )
    published = models.BooleanField(default=True, help_text="Only published questions are shown.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self):
        return self.question
