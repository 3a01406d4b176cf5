"""The money path: applications, review, recognition, notice, disbursement, ledger, audit."""
