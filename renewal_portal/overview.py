"""The renewal season at a glance for AASC staff: every figure from aggregate queries,
so the page costs the same few queries for 100 or 100,000 holders."""

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Coalesce

from credentials.models import HeldCredential, InvoiceLine, RenewalInvoice, Waiver
from payments.models import OFFLINE_PROVIDERS, Payment

from .progress import progress_expressions

# (key, label): the funnel, in the order a renewal goes.
STAGES = [
    ("invoiced", "Invoiced"),
    ("contact_confirmed", "Contact details confirmed"),
    ("paid", "Paid or fee waived"),
    ("enough_cecs", "Enough CECs"),
    ("submitted", "CECs submitted"),
    ("approved", "CECs approved"),
    ("renewed", "Renewed"),
]
OTHER_FIGURES = [
    ("in_grace", "In grace period"),
    ("lapsed", "Lapsed"),
    ("waiver", "With a waiver"),
]


def flag_expressions(cycle):
    """One boolean SQL expression per figure, for an invoice of `cycle`: the funnel's from
    the renewal-progress model, the credential states and waivers from their tables."""
    progress = progress_expressions()
    holder = OuterRef("holder")
    renewed_credentials = HeldCredential.objects.filter(
        pk__in=InvoiceLine.objects.filter(invoice=OuterRef(OuterRef("pk"))).values(
            "held_credential"
        )
    )
    return {
        "contact_confirmed": progress["contact_confirmed"],
        "paid": progress["settled"],
        "enough_cecs": progress["cecs_met"],
        "submitted": progress["submitted"],
        "approved": progress["approved"],
        "renewed": progress["complete"],
        "in_grace": Exists(renewed_credentials.filter(status=HeldCredential.Status.GRACE)),
        "lapsed": Exists(renewed_credentials.filter(status=HeldCredential.Status.LAPSED)),
        "waiver": Exists(Waiver.objects.filter(holder=holder, cycle=cycle)),
    }


def cycle_invoices(cycle):
    return RenewalInvoice.objects.filter(cycle=cycle).exclude(status=RenewalInvoice.Status.VOID)


def annotated_invoices(cycle):
    """The cycle's invoices with one filterable flag per figure (`.filter(paid=True)`)."""
    return cycle_invoices(cycle).alias(**flag_expressions(cycle))


FLAGS = [key for key, _ in STAGES + OTHER_FIGURES]


def _counts(cycle):
    flags = flag_expressions(cycle)
    return cycle_invoices(cycle).aggregate(
        invoiced=Count("pk"),
        **{key: Count("pk", filter=flags[key]) for key in FLAGS if key != "invoiced"},
    )


@dataclass
class Overview:
    cycle: object
    figures: dict
    by_credential: list  # (code, {figure: count})
    money: dict

    @property
    def funnel(self):
        return [(key, label, self.figures[key]) for key, label in STAGES]

    @property
    def others(self):
        return [(key, label, self.figures[key]) for key, label in OTHER_FIGURES]


def cycle_overview(cycle):
    invoices = cycle_invoices(cycle)
    figures = _counts(cycle)
    per_type = (
        InvoiceLine.objects.filter(invoice__in=invoices.values("pk"))
        .values("held_credential__credential_type__code")
        .annotate(
            invoiced=Count("invoice", distinct=True),
            paid=Count(
                "invoice",
                distinct=True,
                filter=Q(invoice__status__in=RenewalInvoice.SETTLED_STATUSES),
            ),
            renewed=Count("invoice", distinct=True, filter=Q(invoice__completed_at__isnull=False)),
        )
        .order_by("held_credential__credential_type__display_order")
    )
    by_credential = [(row["held_credential__credential_type__code"], row) for row in per_type]
    billable = invoices.filter(fee_waived=False)
    money = billable.aggregate(
        invoiced=Coalesce(Sum(F("fees_cents") + F("late_fee_cents")), 0),
        outstanding=Coalesce(
            Sum(
                Case(
                    When(
                        status__in=RenewalInvoice.PAYABLE_STATUSES,
                        then=F("fees_cents") + F("late_fee_cents"),
                    ),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
            0,
        ),
    )
    offline = Q(provider__in=OFFLINE_PROVIDERS)
    money |= Payment.objects.filter(invoice__cycle=cycle).aggregate(
        collected=Coalesce(Sum("amount_cents"), 0),
        # Card (Stripe, and the demo's test mode) and what staff recorded: cheque, cash, transfer.
        collected_card=Coalesce(Sum("amount_cents", filter=~offline), 0),
        collected_offline=Coalesce(Sum("amount_cents", filter=offline), 0),
        refunded=Coalesce(Sum("refunded_cents"), 0),
    )
    return Overview(cycle=cycle, figures=figures, by_credential=by_credential, money=money)
