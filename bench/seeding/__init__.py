"""The parts of `manage.py seed_scale` (bench/management/commands/seed_scale.py): what the
seed is made of (`constants`), each holder's plan (`plan`), COPY and id reservation
(`writer`, `rows`), deleting an earlier seed (`clearing`) and the phases of writing
(`people`, `past_cycle`, `ledger`, `current_cycle`)."""
