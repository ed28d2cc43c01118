"""Platform adapters: each translates one wire format to a Turn and a Reply back. Nothing else."""
