# Credential types, held credentials, renewal cycles and invoices arrive with issue 4.
