"""Token-bucket rate limiting (reference A.2): customer/organization × general/reporting buckets."""
