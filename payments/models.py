# Payments, Stripe Checkout and webhooks arrive with issue 7.
